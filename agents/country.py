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
    ):
        super().__init__(model)
        self.code = code
        self.name = name
        self.role = role
        self.strategy = strategy
        self.controller = controller
        self.script = script  # the scenario's scripted events, played whoever controls it
        self.pending: list[Action] = []

    def decide(self) -> None:
        step = self.model.steps
        scripted = self.script.actions_at(step) if self.script else []
        # A controller that never looks (passive) is spared building an observation.
        looks = self.controller.observes
        own = self.controller.decide(self.model.observe(self.code)) if looks else []
        self.pending = [*scripted, *own]
