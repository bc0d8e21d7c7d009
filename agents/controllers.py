"""Controllers decide a country's actions each step from what it can observe.

Every kind of player — a script, an AI strategy, a person in the browser — is a
controller with the same ``decide`` method, so a seat can switch between them.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from agents.actions import ACTION_TYPES, MAGNITUDE_NAMES, Action, Respond
from agents.observation import Observation, Offer
from model.text import from_data


class Controller(Protocol):
    """What the engine asks of whoever decides for a country, and nothing more."""

    name: str
    observes: bool  # False: it never looks, so the engine builds no observation for it
    answers_later: bool  # True: an offer waits a quarter for its answer (a person's inbox)

    def decide(self, observation: Observation) -> list[Action]: ...

    def respond(self, observation: Observation, offer: Offer) -> Respond | None: ...


PLAYER = "player"  # decided_by of a seat's moves: a person, a delegation, an outside policy

class BaseController:
    """A controller that looks, answers at once, and lets every offer lapse."""

    name = "base"
    observes = True
    answers_later = False
    # Who decided its moves, as the events table says (``decided_by``): a person's seat,
    # a class delegation or an outside policy is a "player"; an AI strategy says "ai".
    decider = PLAYER

    def decide(self, observation: Observation) -> list[Action]:
        return []

    def respond(self, observation: Observation, offer: Offer) -> Respond | None:
        return None


def decider(controller) -> str:
    """Who decides what ``controller`` plays: its ``decider``, "player" for a controller
    written elsewhere without one (an outside policy)."""
    return getattr(controller, "decider", PLAYER)


class PassiveController(BaseController):
    """Takes no new measures: standing tariffs and controls stay as they are."""

    name = "passive"
    observes = False

    def decide(self, observation: Observation) -> list[Action]:
        return []


class ScriptedController(BaseController):
    """Plays the scenario's events for its country at their steps."""

    name = "scripted"

    def __init__(self, actions_by_step: dict[int, list[Action]]):
        self.actions_by_step = actions_by_step

    def decide(self, observation: Observation) -> list[Action]:
        return self.actions_at(observation.step)

    def actions_at(self, step: int) -> list[Action]:
        return list(self.actions_by_step.get(step, []))


def action_from_event(event) -> Action:
    """Build the action a scenario event describes (events are validated before this)."""
    cls = ACTION_TYPES[event.action]
    fields = {
        "actor": event.actor,
        "mineral": event.mineral,
        "stage": event.stage,
        "note": from_data(vars(event), "note"),
    }
    if "targets" in cls.__dataclass_fields__:
        fields["targets"] = tuple(event.targets or [event.actor])
    for name in MAGNITUDE_NAMES:
        value = getattr(event, name, None)
        if name in cls.__dataclass_fields__ and value is not None:
            fields[name] = value
    return cls(**fields)


def scripted_schedules(events: Iterable) -> dict[str, dict[int, list[Action]]]:
    """Scenario events grouped by actor, then step, in file order."""
    schedules: dict[str, dict[int, list[Action]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        schedules[event.actor][event.step].append(action_from_event(event))
    return schedules
