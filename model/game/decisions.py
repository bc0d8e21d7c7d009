"""Check a seat's decisions for the coming quarter before the World sees them.

People type their decisions during a quarter and the World applies them at the next
step. So that a mistake is refused next to the field, not a quarter later in the news,
the decisions are tried now on a copy of the world's state with the same rules the
World applies (model/engine/policies.py, model/engine/diplomacy.py). Nothing in the world changes.
"""

import contextlib
import math

import numpy as np

from agents.actions import (
    ALL,
    ANSWERS,
    Action,
    ExportControl,
    FoundCoalition,
    Join,
    Leave,
    Propose,
    Respond,
    Shock,
    from_dict,
)
from model.engine import diplomacy, policies
from model.engine.policies import PolicyError, good_indices
from model.text import number, t, tonnage

DIPLOMATIC = (Propose, Respond, Join, Leave, FoundCoalition)  # not measures: nothing to apply
# A counter-offer haggles over the offer's amount (its tonnes, or the dollars invested): one
# that moves it more than tenfold either way is another deal, or a number typed in the
# wrong field. The class walk-through's was a price: USD 70,000 a tonne typed as the tonnes
# of a 500 t offtake (140 times the offer). A tariff agreement's rate is no amount (0 % to
# 5 % is no factor): TERM_BOUNDS keeps it to 0..1000 %.
COUNTER_FACTOR = 10
COUNTER_AMOUNT = {"offtake": "tonnes", "investment": "usd"}  # the amount each haggles over


def _quarter(world):
    """A copy of the state as the next quarter starts: fresh budgets, reserves served first."""
    trial = world.state.copy()
    quarter = world.calendar_quarter(world.steps + 1)
    policies.open_quarter(trial, world.data, world.parameters, quarter)
    for club in trial.coalitions.values():
        diplomacy.reserve_orders(club, trial, world.data)
    return trial


def check(
    world, code: str, actions: list[Action], made: dict[str, Propose] | None = None
) -> list[str | None]:
    """One entry per action: None if the World would take it, else the reason it would not.

    Actions are tried in order, so the second purchase is refused when the first one has
    spent the budget. ``made``: the offers to ``code`` made this quarter, by ref, which
    it may answer before the World numbers them.
    """
    trial = _quarter(world)
    waiting = {deal.deal_id: (deal, responder) for deal, responder, _ in world.state.waiting}
    for ref, offer in (made or {}).items():
        deal = diplomacy.Deal(
            0, offer.deal, (offer.actor, offer.partner), offer.terms, offer.duration
        )
        waiting[ref] = (deal, offer.partner)
    reasons: list[str | None] = []
    taken: list[Action] = []  # measures accepted so far in this list
    for action in actions:
        try:
            if action.actor != code:
                raise PolicyError(t("deals.not_your_seat", actor=action.actor, code=code))
            if action in taken:  # the same button pressed twice: buying twice is one order
                raise PolicyError(t("classroom.move_twice"))
            if isinstance(action, Respond) and any(
                offer_key(done) == offer_key(action) for done in taken if isinstance(done, Respond)
            ):
                raise PolicyError(t("class_offers.answer_twice", offer=offer_key(action)))
            twin = next((done for done in taken if _same_measure(done, action)), None)
            if twin is not None:  # a ban and a quota on one good and partner: which is meant?
                raise PolicyError(t("classroom.measure_twice", kind=t(f"ui.measure_{twin.kind}")))
            match action:
                case Shock():  # something that happens to a country, never a decision
                    raise PolicyError(t("classroom.no_shock"))
                case ExportControl() if world.steps + 1 + action.delay > world.spec.steps:
                    # licences due after the last quarter: a digit typed after the field's
                    # own (21 for 1 in a 20-quarter game); a ban says that with level 0
                    most = world.spec.steps - world.steps - 1
                    raise PolicyError(t("ui.error_delay_after_end", value=action.delay, most=most))
                case Propose():
                    terms = diplomacy.check_terms(world.data, action, trial.coalitions)
                    _reserve_investment(world, trial, action, terms)
                case Respond():
                    _check_answer(world, action, code, waiting, trial.coalitions)
                case FoundCoalition():
                    diplomacy.check_founding(
                        world.data, action, trial.coalitions, world.spec.header.found_coalitions
                    )
                    name = action.coalition.strip()  # a second founding of it is refused
                    trial.coalitions[name] = diplomacy.Coalition(name, code, [code])
                case Join() | Leave():
                    if action.coalition not in trial.coalitions:
                        raise PolicyError(t("deals.no_coalition", coalition=action.coalition))
                case _:
                    policies.apply(action, trial, world.data, world.steps + 1)
        except PolicyError as refusal:
            reasons.append(str(refusal))
        else:
            reasons.append(None)
            taken.append(action)
    return reasons


def breaches(world, code: str, actions: list[Action]) -> list[list]:
    """For each of ``code``'s decisions, the deals in force (``diplomacy.Deal``) and the
    coalitions (``diplomacy.Coalition``) whose pledges it would break once played, by the
    rules the World applies after the quarter's measures (``diplomacy.breaker``,
    ``diplomacy.enforce_coalition``).

    Breaking a deal is allowed: the World plays the move, ends the deal, and the partner
    (and everyone a little) trusts ``code`` less. Each is named once, at the first
    decision that breaks it."""
    trial = _quarter(world)
    step = world.steps + 1
    clubs = [c for c in trial.coalitions.values() if code in c.members and c.opens <= step]
    broken: set[int] = set()  # id() of what is broken already
    found: list[list] = []
    for action in actions:
        if not isinstance(action, DIPLOMATIC) and action.actor == code:
            with contextlib.suppress(PolicyError):  # a refused decision changes nothing
                policies.apply(action, trial, world.data, step)
        now: list = [
            deal
            for deal in trial.deals
            if id(deal) not in broken and diplomacy.breaker(deal, trial) == code
        ]
        for club in clubs:  # the club's rule resets the measures it finds: try it on a copy
            if id(club) not in broken and code in diplomacy.enforce_coalition(
                club, trial.copy(), world.data
            ):
                now.append(club)
        broken.update(id(pledged) for pledged in now)
        found.append(now)
    return found


def _same_measure(one: Action, other: Action) -> bool:
    """Two tariffs, or two export controls, on a good and a partner in common."""
    if one.kind != other.kind or one.kind not in ("tariff", "export_control"):
        return False
    common = ALL in (one.mineral, other.mineral) or one.mineral == other.mineral
    common &= ALL in (one.stage, other.stage) or one.stage == other.stage
    return common and (
        ALL in one.targets or ALL in other.targets or bool(set(one.targets) & set(other.targets))
    )


def _check_answer(world, answer: Respond, code: str, waiting: dict, coalitions) -> None:
    """An answer to an offer waiting for ``code`` (by its number, or by its ref if it was
    made this quarter); a counter's terms as the World checks them."""
    deal, responder = waiting.get(offer_key(answer), (None, None))
    if responder != code:
        raise PolicyError(t("deals.no_offer", offer=offer_key(answer)))
    if answer.answer not in ANSWERS:
        raise PolicyError(t("deals.bad_answer", answer=answer.answer, allowed=", ".join(ANSWERS)))
    if answer.answer == "counter":
        if not answer.terms:
            raise PolicyError(t("deals.counter_without_terms"))
        merged = {**deal.terms, **answer.terms}
        offer = Propose(deal.parties[0], deal.parties[1], deal.deal, merged, deal.duration)
        terms = diplomacy.check_terms(world.data, offer, coalitions)
        _check_counter_amount(world, deal, terms)


def counter_range(world, deal) -> tuple[float, float]:
    """The amounts a counter to ``deal`` (an offtake or an investment) may ask: within
    COUNTER_FACTOR of the offer either way; an offtake's tonnes also at most what its seller
    made of the good last quarter (what it can sell in this one), unless the offer asked more."""
    offered = float(deal.terms.get(COUNTER_AMOUNT[deal.deal], 0.0))
    low, high = offered / COUNTER_FACTOR, offered * COUNTER_FACTOR
    if offered == 0:  # nothing to scale ("0 t": what the seller will sell)
        high = math.inf
    if deal.deal == "offtake":
        terms = deal.terms
        seller = terms.get("seller", deal.parties[1])
        goods = good_indices(world.data, terms.get("mineral", ALL), terms.get("stage", ALL))
        made = float(np.sum(world.state.last_output[world.data.country(seller), goods]))
        high = max(min(high, made), offered)
    return low, high


def _check_counter_amount(world, deal, terms: dict) -> None:
    """Refuse a counter whose amount is out of ``counter_range``, saying what was offered
    and what is allowed."""
    name = COUNTER_AMOUNT.get(deal.deal)
    if name is None:
        return
    low, high = counter_range(world, deal)
    if low <= terms[name] <= high:
        return
    show = tonnage if name == "tonnes" else _millions
    said = {"value": terms[name], "offered": deal.terms.get(name, 0.0), "low": low, "high": high}
    said = {field: show(float(amount)) for field, amount in said.items()}
    seller = terms.get("seller", deal.parties[1])
    raise PolicyError(
        t(f"deals.counter_{name}_range", factor=COUNTER_FACTOR, seller=seller, **said)
    )


def _millions(usd: float) -> str:
    """Dollars in millions as typed in the form: 150, 0.5."""
    millions = usd / 1e6
    return number(millions, 0 if millions == round(millions) else 1)


def _reserve_investment(world, trial, offer: Propose, terms: dict) -> None:
    """An investment abroad is paid from the investor's budget, like a subsidy: refuse one
    the budget left cannot pay and set aside what it would cost (the World pays it when the
    partner accepts)."""
    if offer.deal != "investment":
        return
    payer = diplomacy.other((offer.actor, offer.partner), terms["host"])
    policies.charge(trial, world.data, world.data.country(payer), payer, float(terms["usd"]))


def budget_left(world, code: str, actions: list[Action]) -> float:
    """What ``code`` may still spend this quarter once ``actions`` are paid for (investments
    it proposes included)."""
    trial = _quarter(world)
    for action in actions:
        with contextlib.suppress(PolicyError):
            if isinstance(action, Propose):
                terms = diplomacy.check_terms(world.data, action, trial.coalitions)
                _reserve_investment(world, trial, action, terms)
            elif not isinstance(action, DIPLOMATIC):
                policies.apply(action, trial, world.data, world.steps + 1)
    c = world.data.country(code)
    return max(policies.budget_left(world.data, c, trial), 0.0)


def cost(world, code: str, action: Action) -> float:
    """What ``action`` would take from ``code``'s budget next quarter, whatever is left of
    it (a stockpile purchase, a subsidy; 0 for a measure that costs nothing or is refused)."""
    trial = _quarter(world)
    c = world.data.country(code)
    before = float(trial.subsidy_spend[c])
    with contextlib.suppress(PolicyError):  # funded: the price, not whether it is affordable
        policies.apply(action, trial, world.data, world.steps + 1, funded=True)
    return float(trial.subsidy_spend[c]) - before


def seller_price(world, seller: str, mineral: str, stage: str) -> float | None:
    """USD a tonne ``seller`` got for one good at the last clearing (the price an offtake's
    floor is held against: diplomacy.offtake_payments); None for several goods at once."""
    if ALL in (mineral, stage) or (mineral, stage) not in world.data.goods:
        return None
    g = world.data.goods.index((mineral, stage))
    return float(world.state.price[g, world.data.country(seller)] * world.data.price0[g])


def offer_key(answer: Respond) -> int | str:
    """The offer an answer answers: its ref if it was made this quarter, else its number."""
    return answer.ref or answer.offer_id


def answer_to(decisions: list[Action], offer: int | str) -> str | None:
    """The answer (accept, reject, counter) among ``decisions`` to one offer (its number,
    or its ref), if any."""
    for action in decisions:
        if isinstance(action, Respond) and offer_key(action) == offer:
            return action.answer
    return None


def with_decision(decisions: list[Action], action: Action) -> list[Action]:
    """``decisions`` plus ``action``; a new answer to an offer replaces the earlier one."""
    if isinstance(action, Respond):
        decisions = [
            a
            for a in decisions
            if not (isinstance(a, Respond) and offer_key(a) == offer_key(action))
        ]
    return [*decisions, action]


def waiting_offers(world, code: str) -> list[dict]:
    """Offers waiting for ``code``'s answer (they lapse if unanswered at the next step). A
    counter-offer (past the first round) says which of ``code``'s offers it ``counters``:
    its ref if a delegation named it, else its number (a counter keeps the offer's number)."""
    offers = []
    for deal, responder, round_ in world.state.waiting:
        if responder != code:
            continue
        offer = {
            "deal_id": deal.deal_id,
            "deal": deal.deal,
            "proposer": diplomacy.other(deal.parties, code),
            "terms": dict(deal.terms),
            "duration": deal.duration,
            "round": round_,
        }
        if round_ > 1:
            offer["counters"] = world.deal_refs.get(deal.deal_id) or deal.deal_id
        offers.append(offer)
    return offers


def named_offers(entries: list[dict]) -> dict[str, dict]:
    """The offers among ``entries`` (action records) that carry a ref, by ref."""
    return {e["ref"]: e for e in entries if e["kind"] == Propose.kind and e.get("ref")}


def offers_made(decided: dict[str, list[dict]], code: str) -> dict[str, Propose]:
    """The offers to ``code`` with a ref among this quarter's decisions (seat -> action
    records), by ref: offers it may answer before the World numbers them."""
    return {
        ref: from_dict(entry)
        for entries in decided.values()
        for ref, entry in named_offers(entries).items()
        if entry["partner"] == code
    }


def offers_on_the_table(world, made: dict[str, Propose]) -> list[dict]:
    """``offers_made`` as ``waiting_offers`` lists offers (with their ref, and no number)."""
    offers = []
    for ref, offer in made.items():
        try:
            terms = diplomacy.check_terms(world.data, offer, world.state.coalitions)
        except PolicyError:  # checked when it was made: the world has not moved since
            terms = dict(offer.terms)
        offers.append(
            {
                "deal_id": None,
                "ref": ref,
                "deal": offer.deal,
                "proposer": offer.actor,
                "terms": terms,
                "duration": offer.duration,
                "round": 1,
            }
        )
    return offers
