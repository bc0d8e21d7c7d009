"""Why an AI government answered a person's offer as it did, in words.

An AI judges an offer by one rule (agents/strategies.judge): first its trust in the other
party, then its look-ahead, its own score projected ``lookahead_quarters`` ahead with and
without the deal; it signs only if the difference beats its strategy's ``MIN_GAIN``. It
says so in its answer's note, which the engine does not record (the deals table keeps the
answer, not its reasons). A Table listens to the answers given on the deals its people
are party to, so a player whose offer was refused reads why.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from agents.strategies import Strategy
from model.engine.lookahead import HORIZON
from model.text import Said, t

# A look-ahead gain this small is the deal changing nothing the projection can see (it
# prints as +0.0 points): a pledge against measures nobody has taken.
NOTHING = 0.05


@dataclass(frozen=True)
class Verdict:
    """An AI's answer to an offer on a person's deal, with what it weighed: ``note`` as
    the strategy said it, ``least`` the gain it asks for, ``least_trust`` the trust it
    asks for, over ``quarters`` quarters of look-ahead."""

    deal_id: int
    responder: str
    answer: str
    note: str
    least: float
    least_trust: float
    quarters: int


@contextmanager
def listening(world, people, verdicts: dict[int, Verdict]) -> Iterator[None]:
    """Inside the block, every AI answer to an offer one of ``people`` is party to goes
    into ``verdicts`` by deal number (the last answer of a deal stands)."""
    people = set(people)
    quarters = int(round(world.parameters.get("lookahead_quarters", HORIZON)))  # as Judge
    listened = []
    for code in world.data.codes if people else ():  # nobody's offers: nothing to hear
        controller = world.country_agent(code).controller
        if not isinstance(controller, Strategy):
            continue

        def respond(observation, offer, controller=controller, code=code, said=controller.respond):
            answer = said(observation, offer)
            if answer is not None and people & {offer.proposer, offer.partner}:
                verdicts[offer.deal_id] = Verdict(
                    offer.deal_id,
                    code,
                    answer.answer,
                    answer.note,
                    controller.MIN_GAIN,
                    controller.p(controller.TRUST),
                    quarters,
                )
            return answer

        # An instance attribute, taken away again below: the controller stays the same
        # Strategy (the World tells AI from people by its type) and a copy of it for Undo
        # keeps no listener.
        controller.respond = respond
        listened.append(controller)
    try:
        yield
    finally:
        for controller in listened:
            del controller.respond


def why(verdict: Verdict, other: str) -> str:
    """Why ``verdict.responder`` refused, ``other`` being the other party: its look-ahead
    against what it asks for, or its distrust; "" for a deal it signed."""
    if verdict.answer == "accept":
        return ""
    how = verdict.note.how if isinstance(verdict.note, Said) else None
    key, fields = (how[1], how[2]) if how and how[0] == "t" else ("", {})
    common = {"actor": verdict.responder, "quarters": verdict.quarters, "least": verdict.least}
    if key == "strategies.distrust":
        return t(
            "game.verdict_distrust",
            actor=verdict.responder,
            other=other,
            trust=fields["trust"],
            least=verdict.least_trust,
        )
    if key == "strategies.reject":
        gain = round(fields["gain"], 1) + 0.0  # never "-0.0 points"
        sentence = t("game.verdict_reject", gain=gain, **common)
        if abs(gain) < NOTHING:
            sentence = t("game.verdict_nothing", verdict=sentence)
        return sentence
    return str(verdict.note)
