"""AI strategies: named controllers that answer other countries' measures and offers.

``decide(observation)`` returns a step's measures and proposals; ``respond(observation,
offer)`` answers one offer. Every strategy judges offers by the same rule (``judge``): the
model's look-ahead of its own score plus its trust in the proposer. Nothing is random: the
same observation always gives the same actions.

Stockpile costs and the value of exports need base prices in USD/t (``price_usd``, the
world's ``price0``); without them a strategy buys no stock and compares goods by tonnes.
"""

from dataclasses import replace

import numpy as np

from agents.actions import (
    ALL,
    Action,
    ExportControl,
    Propose,
    Respond,
    Stockpile,
    Subsidy,
    Tariff,
)
from agents.controllers import BaseController, Controller
from agents.observation import Observation, Offer
from model.text import percent, t

EPS = 1e-9  # tariffs, levels and shares closer than this count as equal
MAX_ACTIONS = 8  # a government takes a handful of decisions a quarter, not one per good
PROPOSAL_INTERVAL = 4  # unprompted proposals once a year (4 quarterly steps), not every step
# assumption: a government turned down asks the same partner for the same deal again after a
# year (and it sees the partner's reasons change meanwhile), not every quarter
REOFFER_QUARTERS = 4
LAST_COUNTER_ROUND = 1  # counter only a first proposal: the protocol has a deadline
COUNTER_MAX_RATE = 0.1  # assumption: a zero-tariff pact is countered with room for 10 %
COUNTER_STEP = 0.2  # assumption: a counter asks for 20 % better money terms
DAYS_PER_STEP = 365.0 / 4  # a step is a quarter
MIN_SPEND_USD = 1e6  # the news reports spending in USD m; less is not a decision
STAGE_PRIORITY = {"magnets": 0, "refined": 1, "mined": 2}  # processing is the chokepoint
# Behaviour constants: the world's behaviour.toml (and a scenario's [parameters] or --set)
# override these; the values and their reasons are documented there and in
# docs/governments.md. These defaults serve controllers made without a world (tests).
BEHAVIOUR = {
    "stockpile_target_days": 60.0,
    "self_sufficiency_target": 0.4,
    "trust_threshold": 0.3,
    "hawk_trust_threshold": 0.5,
    "coalition_participation_cost": 0.5,
    "retaliation_threshold": 0.3,
    "dependence_limit": 0.2,
    "leverage_min_share": 0.2,
    "nationalist_refining_ready": 0.5,
    "nationalist_slump_price": 0.7,
    "nationalist_phase_step": 0.25,
}


# --- helpers ------------------------------------------------------------------------------
def _others(obs: Observation, moves: np.ndarray) -> list[int]:
    """Economies other than me (column indices) with a positive entry in ``moves`` (G, C).

    Biggest total first, so the cap on actions drops the smallest matters.
    """
    total = np.where(moves > EPS, moves, 0.0).sum(axis=0, dtype=float)
    total[obs.index(obs.country)] = 0.0
    return sorted((int(c) for c in np.flatnonzero(total > 0)), key=lambda c: (-total[c], c))


def _labels(goods: list[tuple[str, str]], chosen: set[int]) -> list[tuple[str, str]]:
    """(mineral, stage) pairs covering ``chosen`` goods, using "all" where a set is whole."""
    if len(chosen) == len(goods):
        return [(ALL, ALL)]
    labels = []
    for mineral in dict.fromkeys(m for m, _ in goods):
        stages = [g for g, (m, _) in enumerate(goods) if m == mineral]
        picked = [g for g in stages if g in chosen]
        if picked and picked == stages and len(stages) > 1:
            labels.append((mineral, ALL))
        else:
            labels.extend(goods[g] for g in picked)
    return labels


def _per_good(obs: Observation, values: dict[int, float], build) -> list[Action]:
    """One action per distinct value, covering the goods that share it (highest first)."""
    actions = []
    for value in sorted({round(v, 6) for v in values.values()}, reverse=True):
        chosen = {g for g, v in values.items() if round(v, 6) == value}
        actions.extend(
            build(mineral, stage, value) for mineral, stage in _labels(obs.goods, chosen)
        )
    return actions


def _tariffs(obs: Observation, partner: int, rates: dict[int, float], note: str) -> list[Action]:
    target = (obs.codes[partner],)

    def build(mineral, stage, rate):
        return Tariff(obs.country, target, mineral, stage, rate, note)

    return _per_good(obs, rates, build)


def _controls(obs: Observation, partner: int, levels: dict[int, float], note: str) -> list[Action]:
    target = (obs.codes[partner],)

    def build(mineral, stage, level):
        return ExportControl(obs.country, target, mineral, stage, level, note)

    return _per_good(obs, levels, build)


def _stage_rank(stage: str) -> int:
    return STAGE_PRIORITY.get(stage, len(STAGE_PRIORITY))


def _has_deal(obs: Observation, deal: str, partner: str, mineral: str | None = None) -> bool:
    return any(
        d["deal"] == deal
        and partner in d["parties"]
        and (mineral is None or d["terms"].get("mineral") == mineral)
        for d in obs.deals
    )


def _may_offer(obs: Observation, deal: str, partner: str, mineral: str | None = None) -> bool:
    """Not already agreed, and not turned down by that partner within REOFFER_QUARTERS."""
    refused = obs.refused.get((partner, deal))
    lately = refused is not None and obs.step - refused < REOFFER_QUARTERS
    return not lately and not _has_deal(obs, deal, partner, mineral)


def _goods(obs: Observation, mineral: str, stage: str) -> list[int]:
    return [g for g, (m, s) in enumerate(obs.goods) if mineral in (ALL, m) and stage in (ALL, s)]


def _targets(obs: Observation, targets: tuple[str, ...]) -> list[int]:
    me = obs.index(obs.country)
    if ALL in targets:
        return [c for c in range(len(obs.codes)) if c != me]
    return [obs.index(code) for code in targets]


def pledges(obs: Observation) -> tuple[np.ndarray, np.ndarray]:
    """What my deals and coalitions bind me to, as (G, C) arrays.

    The highest tariff I may set on each exporter, and whether I promised each importer
    its full supply (no export controls) — the terms the model checks for breaches.
    """
    me = obs.index(obs.country)
    max_tariff = np.full((len(obs.goods), len(obs.codes)), np.inf)
    full_supply = np.zeros((len(obs.goods), len(obs.codes)), dtype=bool)
    for deal in obs.deals:
        terms = deal["terms"]
        other = obs.index(next(code for code in deal["parties"] if code != obs.country))
        goods = _goods(obs, terms.get("mineral", ALL), terms.get("stage", ALL))
        match deal["deal"]:
            case "tariff_agreement":
                max_tariff[goods, other] = np.minimum(max_tariff[goods, other], terms["max_rate"])
            case "truce":
                max_tariff[:, other] = 0.0
                full_supply[:, other] = True
            case "supply_guarantee" | "offtake" | "investment":
                supplier = terms.get("supplier") or terms.get("seller") or terms.get("host")
                if supplier == obs.country:
                    full_supply[goods, other] = True
    for members in obs.coalitions.values():
        if obs.country in members:
            fellows = [obs.index(code) for code in members if code != obs.country]
            max_tariff[:, fellows] = 0.0
            full_supply[:, fellows] = True
    max_tariff[:, me] = np.inf
    return max_tariff, full_supply


def keep_pledges(obs: Observation, actions: list[Action]) -> list[Action]:
    """Actions narrowed to the partners they do not break a pledge to (dropped if none)."""
    max_tariff, full_supply = pledges(obs)
    kept = []
    for action in actions:
        match action:
            case Tariff():
                goods = _goods(obs, action.mineral, action.stage)
                allowed = [
                    c
                    for c in _targets(obs, action.targets)
                    if action.rate <= max_tariff[goods, c].min() + EPS
                ]
            case ExportControl() if action.level < 1.0:
                goods = _goods(obs, action.mineral, action.stage)
                allowed = [
                    c for c in _targets(obs, action.targets) if not full_supply[goods, c].any()
                ]
            case _:
                kept.append(action)
                continue
        if allowed == _targets(obs, action.targets):
            kept.append(action)
        elif allowed:
            kept.append(replace(action, targets=tuple(obs.codes[c] for c in allowed)))
    return kept


def _proposal_step(obs: Observation) -> bool:
    return obs.step % PROPOSAL_INTERVAL == 0


def _use_per_day(obs: Observation) -> np.ndarray:
    """(G,) tonnes a day I use: last quarter's supply from every source, my own included."""
    return obs.imports.sum(axis=1) / DAYS_PER_STEP


def _source_dependence(obs: Observation) -> np.ndarray:
    """(G, C) share of my supply from each other economy (my own production left out)."""
    dependence = obs.dependence.copy()
    dependence[:, obs.index(obs.country)] = 0.0
    return dependence


def _alignment(obs: Observation) -> np.ndarray:
    """(C,) my alignment with each economy; strangers (0) where the world has no table."""
    return np.zeros(len(obs.codes)) if obs.alignment is None else obs.alignment


def _reliance(obs: Observation) -> np.ndarray:
    """(C,) how much I rely on each economy: its mean share of my supply, over goods I use."""
    used = obs.imports.sum(axis=1) > EPS
    if not used.any():
        return np.zeros(len(obs.codes))
    return _source_dependence(obs)[used].mean(axis=0)


def provocations(obs: Observation, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(new tariffs, new controls) on me worth answering, (G, C) each.

    Only measures that single me out count: a tariff above what that importer charges
    others, a control tighter than what that exporter allows others (a ban on everyone is
    a policy, not an attack). And only from partners I can afford to answer: the weight
    (1 − alignment) × (1 − my reliance on them) must reach ``threshold``, so allies and
    the suppliers I depend on are spared.
    """
    typical_tariff = obs.others_tariffs
    if typical_tariff is None:  # unknown: any tariff on me singles me out
        typical_tariff = np.zeros_like(obs.tariffs_on_me)
    typical_level = obs.others_controls
    if typical_level is None:  # unknown: any control on me singles me out
        typical_level = np.ones_like(obs.controls_on_me)
    tariffs = np.where(obs.tariffs_on_me > typical_tariff + EPS, obs.new_tariffs_on_me, 0.0)
    controls = np.where(obs.controls_on_me < typical_level - EPS, obs.new_controls_on_me, 0.0)
    weight = (1.0 - _alignment(obs)) * (1.0 - _reliance(obs))
    answer = weight >= threshold - EPS
    answer[obs.index(obs.country)] = False
    return tariffs * answer, controls * answer


# --- the acceptance rule ------------------------------------------------------------------
def counter_terms(me: str, offer: Offer) -> dict | None:
    """Terms worth asking for instead of ``offer``'s, or None if the deal is take-or-leave."""
    terms = offer.terms
    match offer.deal:
        case "tariff_agreement":
            rate = COUNTER_MAX_RATE if terms["max_rate"] <= EPS else 0.0
            return {**terms, "max_rate": rate}
        case "offtake":  # a seller asks a higher floor, a buyer a lower one
            better = 1 + COUNTER_STEP if terms["seller"] == me else 1 - COUNTER_STEP
            return {**terms, "floor": terms["floor"] * better}
        case "investment":  # a host asks for more money, the payer offers less
            better = 1 + COUNTER_STEP if terms["host"] == me else 1 - COUNTER_STEP
            return {**terms, "usd": terms["usd"] * better}
    return None


def judge(
    obs: Observation,
    offer: Offer,
    min_gain: float,
    min_trust: float,
    participation_cost: float = 0.0,
) -> Respond:
    """Accept if the other party is trusted and the look-ahead gain beats ``min_gain``.

    Otherwise counter once, on a first proposal, if other terms beat ``min_gain``; else
    reject. Trust is checked first: an untrusted word is refused whatever it offers, and
    the (costly) look-ahead is not run. The other party is whichever of proposer and
    partner I am not: after a counter the offer comes back to its first proposer.

    The gain must be strictly above ``min_gain``: a deal worth nothing is not signed. A
    coalition also costs ``participation_cost`` × (1 − 2 × my alignment with its founder):
    sovereignty and the risk of being answered by those left out weigh on a hedger, while
    for a close ally (alignment above one half) the club is worth something in itself.
    """

    def answer(kind: str, note: str, terms: dict | None = None) -> Respond:
        return Respond(obs.country, offer.offer_id, kind, terms, note)

    other = offer.partner if offer.proposer == obs.country else offer.proposer
    trust = float(obs.trust[obs.index(other)])
    if trust < min_trust:
        return answer("reject", t("strategies.distrust", proposer=other, trust=trust))
    if obs.evaluate is None:
        return answer("reject", t("strategies.no_lookahead"))
    cost = 0.0
    if offer.deal == "coalition":
        cost = participation_cost * (1.0 - 2.0 * float(_alignment(obs)[obs.index(other)]))
    gain = obs.evaluate(offer) - cost
    if gain > min_gain:
        return answer("accept", t("strategies.accept", gain=gain))
    terms = counter_terms(obs.country, offer) if offer.round <= LAST_COUNTER_ROUND else None
    if terms is not None:
        better = obs.evaluate(replace(offer, terms=terms, round=offer.round + 1)) - cost
        if better > min_gain:
            return answer("counter", t("strategies.counter", gain=gain, counter=better), terms)
    return answer("reject", t("strategies.reject", gain=gain))


# --- strategies ---------------------------------------------------------------------------
class Strategy(BaseController):
    """Takes no measures; answers offers by ``judge`` with its own thresholds."""

    name = "strategy"
    decider = "ai"
    MIN_GAIN = 0.0  # a deal must raise the look-ahead score (strictly)
    TRUST = "trust_threshold"  # the behaviour parameter below which a word is worth nothing

    def __init__(self, price_usd: np.ndarray | None = None, parameters: dict | None = None):
        self.price_usd = None if price_usd is None else np.asarray(price_usd, dtype=float)
        self.parameters = {
            name: float((parameters or {}).get(name, default))
            for name, default in BEHAVIOUR.items()
        }

    def p(self, name: str) -> float:
        """A behaviour constant (BEHAVIOUR, as the world and scenario set it)."""
        return self.parameters[name]

    def decide(self, obs: Observation) -> list[Action]:
        """The planned actions that keep my word, at most MAX_ACTIONS of them."""
        return keep_pledges(obs, self.plan(obs))[:MAX_ACTIONS]

    def plan(self, obs: Observation) -> list[Action]:
        return []

    def respond(self, obs: Observation, offer: Offer) -> Respond | None:
        return judge(
            obs,
            offer,
            self.MIN_GAIN,
            self.p(self.TRUST),
            self.p("coalition_participation_cost"),
        )

    def provocations(self, obs: Observation) -> tuple[np.ndarray, np.ndarray]:
        return provocations(obs, self.p("retaliation_threshold"))

    def tariff_free(self, obs: Observation) -> np.ndarray:
        """(G, C) goods I may tariff from each partner: those I do not depend on it for."""
        return _source_dependence(obs) < self.p("dependence_limit") - EPS

    def value(self, obs: Observation, tonnes: np.ndarray) -> np.ndarray:
        """(G, C) value of ``tonnes`` at my producers' prices (relative if no base price)."""
        price = obs.producer_price * (1.0 if self.price_usd is None else self.price_usd)
        return tonnes * price[:, None]


class Passive(Strategy):
    """Takes no measures and answers nothing: offers to it lapse."""

    name = "passive"

    def respond(self, obs: Observation, offer: Offer) -> None:
        return None


class Cooperative(Strategy):
    """Answers a partner's new tariff or control with an offer, never with a measure."""

    name = "cooperative"
    MIN_GAIN = -0.5  # accepts a small loss for the sake of open trade
    PACTS_PER_STEP = 2  # assumption: talks with the two partners that matter most at a time

    def plan(self, obs: Observation) -> list[Action]:
        return self.seek_agreement(obs)

    def seek_agreement(self, obs: Observation) -> list[Action]:
        """Offer a pact to each partner whose new measure touches my trade with it.

        A tariff touches goods I sell to that partner; a control, goods I use at all (what
        I bought from that partner may already be gone).
        """
        actions = []
        tariffs, controls = provocations(obs, 0.0)  # singled out, whoever did it
        tariffs = tariffs * (obs.exports > EPS)
        controls = controls * (obs.imports.sum(axis=1, keepdims=True) > EPS)
        controlled = set(_others(obs, controls))
        for partner in _others(obs, tariffs + controls)[: self.PACTS_PER_STEP]:
            code = obs.codes[partner]
            # a truce rolls back controls too; a tariff pact is enough against tariffs alone
            deal, terms = (
                ("truce", {})
                if partner in controlled
                else ("tariff_agreement", {"mineral": ALL, "stage": ALL, "max_rate": 0.0})
            )
            if _may_offer(obs, deal, code):
                note = t("strategies.peace_offer", target=code)
                actions.append(Propose(obs.country, code, deal, terms, note=note))
        return actions


def _answer_tariffs(
    obs: Observation, new: np.ndarray, allowed: np.ndarray, factor: float, cap: float, key: str
) -> list[Action]:
    """Answer each partner's ``new`` tariffs (G, C) on the same goods with ``factor`` × them
    (capped), on the goods ``allowed`` (G, C) only."""
    actions = []
    new = np.where(allowed, new, 0.0)
    for partner in _others(obs, new):
        rates = {}
        for g in np.flatnonzero(new[:, partner] > EPS):
            rate = min(factor * float(obs.tariffs_on_me[g, partner]), cap)
            if obs.my_tariffs[g, partner] < rate - EPS:
                rates[int(g)] = rate
        club = _club_levying(obs, partner, list(rates))
        if club is None:
            note = t(key, target=obs.codes[partner])
        else:  # the member only levies its club's floor: the answer names the club
            called = obs.coalition_names.get(club, club)
            note = t(f"{key}_club", target=obs.codes[partner], coalition=called)
        actions += _tariffs(obs, partner, rates, note)
    return actions


def _club_levying(obs: Observation, partner: int, goods: list[int]) -> str | None:
    """The coalition whose floor tariff ``partner`` levies on my ``goods`` (its tariff on me
    is the floor's, not one of its own), or None."""
    floors = obs.floor_tariffs_on_me
    if floors is None or not goods:
        return None
    levied = floors[goods, partner]
    if not ((levied > EPS) & (levied >= obs.tariffs_on_me[goods, partner] - EPS)).all():
        return None
    code = obs.codes[partner]
    return next(
        (
            name
            for name, members in obs.coalitions.items()
            if code in members and obs.country not in members
        ),
        None,
    )


class TitForTat(Strategy):
    """Mirrors each partner's last move on the same goods: a new measure, or its easing."""

    name = "tit_for_tat"
    MAX_RATE = 2.0  # a mirror never goes above the hawk's cap

    def plan(self, obs: Observation) -> list[Action]:
        return self.retaliate(obs) + self.forgive(obs)

    def retaliate(self, obs: Observation) -> list[Action]:
        tariffs, controls = self.provocations(obs)
        allowed = self.tariff_free(obs)
        actions = _answer_tariffs(
            obs, tariffs, allowed, 1.0, self.MAX_RATE, "strategies.retaliation"
        )
        for partner in _others(obs, controls):
            levels = {}
            for g in np.flatnonzero(controls[:, partner] > EPS):
                level = float(obs.controls_on_me[g, partner])
                if obs.my_controls[g, partner] > level + EPS:
                    levels[int(g)] = level
            note = t("strategies.retaliation", target=obs.codes[partner])
            actions += _controls(obs, partner, levels, note)
        return actions

    def forgive(self, obs: Observation) -> list[Action]:
        """Ease my measures on a partner down to theirs on me (to none when they lift)."""
        actions = []
        mirror = np.minimum(obs.tariffs_on_me, self.MAX_RATE)
        above = obs.my_tariffs > mirror + EPS
        for partner in _others(obs, obs.my_tariffs - mirror):
            rates = {int(g): float(mirror[g, partner]) for g in np.flatnonzero(above[:, partner])}
            note = t("strategies.forgiveness", target=obs.codes[partner])
            actions += _tariffs(obs, partner, rates, note)
        below = obs.my_controls < obs.controls_on_me - EPS
        for partner in _others(obs, obs.controls_on_me - obs.my_controls):
            levels = {
                int(g): float(obs.controls_on_me[g, partner])
                for g in np.flatnonzero(below[:, partner])
            }
            note = t("strategies.forgiveness", target=obs.codes[partner])
            actions += _controls(obs, partner, levels, note)
        return actions


class Hawk(Strategy):
    """Answers a tariff with double, a control with a broad tariff; talks only when hurt."""

    name = "hawk"
    MIN_GAIN = 1.0  # a deal must bring a clear gain, not just do no harm
    TRUST = "hawk_trust_threshold"  # hawks need more trust than others before they sign
    ESCALATION = 2.0  # answers with double the tariff received
    MAX_RATE = 2.0  # 200 %: above the 145 % US tariff of April 2025, yet a ceiling
    CONTROL_ANSWER_RATE = 1.0  # assumption: 100 % on everything from a country that withholds
    PAIN_SHORTAGE = 0.05  # assumption: it seeks a truce once 5 % of its needs go unmet

    def plan(self, obs: Observation) -> list[Action]:
        return self.escalate(obs) + self.seek_truce(obs)

    def escalate(self, obs: Observation) -> list[Action]:
        """Double a tariff that singles me out; answer a control with a tariff on the other
        goods I buy from its author, never on the restricted supply nor on what I depend
        on it for (a tariff on a supply I am short of hurts only me)."""
        tariffs, controls = self.provocations(obs)
        allowed = self.tariff_free(obs)
        actions = _answer_tariffs(
            obs, tariffs, allowed, self.ESCALATION, self.MAX_RATE, "strategies.escalation"
        )
        for partner in _others(obs, controls):
            bought = obs.imports[:, partner] > EPS
            open_goods = (
                bought
                & allowed[:, partner]
                & (controls[:, partner] <= EPS)
                & (obs.my_tariffs[:, partner] < self.CONTROL_ANSWER_RATE - EPS)
            )
            rates = {int(g): self.CONTROL_ANSWER_RATE for g in np.flatnonzero(open_goods)}
            note = t("strategies.escalation", target=obs.codes[partner])
            actions += _tariffs(obs, partner, rates, note)
        return actions

    def seek_truce(self, obs: Observation) -> list[Action]:
        """Offer a truce to the tightest controller of my supply, if shortages hurt."""
        if obs.shortage_share <= self.PAIN_SHORTAGE or not _proposal_step(obs):
            return []
        tightest = obs.controls_on_me.min(axis=0)
        tightest[obs.index(obs.country)] = 1.0
        partner = int(np.argmin(tightest))
        code = obs.codes[partner]
        if tightest[partner] >= 1.0 - EPS or not _may_offer(obs, "truce", code):
            return []
        return [Propose(obs.country, code, "truce", {}, note=t("strategies.pain", target=code))]


class Leverage(Strategy):
    """Answers tariffs and controls with export controls on what the other side buys from it.

    Processed goods come first (the chokepoint), then by value exported to that side.
    When the other side has lifted everything, it offers a truce to lift its own controls.
    """

    name = "leverage"
    LEVEL = 0.5  # half of normal volumes: painful, yet leaves room to tighten
    GOODS_PER_ANSWER = 2  # a targeted answer, not an embargo
    LICENCE_DELAY = 1  # as China's April 2025 licences: nothing ships while they are processed

    def plan(self, obs: Observation) -> list[Action]:
        return self.squeeze(obs) + self.offer_truce(obs)

    def squeeze(self, obs: Observation) -> list[Action]:
        actions = []
        value = self.value(obs, obs.exports)
        full_supply = pledges(obs)[1]
        tariffs, controls = self.provocations(obs)
        depends = (
            np.ones_like(obs.exports, dtype=bool)
            if obs.buyers_dependence is None
            else obs.buyers_dependence >= self.p("leverage_min_share") - EPS
        )
        for partner in _others(obs, tariffs + controls):
            code = obs.codes[partner]
            open_goods = np.flatnonzero(
                (obs.exports[:, partner] > EPS)
                & depends[:, partner]
                & (obs.my_controls[:, partner] > self.LEVEL + EPS)
                & ~full_supply[:, partner]
            )
            ranked = sorted(
                (int(g) for g in open_goods),
                key=lambda g: (_stage_rank(obs.goods[g][1]), -value[g, partner], g),
            )
            note = t("strategies.leverage", target=code)
            actions += [
                ExportControl(
                    obs.country, (code,), *obs.goods[g], self.LEVEL, note, self.LICENCE_DELAY
                )
                for g in ranked[: self.GOODS_PER_ANSWER]
            ]
        return actions

    def offer_truce(self, obs: Observation) -> list[Action]:
        """Offer a truce to the biggest buyer I still single out who has lifted its measures.

        Singled out: my control on it is tighter than on someone else (a control on
        everyone is a policy, not an answer).
        """
        if not _proposal_step(obs):
            return []
        me = obs.index(obs.country)
        loosest = np.delete(obs.my_controls, me, axis=1).max(axis=1, keepdims=True)
        cleared = (
            (obs.my_controls < loosest - EPS).any(axis=0)
            & (obs.tariffs_on_me <= EPS).all(axis=0)
            & (obs.controls_on_me >= 1.0 - EPS).all(axis=0)
        )
        cleared[me] = False
        value = self.value(obs, obs.exports).sum(axis=0)
        candidates = [
            int(c) for c in np.flatnonzero(cleared) if _may_offer(obs, "truce", obs.codes[c])
        ]
        if not candidates:
            return []
        code = obs.codes[max(candidates, key=lambda c: (value[c], -c))]
        note = t("strategies.truce_offer", target=code)
        return [Propose(obs.country, code, "truce", {}, note=note)]


class Diversifier(Strategy):
    """Insures the goods it gets mostly from one source: stock, home capacity, other sources.

    A stockpile is drawn on when that source restricts supply.
    """

    name = "diversifier"
    DEPENDENCE_LIMIT = 0.5  # one source above half of supply is a single point of failure
    FOCUS_GOODS = 2  # the most exposed goods each step, not all of them
    RELEASE_SHARE = 0.25  # assumption: a quarter of the stock per quarter of disruption
    RELEASE_MIN_DAYS = 5.0  # assumption: less than a week of stock is not worth releasing
    STOCK_BUDGET = 0.5  # assumption: shares of the step's budget for stock, home capacity
    SUBSIDY_BUDGET = 0.3  # and investment offers abroad; they add up to at most 1
    INVEST_BUDGET = 0.2

    def plan(self, obs: Observation) -> list[Action]:
        exposed = self.exposed(obs)
        return (
            self.stockpile(obs, exposed)
            + self.build_at_home(obs, exposed)
            + self.diversify(obs, exposed)
        )

    def exposed(self, obs: Observation) -> list[tuple[int, int]]:
        """(good, dominant source) of the most exposed goods, most exposed first."""
        dependence = _source_dependence(obs)
        top = dependence.max(axis=1)
        goods = sorted(np.flatnonzero(top > self.DEPENDENCE_LIMIT), key=lambda g: (-top[g], g))
        return [(int(g), int(dependence[g].argmax())) for g in goods[: self.FOCUS_GOODS]]

    def stockpile(self, obs: Observation, exposed: list[tuple[int, int]]) -> list[Action]:
        """Buy towards the target days; release when the dominant source restricts supply."""
        actions = []
        use = _use_per_day(obs)
        budget = self.STOCK_BUDGET * obs.budget_usd
        for g, source in exposed:
            held = obs.stock_days[g] * use[g]
            if obs.controls_on_me[g, source] < 1.0 - EPS:
                if obs.stock_days[g] >= self.RELEASE_MIN_DAYS:
                    note = t("strategies.release", source=obs.codes[source])
                    tonnes = -self.RELEASE_SHARE * held
                    actions.append(Stockpile(obs.country, *obs.goods[g], tonnes, note))
                continue
            if self.price_usd is None:
                continue
            # the dearer of my two prices, so the purchase fits however it is charged
            price = max(obs.price_index[g], obs.producer_price[g])
            unit_cost = float(price * self.price_usd[g])
            target = self.p("stockpile_target_days")
            wanted = max(target - obs.stock_days[g], 0.0) * use[g]
            if unit_cost <= EPS:
                continue
            tonnes = float(min(wanted, budget / unit_cost))
            if tonnes * unit_cost >= MIN_SPEND_USD:
                budget -= tonnes * unit_cost
                note = t("strategies.stockpile", days=f"{target:.0f}")
                actions.append(Stockpile(obs.country, *obs.goods[g], tonnes, note))
        return actions

    def build_at_home(self, obs: Observation, exposed: list[tuple[int, int]]) -> list[Action]:
        """Subsidise home capacity for the most exposed good still short of the target.

        The stopping rule: no more subsidy once home capacity plus what is being built
        reaches ``self_sufficiency_target`` of my use (the EU's 40 % processing benchmark).
        """
        usd = self.SUBSIDY_BUDGET * obs.budget_usd
        use = _use_per_day(obs) * DAYS_PER_STEP
        home = obs.capacity + obs.capacity_coming
        short = [
            (g, source)
            for g, source in exposed
            if home[g] < self.p("self_sufficiency_target") * use[g] - EPS
        ]
        if not short or usd < MIN_SPEND_USD:
            return []
        g, source = short[0]
        note = t(
            "strategies.dependence",
            source=obs.codes[source],
            share=percent(obs.dependence[g, source]),
        )
        return [Subsidy(obs.country, *obs.goods[g], usd, note)]

    def diversify(self, obs: Observation, exposed: list[tuple[int, int]]) -> list[Action]:
        """Once a year: invest in the next source, ask the dominant one for a guarantee."""
        if not exposed or not _proposal_step(obs):
            return []
        g, source = exposed[0]
        mineral, stage = obs.goods[g]
        dominant = obs.codes[source]
        note = t("strategies.dependence", source=dominant, share=percent(obs.dependence[g, source]))
        actions = []
        others = _source_dependence(obs)[g]
        others[source] = 0.0
        usd = self.INVEST_BUDGET * obs.budget_usd
        if others.max() > EPS and usd >= MIN_SPEND_USD:
            host = obs.codes[int(others.argmax())]
            if _may_offer(obs, "investment", host, mineral):
                terms = {"host": host, "mineral": mineral, "stage": stage, "usd": usd}
                actions.append(Propose(obs.country, host, "investment", terms, note=note))
        if _may_offer(obs, "supply_guarantee", dominant, mineral):
            terms = {"supplier": dominant, "mineral": mineral, "stage": stage}
            actions.append(Propose(obs.country, dominant, "supply_guarantee", terms, note=note))
        return actions


class ResourceNationalist(Strategy):
    """Builds refineries for the ore it ships abroad, then restricts ore exports, in steps.

    A ban needs a reason: refineries at home able to take the ore (Indonesia's nickel-ore
    bans of 2014 and 2020 followed its smelter build-out) or a price slump (DR Congo's
    cobalt suspension of Feb 2025 followed a nine-year low). It is phased in, a step of
    ``nationalist_phase_step`` a quarter, as quotas and announced deadlines were.
    """

    name = "resource_nationalist"
    ORE_EXPORT_SHARE = 0.5  # assumption: it cares once most of its ore is refined abroad
    REFINING_BUDGET = 0.5  # assumption: half of the step's budget goes to refineries

    def plan(self, obs: Observation) -> list[Action]:
        bans = self.ban_ore(obs)
        return bans + self.protect_refining(obs, bans)

    def ore_and_refined(self, obs: Observation) -> list[tuple[int, int]]:
        return [
            (obs.goods.index((m, "mined")), obs.goods.index((m, "refined")))
            for m in dict.fromkeys(m for m, _ in obs.goods)
            if (m, "mined") in obs.goods and (m, "refined") in obs.goods
        ]

    def free_buyers(self, obs: Observation, ore: int) -> np.ndarray:
        """(C,) economies I have promised nothing to (myself excluded)."""
        free = ~pledges(obs)[1][ore]
        free[obs.index(obs.country)] = False
        return free

    def ore_open(self, obs: Observation, ore: int) -> bool:
        """Whether an economy I have promised nothing may still buy my ore."""
        return bool((obs.my_controls[ore, self.free_buyers(obs, ore)] > EPS).any())

    def exports_most(self, obs: Observation, ore: int) -> bool:
        mined = obs.production[ore]
        exported = obs.exports[ore].sum() - obs.exports[ore, obs.index(obs.country)]
        return mined > EPS and exported > self.ORE_EXPORT_SHARE * mined

    def reason(self, obs: Observation, ore: int, refined: int) -> str | None:
        """Why I would restrict this ore now (the news sentence), or None."""
        if obs.capacity[refined] >= self.p("nationalist_refining_ready") * obs.production[ore]:
            share = obs.capacity[refined] / obs.production[ore]
            return t("governments.ore_ban_refining", share=f"{share:.0%}")
        if obs.producer_price[ore] < self.p("nationalist_slump_price") - EPS:
            return t("governments.ore_ban_slump", price=f"{obs.producer_price[ore]:.0%}")
        return None

    def ban_ore(self, obs: Observation) -> list[Action]:
        actions = []
        for ore, refined in self.ore_and_refined(obs):
            if not self.ore_open(obs, ore):
                continue
            allowed = float(obs.my_controls[ore, self.free_buyers(obs, ore)].max())
            phasing = allowed < 1.0 - EPS  # a ban under way goes on while its reason holds
            if not (phasing or self.exports_most(obs, ore)):
                continue
            why = self.reason(obs, ore, refined)
            if why is None:
                continue
            level = max(allowed - self.p("nationalist_phase_step"), 0.0)
            actions.append(ExportControl(obs.country, (ALL,), *obs.goods[ore], level, why))
        return actions

    def protect_refining(self, obs: Observation, bans: list[Action]) -> list[Action]:
        """Subsidise refineries for ore I ship abroad or restrict, until they can take it all."""
        banning = {(a.mineral, a.stage) for a in bans}
        short = [
            refined
            for ore, refined in self.ore_and_refined(obs)
            if (
                obs.goods[ore] in banning
                or not self.ore_open(obs, ore)
                or self.exports_most(obs, ore)
            )
            and obs.capacity[refined] + obs.capacity_coming[refined] < obs.production[ore] - EPS
        ]
        if not short:
            return []
        usd = self.REFINING_BUDGET * obs.budget_usd / len(short)
        if usd < MIN_SPEND_USD:
            return []
        note = t("strategies.refining")
        return [Subsidy(obs.country, *obs.goods[g], usd, note) for g in short]


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (Passive, Cooperative, TitForTat, Hawk, Leverage, Diversifier, ResourceNationalist)
}


def make_controller(
    name: str, price_usd: np.ndarray | None = None, parameters: dict | None = None
) -> Controller:
    """The controller for strategy ``name``; ``price_usd`` (G,) base prices in USD/t;
    ``parameters`` the world's and scenario's behaviour constants (defaults otherwise)."""
    return STRATEGIES[name](price_usd, parameters)
