"""A person's seat at the table: the controller of the country played in the browser.

The page queues the player's actions here; the World asks for them at the start of the
next step like it asks any other controller (the action contract in agents/actions.py).
"""

from agents.actions import Action


class HumanSeat:
    """Returns the queued actions once, then forgets them."""

    name = "human"
    # Country.decide skips controllers with observes = False, so this one must "look"
    # (it ignores the observation: the page shows the player the world).
    observes = True

    def __init__(self) -> None:
        self.queue: list[Action] = []

    def submit(self, action: Action) -> None:
        self.queue.append(action)

    def clear(self) -> None:
        self.queue = []

    def decide(self, observation=None) -> list[Action]:
        actions, self.queue = self.queue, []
        return actions
