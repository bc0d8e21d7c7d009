"""A World that still matches the reference path takes the path's clearing: same numbers.

A passive baseline run is the reference path itself, so it need not clear its markets a
second time (reference.py). The reuse must change nothing, bit for bit, and stop as soon
as the World does something the path did not.
"""

import copy

import numpy as np
import pandas as pd
import pytest

from agents.actions import ExportControl, Tariff
from model.engine import reference
from model.engine.world import World
from support.seats import Scripted

STEPS = 6
CLEARING = reference.Reference.clearing  # before any test wraps it


def run(name: str, reuse: bool, monkeypatch) -> tuple[dict[str, pd.DataFrame], int]:
    reference._shared.clear()  # a fresh path: what was kept does not leak between runs
    taken = []

    def clearing(self, step, state):
        found = CLEARING(self, step, state) if reuse else None
        taken.append(found is not None)
        return found

    monkeypatch.setattr(reference.Reference, "clearing", clearing)
    world = World(name)
    world.run(STEPS)
    return world.tables(), sum(taken)


@pytest.mark.parametrize("name", ["baseline", "washington_coalition"])
def test_reusing_the_paths_clearing_changes_no_number(name, monkeypatch):
    scored_against_the_shared_path(monkeypatch)  # a baseline run is otherwise its own path
    solved, _ = run(name, False, monkeypatch)
    reused, taken = run(name, True, monkeypatch)
    for table in ("countries", "prices", "flows", "production"):
        pd.testing.assert_frame_equal(reused[table], solved[table], check_exact=True)
    if name == "baseline":  # everyone passive: every quarter is the path's
        assert taken == STEPS
    else:  # the club forms in the first quarter: the World leaves the path at once
        assert taken == 0


def scored_against_the_shared_path(monkeypatch) -> None:
    """Every World from here on scores against the shared path, as before it could be its own."""
    monkeypatch.setattr(World, "_nobody_acts", lambda self: False)


def test_a_world_where_nobody_acts_is_its_own_path_and_scores_the_same(monkeypatch):
    """A baseline run neither clears its quarters twice nor asks the shared path: its
    tables are those it has scored against the shared path, bit for bit."""
    own, taken = run("baseline", True, monkeypatch)
    assert taken == 0 and (own["countries"]["score"] == 0).all()
    scored_against_the_shared_path(monkeypatch)
    shared, _ = run("baseline", False, monkeypatch)
    for table in ("countries", "prices", "flows", "production", "events"):
        pd.testing.assert_frame_equal(own[table], shared[table], check_exact=True)


def late_measures(world: World) -> None:
    """Two quarters as the path, then a measure put in from outside, then a seat that acts."""
    world.run(2)
    world.apply(Tariff("USA", ("CHN",), "lithium", "refined", 0.5), world.steps)
    world.run(1)
    world.country_agent("JPN").controller = Scripted(
        {5: [ExportControl("JPN", ("KOR",), "rare_earths", "magnets", 0.5)]}
    )
    world.run(3)


def test_a_world_changed_from_outside_its_step_leaves_its_own_path(monkeypatch):
    """A measure applied between quarters, or a country handed to a player, is scored
    against the shared path from then on, exactly as if it had never been its own."""
    reference._shared.clear()
    world = World("baseline")
    late_measures(world)
    scored_against_the_shared_path(monkeypatch)
    reference._shared.clear()
    shared = World("baseline")
    late_measures(shared)
    ours, theirs = world.tables(), shared.tables()
    for table in ("countries", "prices", "flows", "production", "events"):
        pd.testing.assert_frame_equal(ours[table], theirs[table], check_exact=True)
    scores = ours["countries"].pivot(index="step", columns="country", values="score")
    assert (scores.loc[:2] == 0).all().all()  # the path's own quarters
    assert scores.loc[3:, "CHN"].abs().min() > 0.1  # the tariff's quarter on
    assert scores.loc[5, "KOR"] != pytest.approx(0.0, abs=1e-6)  # the seat's measure


def test_a_teachers_card_counts_as_acting_in_its_own_quarter():
    """A card fired for a quarter is played, and scored, in that quarter."""
    reference._shared.clear()
    world = World("baseline")
    world.run(1)
    world.country_agent("USA").cards[2] = [Tariff("USA", ("CHN",), "all", "all", 0.5)]
    world.run(1)
    scores = world.tables()["countries"].set_index(["step", "country"])["score"]
    assert scores[(1, "USA")] == 0 and abs(scores[(2, "CHN")]) > 0.1


def test_a_number_written_into_the_state_between_quarters_leaves_its_own_path():
    """No API call needed: a script that halves one plant's capacity by hand is scored
    against the shared path from that quarter on (the state's bytes changed)."""
    reference._shared.clear()
    world = World("baseline")
    world.run(2)
    row, good = world.data.country("CHN"), world.data.good("rare_earths", "refined")
    world.state.capacity[row, good] *= 0.5
    world.run(2)
    scores = world.tables()["countries"].pivot(index="step", columns="country", values="score")
    assert (scores.loc[:2] == 0).all().all()
    assert scores.loc[3:, "CHN"].abs().min() > 0.01


def test_a_run_whose_progress_call_changes_the_world_leaves_its_own_path():
    """run() checks the path once when nothing outside can act between its quarters; a
    progress callback can, so with one the check stays every quarter."""
    reference._shared.clear()
    world = World("baseline")
    row, good = world.data.country("CHN"), world.data.good("rare_earths", "refined")

    def halve_after_the_second_quarter():
        if world.steps == 2:
            world.state.capacity[row, good] *= 0.5

    world.run(4, progress=halve_after_the_second_quarter)
    scores = world.tables()["countries"].pivot(index="step", columns="country", values="score")
    assert (scores.loc[:2] == 0).all().all()
    assert scores.loc[3:, "CHN"].abs().min() > 0.01


def test_a_snapshot_changes_with_any_number_or_object_in_it():
    tags = np.empty((2, 1), dtype=object)
    tags[0, 0], tags[1, 0] = ["a"], ["b"]
    state = {"price": np.ones((2, 3)), "tags": tags}
    before = reference.snapshot(state)
    assert reference.snapshot(copy.deepcopy(state)) == before  # equal values, equal bytes
    state["price"][1, 2] = np.nextafter(1.0, 2.0)  # one bit of one number
    assert reference.snapshot(state) != before
    state["price"][1, 2] = 1.0
    state["tags"][0, 0].append("c")  # inside an object array (its bytes are pointers)
    assert reference.snapshot(state) != before
    state["tags"][0, 0].pop()
    assert reference.snapshot(state.copy() | {"price": np.ones((3, 2))}) != before  # shape
    assert reference.snapshot(state.copy() | {"price": np.ones((2, 3), int)}) != before  # type
