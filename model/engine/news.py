"""Headlines, not chatter: how much each news item matters, and to whom.

Every row of the events table carries an importance: ``headline`` (a measure that moves
markets, a deal made or broken, a coalition joined or left, an outage) or ``detail``
(offers, refusals, lifted outages). "About you" is decided per reader, from the row's actor
and targets (``importance_for``). Diplomacy between AI governments is told once a quarter
as one summary line (``AiDiplomacy``); the deals table keeps every offer.
"""

from collections import Counter

import pandas as pd

from model.text import joined, t

HEADLINE = "headline"
DETAIL = "detail"
ABOUT_YOU = "about_you"
IMPORTANCES = (HEADLINE, ABOUT_YOU, DETAIL)  # most important first
HEADLINE_ACTIONS = frozenset(
    {
        "tariff",
        "export_control",
        "licences",
        "shock",
        "accepted",
        "breach",
        "join",
        "leave",
        "found",
        "smuggling",
    }
)
AI_DIPLOMACY = "ai_diplomacy"  # the action of the quarter's summary line


def importance(action: str) -> str:
    """What a news item of this kind is worth to every reader."""
    return HEADLINE if action in HEADLINE_ACTIONS else DETAIL


def involves(events: pd.DataFrame, code: str) -> pd.Series:
    """Rows whose actor is ``code`` or whose targets name it (targets are comma lists)."""
    targets = events["target"].fillna("").astype(str).str.split(",")
    return (events["actor"] == code) | targets.map(lambda names: code in names)


def importance_for(events: pd.DataFrame, code: str | None) -> pd.Series:
    """Each row's importance to the reader playing ``code``: about_you where it involves
    them (never lowered below a headline), else the stored importance."""
    stored = events["importance"]
    if not code:
        return stored
    return stored.where(~(involves(events, code) & (stored == DETAIL)), ABOUT_YOU)


class AiDiplomacy:
    """Tallies one quarter's offers and answers between AI governments."""

    def __init__(self) -> None:
        self.offers: Counter[str] = Counter()  # deal kind -> offers made
        self.answers: Counter[str] = Counter()  # accepted / rejected

    def count(self, status: str, deal: str) -> None:
        if status == "proposed":
            self.offers[deal] += 1
        else:
            self.answers[status] += 1

    def sentence(self, quarter: str) -> str | None:
        """The quarter's summary line, or None if AI governments did not negotiate."""
        if not self.offers and not self.answers:
            return None
        kinds = joined(
            t("score.kind_count", count=n, kind=t(f"deals.kind_{kind}"))
            for kind, n in sorted(self.offers.items())
        )
        return t(
            "score.ai_diplomacy",
            quarter=quarter,
            offers=sum(self.offers.values()),
            kinds=kinds or "-",
            accepted=self.answers["accepted"],
            rejected=self.answers["rejected"],
        )
