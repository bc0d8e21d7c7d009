"""Deals that bind: offers, the alternating-offers protocol, breaches, trust and coalitions.

A deal, once accepted, changes the world's measures (a truce lifts tariffs, a supply
guarantee lifts controls, an investment builds capacity) and leaves *pledges*: bounds on
tariffs and export levels between the parties for its duration. A party that crosses a
pledge breaches the deal: the breach is an event, costs trust with the victim (and some
with everyone), and a low-trust proposer gets its later offers refused.
"""

import json
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from agents.actions import (
    ALL,
    DEAL_KINDS,
    MAX_COALITION_FLOOR,
    MAX_COALITION_NAME,
    MAX_DEAL_DURATION,
    FoundCoalition,
    Propose,
)
from model.data.world_data import WorldData
from model.engine.evolve import arrival_steps, order_capacity
from model.engine.policies import PolicyError, charge, good_indices
from model.engine.state import State
from model.text import from_data, t

MAX_ROUNDS = 3  # propose → counter → counter: the deadline of one step's negotiation
INITIAL_TRUST = 0.6  # assumption: partners start mildly trusting
TRUST_BASELINE = 0.6
TRUST_RECOVERY = 0.05  # share of the gap to the baseline recovered each quarter (assumption)
BREACH_COST = 0.5  # trust the victim loses in a breaker (assumption: one breach halves it)
REPUTATION_COST = 0.1  # trust everyone else loses in a breaker
KEPT_DEAL_GAIN = 0.05  # trust gained by both parties when a deal runs its course
LEAVE_COST = 0.2  # trust members lose in a country that leaves their coalition
MEASURE_COST = 0.05  # trust lost in a country that taxes or restricts you
PLEDGE_TOLERANCE = 1e-9


@dataclass
class Pledge:
    """``party`` keeps array[goods, importer, exporter] at most (or least) ``bound``."""

    party: str
    array: str  # "tariff" or "export_level"
    goods: list[int]
    importer: int
    exporter: int
    bound: float
    at_most: bool


@dataclass
class Deal:
    deal_id: int
    deal: str
    parties: tuple[str, str]  # proposer, partner
    terms: dict
    duration: int
    status: str = "proposed"
    until: int = 0
    pledges: list[Pledge] = field(default_factory=list)


@dataclass
class Coalition:
    """A club in the spirit of the Feb 2026 Washington ministerial (timeline.csv)."""

    name: str
    founder: str
    members: list[str]
    price_floor: float = 0.0  # reference price for processed goods, share of base price
    reserve_usd: float = 0.0  # shared stockpile target (the USD 12 bn reserve)
    reserve_spent: float = 0.0
    opens: int = 1  # the step it is founded: its rules and reserve apply from then on
    levying: frozenset[str] = frozenset()  # members whose floor tariffs the news has told
    # Its name in words, from the scenario ("" where it gives none: a player's club is
    # named as its founder typed it); ``name`` stays its code for tables and deal terms.
    title: str = ""
    title_fr: str = ""

    def called(self) -> str:
        """The club as a person reads it: its title in the reader's language, else its code.
        A sentence given it says it again in each reader's language (model.text.Said)."""
        titles = {"title": self.title, "title_fr": self.title_fr}
        return from_data(titles, "title") or self.name


# The largest terms an offer may name, far above any real deal: 1e12 t is hundreds of
# times the world's yearly output of any mined commodity, 1e9 USD/t about ten times the
# price of gold, 1e13 USD a tenth of world GDP. Only a slip or a forged record reaches
# them, and it is refused before it can overflow the model.
TERM_BOUNDS = {
    "max_rate": (0.0, 10.0),
    "tonnes": (0.0, 1e12),
    "floor": (0.0, 1e9),
    "usd": (1.0, 1e13),
}


def check_terms(world: WorldData, offer: Propose, coalitions: Collection[str] = ()) -> dict:
    """Validated terms of an offer, with defaults and numbers as floats; raise PolicyError
    naming the problem. A coalition offer must name one of ``coalitions``."""
    if offer.deal not in DEAL_KINDS:
        raise PolicyError(t("deals.bad_kind", kind=offer.deal, allowed=", ".join(DEAL_KINDS)))
    if offer.partner not in world.codes or offer.partner == offer.actor:
        raise PolicyError(t("deals.bad_partner", partner=offer.partner))
    if not isinstance(offer.duration, int) or not 1 <= offer.duration <= MAX_DEAL_DURATION:
        raise PolicyError(t("deals.bad_duration", duration=offer.duration, high=MAX_DEAL_DURATION))
    terms = dict(offer.terms)
    parties = (offer.actor, offer.partner)
    if offer.deal in ("tariff_agreement", "supply_guarantee", "offtake", "investment"):
        terms.setdefault("mineral", ALL)
        terms.setdefault("stage", ALL)
        good_indices(world, terms["mineral"], terms["stage"])
    if offer.deal == "coalition":
        club = terms.get("coalition")
        if not isinstance(club, str) or club not in coalitions:
            raise PolicyError(t("deals.no_coalition", coalition=club))
    for role in ("supplier", "seller", "host"):
        if role in terms and terms[role] not in parties:
            raise PolicyError(t("deals.bad_role", role=role, code=terms[role]))
    for name, (low, high) in TERM_BOUNDS.items():
        if name not in terms:
            continue
        value = terms[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PolicyError(t("deals.term_not_number", name=name, value=value))
        if not low <= value <= high:  # NaN fails the comparison
            raise PolicyError(
                t("news.refused_range", name=name, value=_g(value), low=_g(low), high=_g(high))
            )
        terms[name] = float(value)
    defaults = {
        "tariff_agreement": {"max_rate": 0.0},
        "supply_guarantee": {"supplier": offer.partner},
        "offtake": {"seller": offer.partner, "tonnes": 0.0, "floor": 0.0},
        "investment": {"host": offer.partner, "usd": 1e8},
    }
    for name, value in defaults.get(offer.deal, {}).items():
        terms.setdefault(name, value)
    return terms


def check_founding(
    world: WorldData, action: FoundCoalition, coalitions: Collection[str], allowed: bool
) -> list[str]:
    """The guests a new coalition invites (``all`` expanded); raise PolicyError naming
    what is wrong: founding not allowed here, a bad or taken name, a guest, the floor."""
    if not allowed:
        raise PolicyError(t("founding.not_allowed"))
    name = action.coalition.strip()
    if not name or len(name) > MAX_COALITION_NAME:
        raise PolicyError(t("founding.bad_name", most=MAX_COALITION_NAME))
    if name in coalitions:
        raise PolicyError(t("founding.name_taken", coalition=name))
    if ALL in action.targets:
        guests = [code for code in world.codes if code != action.actor]
    else:
        guests = list(dict.fromkeys(action.targets))
    unknown = [code for code in guests if code not in world.codes]
    if unknown:
        raise PolicyError(t("founding.unknown_guest", codes=", ".join(unknown)))
    if action.actor in guests:
        raise PolicyError(t("founding.self_guest"))
    if not guests:
        raise PolicyError(t("founding.no_guests"))
    floor = action.price_floor
    if isinstance(floor, bool) or not isinstance(floor, int | float):
        raise PolicyError(t("deals.term_not_number", name="price_floor", value=floor))
    if not 0 <= floor <= MAX_COALITION_FLOOR:  # NaN fails the comparison
        raise PolicyError(
            t("founding.bad_floor", value=_g(float(floor)), high=_g(MAX_COALITION_FLOOR))
        )
    if not isinstance(action.duration, int) or not 1 <= action.duration <= MAX_DEAL_DURATION:
        raise PolicyError(t("deals.bad_duration", duration=action.duration, high=MAX_DEAL_DURATION))
    return guests


def _g(number: float) -> str | int:
    """A float as a person reads it (1e+12, not 1000000000000.0)."""
    return f"{number:g}" if isinstance(number, float) else number


def other(parties: tuple[str, str], code: str) -> str:
    return parties[1] if parties[0] == code else parties[0]


def activate(deal: Deal, state: State, world: WorldData, step: int) -> None:
    """Put an accepted deal into force: change the measures it changes, record its pledges.

    An investment is paid first, from the investor's budget of this quarter: PolicyError,
    and nothing changed, if it cannot pay (it may have spent the money since its offer)."""
    if deal.deal == "investment":
        payer = other(deal.parties, deal.terms["host"])
        charge(state, world, world.country(payer), payer, deal.terms["usd"])
    a, b = deal.parties
    ia, ib = world.country(a), world.country(b)
    terms = deal.terms
    every = list(range(len(world.goods)))
    deal.until = step + deal.duration - 1
    deal.status = "active"
    if deal.deal == "tariff_agreement":
        goods = list(good_indices(world, terms["mineral"], terms["stage"]))
        for importer, exporter, party in ((ia, ib, a), (ib, ia, b)):
            _pledge(
                deal, state, party, "tariff", goods, importer, exporter, terms["max_rate"], True
            )
    elif deal.deal in ("supply_guarantee", "offtake", "investment"):
        supplier = terms.get("supplier") or terms.get("seller") or terms.get("host")
        buyer = other(deal.parties, supplier)
        goods = list(good_indices(world, terms["mineral"], terms["stage"]))
        _pledge(
            deal,
            state,
            supplier,
            "export_level",
            goods,
            world.country(buyer),
            world.country(supplier),
            1.0,
            False,
        )
        if deal.deal == "investment":
            host = world.country(supplier)
            per_good = terms["usd"] / len(goods) / world.capex[goods]
            tonnes = np.zeros_like(state.capacity)
            tonnes[host, goods] = per_good
            order_capacity(state, step, arrival_steps(world, step), tonnes)
    elif deal.deal == "truce":
        for importer, exporter, party in ((ia, ib, a), (ib, ia, b)):
            _pledge(deal, state, party, "tariff", every, importer, exporter, 0.0, True)
            _pledge(
                deal,
                state,
                other(deal.parties, party),
                "export_level",
                every,
                importer,
                exporter,
                1.0,
                False,
            )


def _pledge(deal, state, party, array, goods, importer, exporter, bound, at_most) -> None:
    """Record a pledge and bring the measure within it now."""
    deal.pledges.append(Pledge(party, array, goods, importer, exporter, bound, at_most))
    if array == "export_level":  # a pledge to supply overrides licences still pending
        state.licences = [
            licence
            for licence in state.licences
            if not (
                licence.exporter == exporter
                and importer in licence.buyers
                and set(goods) & set(licence.goods)
            )
        ]
    values = getattr(state, array)
    current = values[goods, importer, exporter]
    values[goods, importer, exporter] = (
        np.minimum(current, bound) if at_most else np.maximum(current, bound)
    )


def breaker(deal: Deal, state: State) -> str | None:
    """The first party whose measures cross one of the deal's pledges, if any."""
    for pledge in deal.pledges:
        values = getattr(state, pledge.array)[pledge.goods, pledge.importer, pledge.exporter]
        crossed = (
            values > pledge.bound + PLEDGE_TOLERANCE
            if pledge.at_most
            else values < pledge.bound - PLEDGE_TOLERANCE
        )
        if crossed.any():
            return pledge.party
    return None


def lose_trust(
    state: State, world: WorldData, victims: list[str], breaker_code: str, cost: float
) -> None:
    j = world.country(breaker_code)
    rows = [world.country(v) for v in victims]
    state.trust[rows, j] = np.clip(state.trust[rows, j] - cost, 0.0, 1.0)


def recover_trust(state: State) -> None:
    state.trust += TRUST_RECOVERY * (TRUST_BASELINE - state.trust)
    np.fill_diagonal(state.trust, 1.0)


def tariff_pledges(state: State, size: int) -> np.ndarray:
    """(importer, exporter) pairs where an active deal caps the importer's tariff."""
    pledged = np.zeros((size, size), bool)
    for deal in state.deals:
        for pledge in deal.pledges:
            if pledge.array == "tariff":
                pledged[pledge.importer, pledge.exporter] = True
    return pledged


def enforce_coalition(coalition: Coalition, state: State, world: WorldData) -> list[str]:
    """Apply the club's rules; returns members that had broken a pledge (before the reset).

    Members drop mineral tariffs and export controls among themselves; against non-members
    whose producer price is under the reference price, members levy the tariff that lifts
    it to the floor (the "adjustable tariffs" of the ministerial's proposal) — except where
    a member's own deal with that outsider caps the tariff: bilateral pledges come first.
    """
    members = [world.country(code) for code in coalition.members]
    if not members:
        return []
    inside = np.ix_(range(len(world.goods)), members, members)
    tariffs, levels = state.tariff[inside], state.export_level[inside]
    taxing = (tariffs > PLEDGE_TOLERANCE).any(axis=(0, 2))  # the importer sets a tariff
    restricting = (levels < 1 - PLEDGE_TOLERANCE).any(axis=(0, 1))  # the exporter a control
    broke = [code for k, code in enumerate(coalition.members) if taxing[k] or restricting[k]]
    state.tariff[inside] = 0.0
    state.export_level[inside] = 1.0
    if coalition.price_floor > 0:
        processed = np.flatnonzero(world.stage_of >= 1)
        outsiders = [c for c in range(len(world.codes)) if c not in members]
        gap = np.maximum(coalition.price_floor / state.price[np.ix_(processed, outsiders)] - 1, 0)
        block = np.ix_(processed, members, outsiders)
        free = ~tariff_pledges(state, len(world.codes))[np.ix_(members, outsiders)]
        state.floor_tariff[block] = np.maximum(
            state.floor_tariff[block], np.where(free[None], gap[:, None, :], 0.0)
        )
    return broke


def reserve_orders(coalition: Coalition, state: State, world: WorldData, steps: int = 8) -> None:
    """Members build the shared reserve over ``steps`` quarters, paying by GDP share.

    One pooled order per good (refined goods and magnets), so members do not bid
    against each other for the same supply.
    """
    if coalition.reserve_spent >= coalition.reserve_usd or not coalition.members:
        return
    members = [world.country(code) for code in coalition.members]
    spend = min(coalition.reserve_usd / steps, coalition.reserve_usd - coalition.reserve_spent)
    processed = np.flatnonzero(world.stage_of >= 1)
    share = world.gdp[members] / world.gdp[members].sum()
    value = world.price0[processed] * world.final_demand0[members][:, processed].sum(axis=0)
    if value.sum() <= 0:
        return
    weights = value / value.sum()
    tonnes = spend * weights / world.price0[processed]  # pooled purchase per good
    state.stock_orders[np.ix_(members, processed)] += share[:, None] * tonnes[None, :]
    state.subsidy_spend[members] += spend * share
    coalition.reserve_spent += spend


def price_support(state: State, world: WorldData) -> np.ndarray:
    """(G, C) price floors sellers can count on under active offtake contracts, relative."""
    support = np.zeros((len(world.goods), len(world.codes)))
    for deal in state.deals:
        if deal.deal == "offtake" and deal.terms["floor"] > 0:
            goods = good_indices(world, deal.terms["mineral"], deal.terms["stage"])
            j = world.country(deal.terms["seller"])
            support[goods, j] = np.maximum(
                support[goods, j], deal.terms["floor"] / world.price0[goods]
            )
    return support


def offtake_payments(state: State, world: WorldData, price: np.ndarray) -> np.ndarray:
    """What each economy receives (+) or pays (−) this step under offtake contracts (C,).

    The buyer tops the seller's price up to the floor on the contracted tonnes.
    """
    net = np.zeros(len(world.codes))
    for deal in state.deals:
        if deal.deal != "offtake" or deal.terms["tonnes"] <= 0:
            continue
        seller = world.country(deal.terms["seller"])
        buyer = world.country(other(deal.parties, deal.terms["seller"]))
        goods = good_indices(world, deal.terms["mineral"], deal.terms["stage"])
        market = price[goods, seller] * world.price0[goods]
        top_up = np.maximum(deal.terms["floor"] - market, 0.0).mean() * deal.terms["tonnes"]
        net[seller] += top_up
        net[buyer] -= top_up
    return net


def deal_row(step: int, deal: Deal, status: str, terms: dict | None = None) -> dict:
    return {
        "step": step,
        "deal_id": deal.deal_id,
        "kind": deal.deal,
        "proposer": deal.parties[0],
        "partner": deal.parties[1],
        "status": status,
        "terms": json.dumps(
            {**(terms if terms is not None else deal.terms), "duration": deal.duration},
            sort_keys=True,
        ),
    }
