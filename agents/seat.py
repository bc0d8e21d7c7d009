"""A person's seat at the table: the controller of the country played in the browser.

The page queues the player's actions here; the World asks for them at the start of the
next step like it asks any other controller (the action contract in agents/actions.py).
Answers to offers are kept apart: the World asks for them during the negotiation, when
an offer that waited a quarter in the player's inbox comes up, or an offer made this
quarter that the player answered by its ref (a class delegation's offer to another).
"""

from agents.actions import Action, Respond
from agents.controllers import BaseController


class HumanSeat(BaseController):
    """Returns the queued actions and answers once, then forgets them."""

    name = "human"
    # It "looks" (observes, as every BaseController) though it ignores the observation:
    # the page shows the player the world.
    answers_later = True  # offers to a person wait a quarter for the answer

    def __init__(self) -> None:
        self.queue: list[Action] = []
        self.answers: dict[int | str, Respond] = {}  # deal id, or ref -> the player's answer

    def submit(self, action: Action) -> None:
        if isinstance(action, Respond):
            self.answers[action.ref or action.offer_id] = action
        else:
            self.queue.append(action)

    def clear(self) -> None:
        self.queue = []
        self.answers = {}

    def decide(self, observation=None) -> list[Action]:
        actions, self.queue = self.queue, []
        return actions

    def respond(self, observation, offer) -> Respond | None:
        answer = self.answers.pop(offer.deal_id, None)
        if answer is None and offer.ref:
            answer = self.answers.pop(offer.ref, None)
        return answer
