"""A game as its decisions: people's offers wait a quarter, and a log replays the same world."""

import json
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.actions import Propose, Respond, Tariff, from_dict, to_dict
from model.data.world_data import load_world
from model.game.replay import BOT, PEOPLE, GameLog, Table, Turn, replay
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


def test_records_from_files_are_bounded_and_numbers_become_floats():
    record = to_dict(Tariff("USA", ("CHN",), "lithium", "refined", 0.5)) | {"rate": 2}
    action = from_dict(record)
    assert action.rate == 2.0 and type(action.rate) is float
    refused = [
        {"targets": []},
        {"targets": ["CHN", 3]},
        {"rate": float("nan")},
        {"rate": float("inf")},
        {"rate": 10**400},
        {"rate": 1e15},
        {"rate": True},
    ]
    for change in refused:
        with pytest.raises(ValueError, match="tariff: field"):
            from_dict(record | change)
    answer = to_dict(Respond("USA", 1, "accept"))
    for offer_id in (-1, 2**31, 1.0):
        with pytest.raises(ValueError, match="respond: field offer_id"):
            from_dict(answer | {"offer_id": offer_id})
    assert from_dict(answer | {"offer_id": 2**31 - 1}).offer_id == 2**31 - 1


def test_a_log_is_checked_before_it_replays():
    log = GameLog("baseline", 3, ["USA", "CHN"])
    log.turns.append(_turn(1, [Tariff("USA", ("CHN",), "lithium", "refined", 0.1)]))
    data = load_world("world_2024")
    log.validate(data)
    spoiled = [
        (lambda log: log.seats.append("ROW"), "'ROW' cannot be a seat"),
        (lambda log: setattr(log.turns[0], "step", 2), "round 1 of the game log is for step 2"),
        (lambda log: log.turns[0].players.update(JPN=BOT), "round 1, JPN: 'JPN' is not a seat"),
        (lambda log: log.turns[0].players.update(USA="ai"), "'ai' cannot play a seat"),
        (
            lambda log: log.turns[0].answers.update(USA=log.turns[0].actions["USA"]),
            "a tariff is in the wrong list",
        ),
        (
            lambda log: log.turns[0].actions.update(CHN=log.turns[0].actions["USA"]),
            "round 1, CHN: the United States is not your country",
        ),
        (lambda log: log.turns[0].cards.append({"kind": "wish"}), "round 1, event card"),
    ]
    for spoil, fragment in spoiled:
        bad = GameLog.from_json(json.loads(json.dumps(log.to_json())))
        spoil(bad)
        with pytest.raises(ValueError, match=re.escape(fragment)):
            bad.validate(data)
        with pytest.raises(ValueError, match=re.escape(fragment)):
            replay(bad)
    for record, fragment in [
        ([], "the game log's log cannot be []"),
        (log.to_json() | {"seed": 1.5}, "seed cannot be 1.5"),
        (log.to_json() | {"seats": "USA"}, "seats cannot be 'USA'"),
        (log.to_json() | {"turns": [{"step": "1"}]}, "step cannot be '1'"),
    ]:
        with pytest.raises(ValueError, match=re.escape(fragment)):
            GameLog.from_json(record)


def test_a_turn_out_of_order_is_refused_in_words_from_the_catalogue():
    table = Table(GameLog("baseline", 3, ["USA"]))
    with pytest.raises(ValueError, match="the turn is for step 2, but the world plays step 1"):
        table.play(_turn(2))


def test_upto_keeps_the_rounds_and_the_cards_fired_by_then():
    card = {"round": 2, "step": 3, "card": "c", "action": {}}
    log = GameLog("baseline", 3, ["USA"], [_turn(1), _turn(2), _turn(3)], [card])
    assert [turn.step for turn in log.upto(2).turns] == [1, 2] and log.upto(2).cards == [card]
    assert log.upto(1).cards == [] and log.upto(2).seats == log.seats


def test_the_game_without_deals_replays_with_no_negotiation():
    log = GameLog("baseline", 3, ["USA", "CHN"])
    log.turns.append(_turn(1, [Propose("USA", "CHN", "truce", {}, 4)]))
    assert not replay(log).world.tables()["deals"].empty
    assert replay(log, deals_allowed=False).world.tables()["deals"].empty


def test_a_class_records_its_tables_in_its_own_language_whoever_closes_the_round(tmp_path):
    """Review (helper's class walk): a quarter's news was written in the language of the
    page that closed the round (a French student's, when the timer closed it), so one
    class's events table mixed languages, and a replay wrote other sentences."""
    from dataclasses import replace as with_

    from model.game.classroom import ClassGame
    from model.text import use_language

    with use_language("en"):
        game = ClassGame.create("april_2025_escalation", ["USA", "JPN"], tmp_path / "class")
    assert game.log.language == "en"
    game.open_round(game.teacher_token)
    with use_language("fr"):  # the round closed from a French page
        game.close_round(game.teacher_token)
    news = game.table.world.tables()["events"]["detail"].tolist()
    with use_language("fr"):  # a replay on a French machine writes the same sentences
        assert replay(GameLog.from_json(game.log.to_json())).world.tables()["events"][
            "detail"
        ].tolist() == news
    in_french = replay(with_(game.log, language="fr")).world.tables()["events"]["detail"]
    assert len(news) > 1 and in_french.tolist() != news  # so they were said in English
    assert "réellement passé" in " ".join(in_french)
