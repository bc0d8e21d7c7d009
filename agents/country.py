"""An economy as a Mesa agent: who it is, what it wants, and who decides for it."""

import mesa

from agents.actions import Action
from agents.controllers import Controller


class Country(mesa.Agent):
    """Holds identity, objectives and controller; the world owns every number."""

    def __init__(
        self, model, code: str, name: str, role: str, strategy: str, controller: Controller
    ):
        super().__init__(model)
        self.code = code
        self.name = name
        self.role = role
        self.strategy = strategy
        self.controller = controller
        self.pending: list[Action] = []

    def decide(self) -> None:
        self.pending = list(self.controller.decide(self.model.observe(self.code)))
