"""A game as its decisions: people's offers wait a quarter, and a log replays the same world."""

import json

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.actions import Propose, Respond, Tariff, to_dict
from model.replay import BOT, PEOPLE, GameLog, Table, Turn, replay
from ui import views


def _turn(step, actions=(), answers=(), players=None) -> Turn:
    turn = Turn(step, players=players or {})
    for action in actions:
        turn.actions.setdefault(action.actor, []).append(to_dict(action))
    for answer in answers:
        turn.answers.setdefault(answer.actor, []).append(to_dict(answer))
    return turn


def _play(table: Table, turn: Turn) -> None:
    table.play(turn)
    table.log.turns.append(turn)


def test_an_offer_between_people_waits_for_the_answer_and_binds():
    table = Table(GameLog("baseline", 3, ["USA", "CHN"]))
    _play(table, _turn(1, [Propose("USA", "CHN", "truce", {}, 4)]))
    [offer] = views.inbox(table.world, "CHN")
    assert offer["proposer"] == "USA" and views.inbox(table.world, "USA") == []
    _play(table, _turn(2, answers=[Respond("CHN", offer["deal_id"], "accept")]))
    deals = table.world.tables()["deals"]
    assert deals["status"].tolist() == ["proposed", "accepted"]
    assert [d.deal for d in table.world.state.deals] == ["truce"]


def test_a_counter_goes_back_to_the_proposer_and_lapses_unanswered():
    table = Table(GameLog("baseline", 3, ["USA", "CHN"]))
    terms = {"mineral": "lithium", "stage": "refined", "max_rate": 0.0}
    _play(table, _turn(1, [Propose("USA", "CHN", "tariff_agreement", terms, 4)]))
    [offer] = views.inbox(table.world, "CHN")
    _play(table, _turn(2, answers=[Respond("CHN", offer["deal_id"], "counter", {"max_rate": 0.1})]))
    [back] = views.inbox(table.world, "USA")
    assert back["terms"]["max_rate"] == 0.1 and views.inbox(table.world, "CHN") == []
    _play(table, _turn(3))
    assert views.inbox(table.world, "USA") == []
    assert table.world.tables()["deals"]["status"].tolist() == ["proposed", "countered", "lapsed"]


def test_a_seat_handed_to_its_bot_answers_at_once():
    table = Table(GameLog("april_2025_escalation", 3, ["USA", "JPN"]))
    _play(table, _turn(1, [Propose("USA", "JPN", "truce", {}, 4)], players={"JPN": BOT}))
    statuses = table.world.tables()["deals"]["status"].tolist()
    assert statuses[0] == "proposed" and statuses[-1] in {"accepted", "rejected"}
    assert views.inbox(table.world, "JPN") == []


moves = st.lists(
    st.tuples(
        st.sampled_from(["USA", "CHN"]),
        st.sampled_from(["rare_earths", "lithium", "cobalt"]),
        st.floats(0, 2),
    ),
    max_size=3,
)


@given(turns=st.lists(moves, min_size=1, max_size=4), players=st.sampled_from([PEOPLE, BOT]))
@settings(max_examples=8, deadline=None)
def test_a_log_saved_as_json_replays_the_same_world(turns, players):
    table = Table(GameLog("baseline", 11, ["USA", "CHN"]))
    for step, chosen in enumerate(turns, start=1):
        actions = [
            Tariff(code, ("USA" if code == "CHN" else "CHN",), mineral, "refined", rate)
            for code, mineral, rate in chosen
        ]
        _play(table, _turn(step, actions, players={"CHN": players}))
    saved = json.loads(json.dumps(table.log.to_json()))
    again = replay(GameLog.from_json(saved))
    for name, frame in table.world.tables().items():
        pd.testing.assert_frame_equal(frame, again.world.tables()[name])
    half = replay(GameLog.from_json(saved), upto=1)
    assert half.world.steps == 1
