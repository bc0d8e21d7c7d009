"""The `demand` event: a boom or a slump in final demand, in the named economies."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.actions import MAX_DEMAND_FACTOR, MAX_RAMP, MIN_DEMAND_FACTOR, Demand
from model.data.scenario import ScenarioError
from model.engine.state import DemandShift
from model.engine.world import World
from support.builders import at, event, scenario

LITHIUM = ("lithium", "refined")


def run(events, steps=6):
    return World(scenario(events, steps=steps, shock_rate=0.0)).run()


def price(tables, step, country="USA", good=LITHIUM):
    rows = at(tables["prices"], step, country=country, mineral=good[0], stage=good[1])
    return float(rows["price"].iloc[0])


def output(tables, step, good=LITHIUM):
    rows = at(tables["production"], step, mineral=good[0], stage=good[1])
    return float(rows["production"].sum())


def boom(factor=1.3, duration=8, ramp=0, targets=("all",), step=2, good=LITHIUM):
    return event(
        step,
        "CHN",
        "demand",
        *good,
        targets=list(targets),
        factor=factor,
        duration=duration,
        ramp=ramp,
    )


def test_a_demand_boom_raises_the_price_and_the_quantity():
    boomed, quiet = run([boom()]).tables(), run([]).tables()
    assert price(boomed, 1) == pytest.approx(price(quiet, 1))
    assert price(boomed, 2) > 1.1 * price(quiet, 2)
    # Refiners answer the price as their plans catch up with it: output is up by step 4.
    assert output(boomed, 4) > 1.02 * output(quiet, 4)
    assert output(boomed, 6) > output(boomed, 4)
    news = " ".join(at(boomed["events"], 2, action="demand")["detail"])
    assert "30%" in news and "refined lithium" in news


def test_a_demand_slump_lowers_the_price():
    slump, quiet = run([boom(factor=0.7)]).tables(), run([]).tables()
    assert price(slump, 2) < 0.95 * price(quiet, 2)
    assert output(slump, 6) < output(quiet, 6)


def test_a_ramp_builds_the_shift_up_and_it_ends_after_its_duration():
    world = run([boom(factor=1.4, duration=5, ramp=4)], steps=1)
    g = world.data.good(*LITHIUM)
    seen = []
    for _ in range(7):
        world.step()  # steps 2..8: the shift applies to steps 2..6
        # The event's own multiplier (users' long-run thrifting answers the price on top).
        seen.append(round(float(world.state.demand_factor(world.steps)[:, g].max()), 6))
    assert seen == [1.1, 1.2, 1.3, 1.4, 1.4, 1.0, 1.0]


def test_a_shift_moves_only_the_named_economies_demand():
    world = run([boom(factor=2.0, targets=["USA", "JPN"])], steps=2)
    g = world.data.good(*LITHIUM)
    # The event's multiplier (everyone's thrifting answers the higher price on top of it).
    ratio = world.state.demand_factor(world.steps)[:, g]
    moved = {world.data.codes[c] for c in np.flatnonzero(np.abs(ratio - 1) > 1e-9)}
    assert moved == {"USA", "JPN"}
    assert ratio[world.data.country("USA")] == pytest.approx(2.0)


def test_a_shift_on_magnets_reaches_oxide_through_the_magnet_makers():
    magnets = ("rare_earths", "magnets")
    boomed = run([boom(factor=1.3, good=magnets)], steps=6).tables()
    quiet = run([], steps=6).tables()
    oxide = ("rare_earths", "refined")
    assert price(boomed, 6, "CHN", oxide) > price(quiet, 6, "CHN", oxide)


@pytest.mark.parametrize(
    ("magnitudes", "expected"),
    [
        (
            {"factor": 12.0, "duration": 4},
            "events[0].factor: 12.0 is outside the allowed range 0.1..10.0",
        ),
        (
            {"factor": 0.0, "duration": 4},
            "events[0].factor: 0.0 is outside the allowed range 0.1..10.0",
        ),
        (
            {"factor": 1.2, "duration": 4, "ramp": 41},
            "events[0].ramp: 41 is outside the allowed range 0..40",
        ),
        (
            {"factor": 1.2, "duration": 4, "ramp": 6},
            "events[0].ramp: 6 is outside the allowed range 0..4",
        ),
        ({"factor": 1.2, "duration": 0}, "events[0].duration: 0 is too small; allowed: 1 or more"),
        ({"duration": 4}, "events[0].factor: missing; a 'demand' event needs: factor, duration"),
        (
            {"factor": 1.2, "duration": 4, "rate": 0.1},
            "events[0].rate: a 'demand' event does not take",
        ),
        ({"factor": "big", "duration": 4}, "events[0].factor: 'big' is not a number"),
    ],
)
def test_a_bad_demand_event_is_refused_naming_the_key_and_the_allowed_range(magnitudes, expected):
    with pytest.raises(ScenarioError) as error:
        scenario([event(2, "CHN", "demand", *LITHIUM, **magnitudes)])
    assert expected in str(error.value)


def test_ramp_is_a_demand_magnitude_only():
    with pytest.raises(ScenarioError, match=r"events\[0\].ramp: a 'shock' event does not take"):
        scenario([event(2, "CHN", "shock", *LITHIUM, capacity_factor=0.5, duration=2, ramp=1)])


def test_a_demand_action_from_a_record_out_of_bounds_is_refused_and_changes_nothing():
    world = run([], steps=1)
    before = world.state.copy()
    wild = Demand("CHN", ("all",), *LITHIUM, factor=50.0, duration=4)
    assert not world.apply(wild, 2)
    assert world.state.demand_shifts == before.demand_shifts == []
    refusal = world.tables()["events"].iloc[-1]["detail"]
    assert "factor = 50.0 is outside 0.1..10.0" in refusal


@given(
    factor=st.floats(MIN_DEMAND_FACTOR, MAX_DEMAND_FACTOR),
    duration=st.integers(1, 60),
    ramp=st.integers(0, MAX_RAMP),
    start=st.integers(1, 20),
)
def test_a_shift_moves_monotonically_to_its_factor_and_back_to_normal(
    factor, duration, ramp, start
):
    ramp = min(ramp, duration)
    shift = DemandShift(np.array([0]), np.array([0]), factor, start, ramp, start + duration - 1)
    path = [shift.multiplier(step) for step in range(start - 1, start + duration + 1)]
    assert path[0] == path[-1] == 1.0
    assert path[-2] == pytest.approx(factor)
    inside = np.array(path[1:-1])
    steps = np.diff(inside) * np.sign(factor - 1)
    assert (steps >= -1e-12).all()


def test_a_delegation_cannot_decide_a_demand_shift(tmp_path):
    from model.game.classroom import ClassGame

    # The card's actor (CHN) is not a seat: cards never act in a delegation's name.
    game = ClassGame.create("baseline", ["USA", "JPN"], tmp_path / "class", seed=7)
    game.open_round(game.teacher_token)
    record = {
        "kind": "demand",
        "actor": "USA",
        "targets": ["all"],
        "mineral": "lithium",
        "stage": "refined",
        "factor": 3.0,
        "duration": 4,
    }
    [reason] = game.submit(game.seat_tokens["USA"], [record])
    assert "not a decision a delegation takes" in reason


def test_the_lfp_card_lowers_cobalt_demand_in_a_class_game_and_replays(tmp_path):
    from model.game.classroom import ClassGame

    # The card's actor (CHN) is not a seat: cards never act in a delegation's name.
    game = ClassGame.create("baseline", ["USA", "JPN"], tmp_path / "class", seed=7)
    teacher = game.teacher_token
    game.fire_card(teacher, "lfp_takes_cobalts_place")
    for _ in range(3):
        game.close_round(teacher)
    events = game.tables()["events"]
    fired = events[events["action"] == "demand"]
    assert fired["detail"].str.contains("Demand for refined cobalt falls by 15%").all()
    assert len(fired) == 1
    world = game.world
    g = world.data.good("cobalt", "refined")
    # Three quarters into an eight-quarter ramp: demand is down 3/8 of 15 %.
    assert world.state.demand_factor(3)[:, g] == pytest.approx(1 - 0.15 * 3 / 8)
    reopened = ClassGame.resume(tmp_path / "class")
    assert reopened.world.state.demand_factor(3)[:, g] == pytest.approx(1 - 0.15 * 3 / 8)
