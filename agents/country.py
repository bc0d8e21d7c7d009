"""An economy as a Mesa agent: who it is, what it wants, and who decides for it."""

import mesa

from agents.actions import Action
from agents.controllers import Controller, ScriptedController


class Country(mesa.Agent):
    """Holds identity, objectives and controller; the world owns every number."""

    def __init__(
        self,
        model,
        code: str,
        name: str,
        role: str,
        strategy: str,
        controller: Controller,
        script: ScriptedController | None = None,
        follows_script: bool = True,
    ):
        super().__init__(model)
        self.code = code
        self.name = name
        self.role = role
        self.strategy = strategy
        self.controller = controller
        # The scenario's scripted events: played only while ``follows_script`` (a person's
        # country is theirs: its history is advice, never applied).
        self.script = script
        self.follows_script = follows_script
        self.cards: dict[int, list[Action]] = {}  # moves of event cards a teacher fired
        self.pending: list[Action] = []
        self.funded: list[Action] = []  # the pending actions the scenario pays for
        self.made_by: dict[int, str] = {}  # id of a scripted or card move -> "script" | "card"

    def scripted_at(self, step: int) -> list[Action]:
        """What really happened at ``step``, as the scenario scripts it."""
        return self.script.actions_at(step) if self.script else []

    def decide(self) -> None:
        step = self.model.steps
        script = self.scripted_at(step) if self.follows_script else []
        cards = self.cards.get(step, [])
        scripted = [*script, *cards]
        self.made_by = {id(action): "script" for action in script}
        self.made_by |= {id(action): "card" for action in cards}
        # A controller that never looks (passive) is spared building an observation.
        looks = self.controller.observes
        own = self.controller.decide(self.model.observe(self.code)) if looks else []
        self.pending = [*scripted, *own]
        self.funded = scripted
