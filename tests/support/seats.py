"""A test seat: the engine's controller contract played from a script."""

from agents.actions import Respond


class Scripted:
    """Fixed actions per step and a fixed answer to every offer; remembers what it saw."""

    name = "scripted seat"
    observes = True
    answers_later = False

    def __init__(self, actions=None, answer=None, terms=None):
        self.actions = actions or {}
        self.answer = answer
        self.terms = terms
        self.seen = []

    def decide(self, observation):
        return list(self.actions.get(observation.step, []))

    def respond(self, observation, offer):
        self.seen.append((offer, observation.evaluate(offer) if observation.evaluate else None))
        if self.answer is None:
            return None
        return Respond(observation.country, offer.offer_id, self.answer, self.terms)
