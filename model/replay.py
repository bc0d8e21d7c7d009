"""A game as its decisions: a JSON log that rebuilds the same World step by step.

A game with people in it (the browser game, a class) is a scenario, a seed and, for each
step, what the people decided: their actions, their answers to offers, who played each
seat (people or its bot) and the event cards fired. Replaying the log on a fresh World
gives the same world, because everything else is decided by the seeded model. This is
how a class game is saved (never pickled), resumed, rolled back, branched and replayed
headless with one decision changed.
"""

from dataclasses import dataclass, field
from typing import Any

from agents.actions import Action, Respond, from_dict, to_dict
from agents.seat import HumanSeat
from agents.strategies import make_controller
from model.scenario import Scenario, load_scenario
from model.world import World

PEOPLE, BOT = "people", "bot"


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
        return cls(
            step=int(record["step"]),
            actions={k: list(v) for k, v in record.get("actions", {}).items()},
            answers={k: list(v) for k, v in record.get("answers", {}).items()},
            players=dict(record.get("players", {})),
            cards=list(record.get("cards", [])),
        )


@dataclass
class GameLog:
    """The scenario, the seed, the seats people play and every step's turn."""

    scenario: str
    seed: int
    seats: list[str]
    turns: list[Turn] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "seats": self.seats,
            "turns": [turn.to_json() for turn in self.turns],
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> "GameLog":
        return cls(
            scenario=record["scenario"],
            seed=int(record["seed"]),
            seats=list(record["seats"]),
            turns=[Turn.from_json(turn) for turn in record.get("turns", [])],
        )

    def without_people(self) -> "GameLog":
        """The same game with nothing decided by people: the no-action comparison."""
        turns = [
            Turn(turn.step, players=dict(turn.players), cards=turn.cards) for turn in self.turns
        ]
        return GameLog(self.scenario, self.seed, list(self.seats), turns)


class Table:
    """A live World with people's seats and their bots, advanced one logged turn at a time."""

    def __init__(self, log: GameLog, spec: Scenario | None = None):
        self.log = log
        self.spec = spec or load_scenario(log.scenario, seed=log.seed)
        self.world = World(self.spec, rng=log.seed)
        self.seats = {code: HumanSeat() for code in log.seats}
        # Each seat's bot is made once, so its memory carries over when it plays again.
        self.bots = {
            code: make_controller(self.world.country_agent(code).strategy, self.world.data.price0)
            for code in log.seats
        }
        for code, seat in self.seats.items():
            self.world.country_agent(code).controller = seat

    def play(self, turn: Turn) -> None:
        """Play one step with the turn's decisions."""
        world = self.world
        if turn.step != world.steps + 1:
            raise ValueError(
                f"turn for step {turn.step}, but the world plays step {world.steps + 1}"
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
            script = world.country_agent(action.actor).script
            script.actions_by_step.setdefault(turn.step, []).append(action)
        world.step()


def replay(log: GameLog, upto: int | None = None) -> Table:
    """A Table that has played the log's turns (the first ``upto`` of them)."""
    table = Table(log)
    for turn in log.turns[:upto]:
        table.play(turn)
    return table


def records(actions: list[Action]) -> tuple[list[dict], list[dict]]:
    """(measures and proposals, answers) as JSON records."""
    answers = [to_dict(a) for a in actions if isinstance(a, Respond)]
    others = [to_dict(a) for a in actions if not isinstance(a, Respond)]
    return others, answers
