"""A deal in words: its terms, and its story from the offer to its end, in one sentence.

Every message of a negotiation is a row of the deals table (proposed, countered, accepted,
rejected, lapsed; later breached or expired). The table does not name who sent a message;
the protocol does (model/engine/negotiation.py): the partner answers the offer, the
proposer the first counter-offer, the partner the second, and so on. The teacher's debrief
and the printable class debrief say the same sentences, made here.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from agents.actions import ALL
from model.engine.policies import good_label
from model.text import economy_name, exact_percent, language, money, number, t

TERMS = ("mineral", "stage", "max_rate", "supplier", "seller", "tonnes", "floor", "host", "usd")
TERMS += ("coalition", "duration")  # the terms a deal may have (model/diplomacy.check_terms)
OPEN = ("proposed", "countered")  # a deal whose last message is one of these was never answered


def describe_terms(terms: str | dict, clubs: Mapping[str, str] | None = None) -> str:
    """Deal terms in one short line of words: ``mineral lithium, highest tariff 10%``;
    ``clubs``: each coalition's code -> its name in words (World.club_names), else its code."""
    values = json.loads(terms) if isinstance(terms, str) else terms
    mineral, stage = values.get("mineral"), values.get("stage")
    one_good = mineral not in (None, ALL) and stage not in (None, ALL)
    every_good = mineral == ALL and stage in (None, ALL)  # the computer's truces and clubs
    shown = []
    for name, value in values.items():
        if one_good and name in ("mineral", "stage"):  # one good, named as the news names it
            if name == "mineral":
                shown.append(t("ui.term_good", value=good_label(mineral, stage)))
            continue
        if every_good and name in ("mineral", "stage"):  # not "mineral all minerals, stage…"
            if name == "mineral":
                shown.append(t("ui.term_every_good"))
            continue
        key = f"ui.term_{name}" if name in TERMS else "ui.term_other"
        shown.append(t(key, name=name, value=_term_value(name, value, clubs or {})))
    return ", ".join(shown)


def _term_value(name: str, value, clubs: Mapping[str, str]):
    """A deal term's value in words: names, not codes; no scientific notation."""
    if name == "coalition":
        return clubs.get(value, value)
    if name == "max_rate":
        return exact_percent(value)
    if name == "mineral":
        return t("game.mineral_all") if value == ALL else t(f"news.mineral_{value}")
    if name == "stage":
        return t(f"game.stage_{value}")
    if name in ("supplier", "seller", "host"):
        return economy_name(str(value), language())
    if name == "usd":
        return money(float(value))
    if isinstance(value, float):
        return number(value)
    return value


@dataclass(frozen=True)
class DealStory:
    """One deal from its offer to its end; ``outcome`` is kept, broken, refused or open;
    ``counters``: each counter-offer's quarter, who made it, and the move in a sentence."""

    deal_id: int
    parties: tuple[str, str]
    outcome: str
    counters: tuple[tuple[int, str, str], ...]
    sentence: str


def answering(proposer: str, partner: str, counters: int) -> str:
    """Who answers a deal after ``counters`` counter-offers (negotiation.py): the partner
    the offer and every even counter, the proposer the odd ones."""
    return partner if counters % 2 == 0 else proposer


def deal_stories(
    tables: dict, refs: dict[int, str], quarter_label: Callable[[int], str]
) -> list[DealStory]:
    """Every deal's story, by deal number (the order they were offered in); ``refs``: the
    class's names of its offers (World.deal_refs)."""
    deals = tables["deals"]
    if deals.empty:
        return []
    breaches = tables["events"]
    breaches = breaches[breaches["action"] == "breach"]
    return [
        _story(int(deal_id), rows, refs, quarter_label, breaches)
        for deal_id, rows in deals.groupby("deal_id", sort=True)
    ]


def _story(deal_id, rows: pd.DataFrame, refs, quarter_label, breaches) -> DealStory:
    first = rows.iloc[0]
    proposer, partner = str(first["proposer"]), str(first["partner"])
    terms = json.loads(first["terms"])
    counters, offered, clauses = [], {}, []
    outcome = "open"
    for row in rows.iloc[1:].itertuples():
        answerer = answering(proposer, partner, len(counters))
        if row.status == "countered":
            new = json.loads(row.terms)
            changed = {k: v for k, v in new.items() if terms.get(k) != v}
            offered |= {k: terms.get(k) for k in changed if k not in offered}
            move = t(
                "class_ui.deal_counter_move",
                actor=answerer,
                partner=proposer if answerer == partner else partner,
                deal=deal_name(deal_id, refs),
                kind=t(f"deals.kind_{first['kind']}"),
                terms=_said(changed),
            )
            counters.append((int(row.step), answerer, move))
            clauses.append(t("class_ui.deal_countered", actor=answerer, terms=_said(changed)))
            terms = new
        elif row.status in ("accepted", "rejected"):
            outcome = "kept" if row.status == "accepted" else "refused"
            clauses.append(t(f"class_ui.deal_{row.status}", actor=answerer))
        elif row.status == "breached":
            outcome = "broken"
            breaker = _breaker(breaches, row.step, proposer, partner)
            key = "class_ui.deal_breached" if breaker else "class_ui.deal_breached_unnamed"
            clauses.append(t(key, actor=breaker, date=quarter_label(int(row.step))))
        elif row.status in ("lapsed", "expired"):
            outcome = "refused" if row.status == "lapsed" else outcome
            clauses.append(t(f"class_ui.deal_{row.status}"))
    if rows["status"].iloc[-1] in OPEN:
        clauses.append(t("class_ui.deal_open"))
    offer = t(
        "class_ui.deal_offer",
        deal=deal_name(deal_id, refs),
        kind=t(f"deals.kind_{first['kind']}"),
        proposer=proposer,
        partner=partner,
        terms=_said({k: v for k, v in offered.items() if v is not None}),
    )
    sentence = t(
        "class_ui.deal_story",
        clauses=t("class_ui.deal_clause_separator").join([offer, *clauses]),
    )
    return DealStory(deal_id, (proposer, partner), outcome, tuple(counters), sentence)


def deal_name(deal_id: int, refs: dict[int, str]):
    """A deal's number, with the class's ref of the offer it was made from (``44 (USA-3)``)."""
    return t("ui.deal_with_ref", deal=deal_id, ref=refs[deal_id]) if deal_id in refs else deal_id


def _said(terms: dict) -> str:
    """The terms a counter-offer changed, in parentheses; nothing when none did."""
    return t("class_ui.deal_terms", terms=describe_terms(terms)) if terms else ""


def _breaker(breaches: pd.DataFrame, step: int, proposer: str, partner: str) -> str:
    """Which party broke the deal: the breach the World recorded that quarter between them."""
    parties = {proposer, partner}
    for row in breaches[breaches["step"] == step].itertuples():
        victims = set(str(row.target or "").split(","))
        if row.actor in parties and parties - {row.actor} <= victims:
            return str(row.actor)
    return ""
