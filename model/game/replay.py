"""A game as its decisions: a JSON log that rebuilds the same World step by step.

A game with people in it (the browser game, a class) is a scenario, a seed and, for each
step, what the people decided: their actions, their answers to offers, who played each
seat (people or its bot) and the event cards fired. Replaying the log on a fresh World
gives the same world, because everything else is decided by the seeded model. This is
how a class game is saved (never pickled), resumed, rolled back, branched and replayed
headless with one decision changed.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from agents.actions import ANSWERS, Action, Respond, Shock, from_dict, to_dict
from agents.seat import HumanSeat
from agents.strategies import make_controller
from model.data.files import read_bytes
from model.data.scenario import SCENARIOS_DIR, Scenario, load_scenario, scenario_path
from model.data.world_data import REST_OF_WORLD, WorldData, load_world
from model.engine.world import World
from model.text import UnknownLanguage, check_language, recording_in, t

PEOPLE, BOT = "people", "bot"
NOBODY = (REST_OF_WORLD,)  # the rest-of-world aggregate is no country people can play


def _typed(value, kind, name: str):
    """``value`` if it is a ``kind``; a ValueError naming the field of the log otherwise."""
    if isinstance(value, bool) or not isinstance(value, kind):
        raise _bad(value, name)
    return value


def _bad(value, name: str) -> ValueError:
    shown = repr(value)
    return ValueError(
        t("classroom.log_bad_field", field=name, value=shown[:60] + "…" * (len(shown) > 60))
    )


def _language(value) -> str:
    """A log's language, checked like the other fields (an edited file may hold anything)."""
    try:
        return check_language(_typed(value, str, "language"))
    except UnknownLanguage:
        raise _bad(value, "language") from None


def _listings(value, name: str) -> dict[str, list]:
    """A {seat: [records]} table of a turn, checked for shape (the records by ``validate``)."""
    for code, entries in _typed(value, dict, name).items():
        _typed(code, str, name)
        _typed(entries, list, f"{name}.{code}")
    return {code: list(entries) for code, entries in value.items()}


@dataclass
class Turn:
    """What people did in one step (the step the World plays next)."""

    step: int
    actions: dict[str, list[dict]] = field(default_factory=dict)  # code -> action records
    answers: dict[str, list[dict]] = field(default_factory=dict)  # code -> Respond records
    players: dict[str, str] = field(default_factory=dict)  # seat code -> PEOPLE or BOT
    cards: list[dict] = field(default_factory=list)  # action records from event cards

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "actions": self.actions,
            "answers": self.answers,
            "players": self.players,
            "cards": self.cards,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> "Turn":
        _typed(record, dict, "turns")
        players = _typed(record.get("players", {}), dict, "players")
        for code, player in players.items():
            _typed(code, str, "players")
            _typed(player, str, f"players.{code}")
        return cls(
            step=_typed(record.get("step"), int, "step"),
            actions=_listings(record.get("actions", {}), "actions"),
            answers=_listings(record.get("answers", {}), "answers"),
            players=dict(players),
            cards=list(_typed(record.get("cards", []), list, "cards")),
        )


@dataclass
class GameLog:
    """The scenario, the seed, the seats people play, every step's turn and the cards fired.

    ``cards`` holds every event card move fired, with the round it was fired in (the
    round then being decided) and the step it plays at, so that going back to a round
    keeps the moves still to come of the cards fired by then. ``scenario_sha256`` is the
    scenario file's digest when the scenario is a file of the teacher's, not a bundled one:
    an edited file would replay a different game.
    """

    scenario: str
    seed: int
    seats: list[str]
    turns: list[Turn] = field(default_factory=list)
    cards: list[dict] = field(default_factory=list)  # {"round", "step", "card", "action"}
    scenario_sha256: str | None = None
    # The language its tables' sentences are recorded in (None in logs saved before it was
    # kept: the language of whoever plays it).
    language: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "seats": self.seats,
            "turns": [turn.to_json() for turn in self.turns],
            "cards": self.cards,
            "scenario_sha256": self.scenario_sha256,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> "GameLog":
        _typed(record, dict, "log")
        seats = _typed(record.get("seats"), list, "seats")
        for code in seats:
            _typed(code, str, "seats")
        digest = record.get("scenario_sha256")
        language = record.get("language")
        return cls(
            scenario=_typed(record.get("scenario"), str, "scenario"),
            seed=_typed(record.get("seed"), int, "seed"),
            seats=list(seats),
            turns=[Turn.from_json(turn) for turn in _typed(record.get("turns", []), list, "turns")],
            cards=[
                _typed(c, dict, "cards") for c in _typed(record.get("cards", []), list, "cards")
            ],
            scenario_sha256=None if digest is None else _typed(digest, str, "scenario_sha256"),
            language=None if language is None else _language(language),
        )

    def upto(self, rounds: int) -> "GameLog":
        """The game as it stood after ``rounds`` rounds: their turns and the cards fired by then."""
        return GameLog(
            self.scenario,
            self.seed,
            list(self.seats),
            self.turns[:rounds],
            [card for card in self.cards if card["round"] <= rounds],
            self.scenario_sha256,
            self.language,
        )

    def without_people(self) -> "GameLog":
        """The same game with nothing decided by people: the no-action comparison."""
        turns = [
            Turn(turn.step, players=dict(turn.players), cards=turn.cards) for turn in self.turns
        ]
        return GameLog(
            self.scenario,
            self.seed,
            list(self.seats),
            turns,
            self.cards,
            self.scenario_sha256,
            self.language,
        )

    def validate(self, data: WorldData) -> None:
        """Refuse a log this world cannot replay (ValueError from the catalogue): a log comes
        from a file a person may have edited, and must fail here, not half way through."""
        allowed = [code for code in data.codes if code not in NOBODY]
        for code in self.seats:
            if code not in allowed:
                raise ValueError(t("classroom.bad_seat", code=code, allowed=", ".join(allowed)))
        if len(set(self.seats)) != len(self.seats):  # none: a game people only watch
            raise ValueError(t("classroom.seats_needed", allowed=", ".join(allowed)))
        for number, turn in enumerate(self.turns, start=1):
            if turn.step != number:
                raise ValueError(t("classroom.log_bad_step", round=number, step=turn.step))
            for code, player in turn.players.items():
                self._check_seat(number, code)
                if player not in (PEOPLE, BOT):
                    reason = t("classroom.bad_player", value=player, allowed=f"{PEOPLE}, {BOT}")
                    raise ValueError(
                        t("classroom.log_round", round=number, code=code, reason=reason)
                    )
            for listing, answers in ((turn.actions, False), (turn.answers, True)):
                for code, entries in listing.items():
                    self._check_seat(number, code)
                    for entry in entries:
                        _check_decision(number, code, entry, answers)
            for entry in turn.cards:
                _check_card(number, entry, data)
        for card in self.cards:
            fired = _typed(card.get("round"), int, "cards.round")
            _typed(card.get("step"), int, "cards.step")
            _typed(card.get("card"), str, "cards.card")
            _check_card(fired, card.get("action"), data)

    def _check_seat(self, number: int, code: str) -> None:
        if code not in self.seats:
            reason = t("classroom.not_a_seat", code=code, allowed=", ".join(self.seats))
            raise ValueError(t("classroom.log_round", round=number, code=code, reason=reason))


def _check_decision(number: int, code: str, entry, answer: bool) -> None:
    """A seat's decision in round ``number``: a well-formed action of that seat, answers apart."""
    try:
        action = from_dict(entry)
    except ValueError as error:
        raise ValueError(t("classroom.log_round", round=number, code=code, reason=error)) from None
    if action.actor != code:
        reason = t("deals.not_your_seat", actor=action.actor, code=code)
    elif isinstance(action, Shock):  # the live game's rule: a seat cannot order an outage
        reason = t("classroom.no_shock")
    elif isinstance(action, Respond) and action.answer not in ANSWERS:
        reason = t("classroom.bad_answer", value=action.answer, allowed=", ".join(ANSWERS))
    elif answer != isinstance(action, Respond):
        reason = t("classroom.log_misplaced", kind=action.kind)
    else:
        return
    raise ValueError(t("classroom.log_round", round=number, code=code, reason=reason))


def _check_card(number: int, entry, data: WorldData) -> None:
    """An event card's move: a well-formed action of an economy of the world."""
    try:
        action = from_dict(entry)
    except ValueError as error:
        raise ValueError(t("classroom.log_card", round=number, reason=error)) from None
    if action.actor not in data.codes:
        reason = t("classroom.log_card_actor", actor=action.actor)
        raise ValueError(t("classroom.log_card", round=number, reason=reason))


def scenario_digest(scenario: str) -> str | None:
    """The sha256 of a scenario file of the teacher's; None for a bundled scenario."""
    path = scenario_path(scenario)
    if path.resolve().parent == SCENARIOS_DIR.resolve():
        return None
    return hashlib.sha256(read_bytes(path)).hexdigest()


def checked(log: GameLog) -> Scenario:
    """The log's scenario once the log is known to replay on it; ValueError (or the
    scenario's ScenarioError) naming the problem otherwise."""
    spec = load_scenario(log.scenario, seed=log.seed)
    # A teacher's own scenario file must be the one the game was played on: a log
    # without the file's digest could name any file on this machine.
    digest = scenario_digest(log.scenario)
    if digest is not None and log.scenario_sha256 is None:
        raise ValueError(t("classroom.scenario_unverified", file=log.scenario))
    if digest != log.scenario_sha256:
        raise ValueError(t("classroom.scenario_changed", file=log.scenario))
    if len(log.turns) > spec.steps:
        raise ValueError(t("classroom.log_too_long", turns=len(log.turns), steps=spec.steps))
    log.validate(load_world(spec.world))
    return spec


class Table:
    """A live World with people's seats and their bots, advanced one logged turn at a time."""

    def __init__(self, log: GameLog, spec: Scenario | None = None):
        self.log = log
        if spec is None:
            spec = checked(log)
        else:
            log.validate(load_world(spec.world))
        self.spec = spec
        with recording_in(log.language):
            self._seat_people(log)

    def _seat_people(self, log: GameLog) -> None:
        self.world = World(self.spec, rng=log.seed)
        self.seats = {code: HumanSeat() for code in log.seats}
        # Each seat's bot is made once, so its memory carries over when it plays again.
        self.bots = {
            code: make_controller(
                self.world.country_agent(code).strategy,
                self.world.data.price0,
                self.world.parameters,
            )
            for code in log.seats
        }
        for code, seat in self.seats.items():
            self.world.seat_person(code, seat)  # the script no longer plays a person's country

    def play(self, turn: Turn) -> None:
        """Play one step with the turn's decisions."""
        world = self.world
        if turn.step != world.steps + 1:
            raise ValueError(
                t("classroom.turn_out_of_order", step=turn.step, expected=world.steps + 1)
            )
        for code in self.log.seats:
            seat = self.seats[code]
            seat.clear()
            for record in turn.actions.get(code, []):
                seat.submit(from_dict(record))
            for record in turn.answers.get(code, []):
                seat.submit(from_dict(record))
            playing = self.bots[code] if turn.players.get(code) == BOT else seat
            world.country_agent(code).controller = playing
        for record in turn.cards:
            action = from_dict(record)
            world.country_agent(action.actor).cards.setdefault(turn.step, []).append(action)
        with recording_in(self.log.language):
            world.step()


def replay(log: GameLog, upto: int | None = None, deals_allowed: bool = True) -> Table:
    """A Table that has played the log's turns (the first ``upto`` of them); with
    ``deals_allowed`` False, the same game with no negotiation at all."""
    table = Table(log)
    table.world.deals_allowed = deals_allowed
    for turn in log.turns[:upto]:
        table.play(turn)
    return table


def records(actions: list[Action]) -> tuple[list[dict], list[dict]]:
    """(measures and proposals, answers) as JSON records."""
    return split([to_dict(action) for action in actions])


def split(entries: list[dict]) -> tuple[list[dict], list[dict]]:
    """Action records as a turn holds them: (measures and proposals, answers)."""
    answers = [entry for entry in entries if entry["kind"] == Respond.kind]
    return [entry for entry in entries if entry["kind"] != Respond.kind], answers
