"""Why an AI government answered a person's offer as it did, in words.

An AI judges an offer by one rule (agents/strategies.judge): first its trust in the other
party, then its look-ahead, its own score projected ``lookahead_quarters`` ahead with and
without the deal; it signs only if the difference beats its strategy's ``MIN_GAIN``. It
says so in its answer's note, which the World keeps for the deals a person is party to
(World.answers), so a player whose offer was refused reads why.
"""

from model.engine.lookahead import HORIZON
from model.text import Said, t

# A look-ahead gain this small is the deal changing nothing the projection can see (it
# prints as +0.0 points): for a pledge, one against measures nobody has taken.
NOTHING = 0.05
# Deals that only promise not to take a measure (tariffs above a cap, export controls, any).
PLEDGES = ("tariff_agreement", "supply_guarantee", "truce")


def why(world, deal_id: int, other: str, kind: str = "") -> str:
    """Why the AI that answered deal ``deal_id`` (of ``kind``) last refused it, ``other``
    being the other party: its look-ahead against what it asked for, or its distrust, as
    they stood when it answered (negotiation.Answered); "" when no AI refused."""
    answered = world.answers.get(deal_id)
    if answered is None or answered.answer.answer != "reject":
        return ""
    answer = answered.answer
    how = answer.note.how if isinstance(answer.note, Said) else None
    key, fields = (how[1], how[2]) if how and how[0] == "t" else ("", {})
    if key == "strategies.distrust":
        return t(
            "game.verdict_distrust",
            actor=answer.actor,
            other=other,
            trust=fields["trust"],
            least=answered.least_trust,
        )
    if key == "strategies.reject":
        quarters = int(round(world.parameters.get("lookahead_quarters", HORIZON)))  # as Judge
        gain = round(fields["gain"], 1) + 0.0  # never "-0.0 points"
        sentence = t(
            "game.verdict_reject" if answered.least_gain else "game.verdict_reject_gain",
            actor=answer.actor,
            quarters=quarters,
            least=answered.least_gain,
            gain=gain,
        )
        if abs(gain) < NOTHING:
            unseen = kind in PLEDGES and not answered.measures_between
            key = "game.verdict_nothing" if unseen else "game.verdict_unforeseen"
            sentence = t(key, verdict=sentence)
        return sentence
    return str(answer.note)
