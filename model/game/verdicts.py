"""Why an AI government answered a person's offer as it did, in words.

An AI judges an offer by one rule (agents/strategies.judge): first its trust in the other
party, then its look-ahead, its own score projected ``lookahead_quarters`` ahead with and
without the deal; it signs only if the difference beats its strategy's ``MIN_GAIN``. It
says so in its answer's note, which the World keeps for the deals a person is party to
(World.answers), so a player whose offer was refused reads why.
"""

from agents.strategies import Strategy
from model.engine.lookahead import HORIZON
from model.text import Said, t

# A look-ahead gain this small is the deal changing nothing the projection can see (it
# prints as +0.0 points): a pledge against measures nobody has taken.
NOTHING = 0.05


def why(world, deal_id: int, other: str) -> str:
    """Why the AI that answered deal ``deal_id`` last refused it, ``other`` being the other
    party: its look-ahead against what it asks for, or its distrust; "" when no AI refused."""
    answer = world.answers.get(deal_id)
    if answer is None or answer.answer != "reject":
        return ""
    controller = world.country_agent(answer.actor).controller
    how = answer.note.how if isinstance(answer.note, Said) else None
    key, fields = (how[1], how[2]) if how and how[0] == "t" else ("", {})
    if not isinstance(controller, Strategy) or not key:
        return str(answer.note)
    if key == "strategies.distrust":
        return t(
            "game.verdict_distrust",
            actor=answer.actor,
            other=other,
            trust=fields["trust"],
            least=controller.p(controller.TRUST),
        )
    if key == "strategies.reject":
        quarters = int(round(world.parameters.get("lookahead_quarters", HORIZON)))  # as Judge
        gain = round(fields["gain"], 1) + 0.0  # never "-0.0 points"
        sentence = t(
            "game.verdict_reject",
            actor=answer.actor,
            quarters=quarters,
            least=controller.MIN_GAIN,
            gain=gain,
        )
        if abs(gain) < NOTHING:
            sentence = t("game.verdict_nothing", verdict=sentence)
        return sentence
    return str(answer.note)
