"""The decision forms: what a person typed, turned into an action or a reason per field.

Each form holds the raw text of its fields and ``build``s an action of the action
contract (agents/actions.py), or says what is wrong next to the field it is about. The
World's own rules (budgets, partners, goods) are checked afterwards by
``model.game.decisions.check``; its refusal is shown next to the form's ``amount_field``.
Used by the single-player page and the classroom's seat page alike.
"""

import math
from dataclasses import dataclass

from agents.actions import (
    ALL,
    DEAL_KINDS,
    MAX_COALITION_FLOOR,
    MAX_COALITION_NAME,
    MAX_DEAL_DURATION,
    MAX_DELAY,
    MAX_STRIKE,
    MAX_TARIFF,
    Action,
    ExportControl,
    FoundCoalition,
    Propose,
    Respond,
    Stockpile,
    Subsidy,
    Tariff,
)
from model.data.world_data import WorldData
from model.engine.diplomacy import TERM_BOUNDS
from model.text import localise_number, read_number, t
from model.text import number as number_text

CONTROL_KINDS = ("ban", "quota", "licensing")
DIRECTIONS = ("buy", "release")
# How a capacity subsidy works (agents/actions.Subsidy): plants the state builds, a capital
# grant paying a share of private plants' capex, a contract for difference at a strike.
SUBSIDY_KINDS = ("build", "grant", "cfd")
# The one number each kind of deal is about, as (term, unit factor from what people type).
DEAL_NUMBER = {
    "tariff_agreement": ("max_rate", 0.01),  # typed in per cent
    "offtake": ("tonnes", 1.0),
    "investment": ("usd", 1e6),  # typed in USD million
}


MORE_THAN_ZERO = 0.01  # a lower bound below this is shown to people as "above 0"


def number(
    text: str | None, errors: dict, field: str, low: float, high: float, unit: float = 1.0
) -> float:
    """The number typed in ``field`` times ``unit``, or NaN with the reason in ``errors``."""
    cleaned = read_number(text or "")
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not (text or "").strip():
        errors[field] = t("ui.error_empty")
    elif not math.isfinite(value * unit):
        errors[field] = t("ui.error_number", value=text)
    elif not low <= value <= high:
        key = "ui.error_between" if math.isfinite(high) else "ui.error_at_least"
        if 0 < low < MORE_THAN_ZERO:  # a floor of 1e-6 t means "more than nothing"
            key = "ui.error_above_zero_most" if math.isfinite(high) else "ui.error_above_zero"
        errors[field] = t(key, value=localise_number(cleaned), low=_show(low), high=_show(high))
    return value * unit


def _show(value: float) -> str:
    whole = math.isfinite(value) and value == int(value)
    return number_text(value) if whole else localise_number(f"{value:g}")


def _good(data: WorldData, mineral: str, stage: str, errors: dict, one: bool = False) -> None:
    """Mistakes in the mineral and stage fields (``one``: "all" is not allowed)."""
    allowed = data.minerals if one else [*data.minerals, ALL]
    if mineral not in allowed:
        errors["mineral"] = t("ui.error_mineral", value=mineral or "")
    if stage not in (data.stages if one else [*data.stages, ALL]):
        errors["stage"] = t("ui.error_stage", value=stage or "")
    elif (
        "mineral" not in errors
        and ALL not in (mineral, stage)
        and (mineral, stage) not in data.goods
    ):
        errors["stage"] = t("ui.error_good", mineral=mineral, stage=stage)


def _partner(data: WorldData, actor: str, partner: str, errors: dict, any_: bool = True) -> None:
    if (partner == ALL and any_) or (partner in data.codes and partner != actor):
        return
    errors["partner"] = t("ui.error_partner", value=partner or "")


@dataclass
class TariffForm:
    partner: str
    mineral: str
    stage: str
    rate: str  # per cent

    amount_field = "rate"

    def build(self, data: WorldData, actor: str) -> tuple[Action | None, dict[str, str]]:
        errors: dict[str, str] = {}
        _partner(data, actor, self.partner, errors)
        _good(data, self.mineral, self.stage, errors)
        rate = number(self.rate, errors, "rate", 0.0, MAX_TARIFF * 100)
        if errors:
            return None, errors
        return Tariff(actor, (self.partner,), self.mineral, self.stage, rate / 100.0), {}


@dataclass
class ControlForm:
    partner: str
    mineral: str
    stage: str
    control: str  # one of CONTROL_KINDS
    share: str = "0"  # per cent of normal exports allowed (quota, licensing)
    delay: str = "1"  # quarters before licences are granted (licensing)

    @property
    def amount_field(self) -> str:
        """Where a refusal is shown: a ban has no share field, so under its kind."""
        return "control" if self.control == "ban" else "share"

    def build(self, data: WorldData, actor: str) -> tuple[Action | None, dict[str, str]]:
        errors: dict[str, str] = {}
        _partner(data, actor, self.partner, errors)
        _good(data, self.mineral, self.stage, errors)
        if self.control not in CONTROL_KINDS:
            errors["control"] = t("ui.error_choice", value=self.control or "")
            return None, errors
        share, delay = 0.0, 0.0
        if self.control != "ban":
            share = number(self.share, errors, "share", 0.0, 100.0)
        if self.control == "licensing":
            delay = number(self.delay, errors, "delay", 1, MAX_DELAY)
            if "delay" not in errors and delay != int(delay):
                errors["delay"] = t("ui.error_whole", value=self.delay)
        if errors:
            return None, errors
        targets = (self.partner,)
        action = ExportControl(
            actor, targets, self.mineral, self.stage, share / 100.0, delay=int(delay)
        )
        return action, {}


@dataclass
class StockpileForm:
    mineral: str
    stage: str
    direction: str  # buy or release
    tonnes: str

    amount_field = "tonnes"

    def build(self, data: WorldData, actor: str) -> tuple[Action | None, dict[str, str]]:
        errors: dict[str, str] = {}
        _good(data, self.mineral, self.stage, errors, one=True)
        if self.direction not in DIRECTIONS:
            errors["direction"] = t("ui.error_choice", value=self.direction or "")
        tonnes = number(self.tonnes, errors, "tonnes", 0.001, math.inf)
        if errors:
            return None, errors
        signed = tonnes if self.direction == "buy" else -tonnes
        return Stockpile(actor, self.mineral, self.stage, signed), {}


@dataclass
class SubsidyForm:
    mineral: str
    stage: str
    usd_million: str
    instrument: str = "build"  # one of SUBSIDY_KINDS
    grant_share: str = "50"  # per cent of a new plant's capex (capital grant)
    strike: str = "1.5"  # × the 2024 price (contract for difference)

    amount_field = "usd_million"

    def build(self, data: WorldData, actor: str) -> tuple[Action | None, dict[str, str]]:
        errors: dict[str, str] = {}
        _good(data, self.mineral, self.stage, errors, one=True)
        usd = number(self.usd_million, errors, "usd_million", 0.000001, math.inf, 1e6)
        share = strike = None
        if self.instrument not in SUBSIDY_KINDS:
            errors["instrument"] = t("ui.error_choice", value=self.instrument or "")
        elif self.instrument == "grant":
            share = number(self.grant_share, errors, "grant_share", 1.0, 100.0) / 100.0
        elif self.instrument == "cfd":
            strike = number(self.strike, errors, "strike", 0.01, MAX_STRIKE)
        if errors:
            return None, errors
        return Subsidy(actor, self.mineral, self.stage, usd, share=share, strike=strike), {}


@dataclass
class ProposalForm:
    partner: str
    deal: str  # one of DEAL_KINDS
    mineral: str = ALL
    stage: str = ALL
    amount: str = ""  # the deal's number: see DEAL_NUMBER
    floor: str = ""  # offtake: minimum price, USD per tonne
    duration: str = "8"  # quarters
    coalition: str = ""

    @property
    def amount_field(self) -> str:
        """Where a refusal is shown: under the deal's number if it has one."""
        return "amount" if self.deal in DEAL_NUMBER else "partner"

    def build(self, data: WorldData, actor: str) -> tuple[Action | None, dict[str, str]]:
        errors: dict[str, str] = {}
        _partner(data, actor, self.partner, errors, any_=False)
        if self.deal not in DEAL_KINDS:
            errors["deal"] = t("ui.error_choice", value=self.deal or "")
            return None, errors
        terms: dict = {}
        if self.deal in ("tariff_agreement", "supply_guarantee", "offtake", "investment"):
            _good(data, self.mineral, self.stage, errors)
            terms |= {"mineral": self.mineral, "stage": self.stage}
        if self.deal in DEAL_NUMBER:
            name, unit = DEAL_NUMBER[self.deal]
            low, high = TERM_BOUNDS[name]
            terms[name] = number(self.amount, errors, "amount", low / unit, high / unit, unit)
        if self.deal == "offtake":
            terms["floor"] = number(self.floor or "0", errors, "floor", 0.0, math.inf)
        if self.deal == "supply_guarantee":  # the partner supplies, sells or hosts
            terms["supplier"] = self.partner
        elif self.deal == "offtake":
            terms["seller"] = self.partner
        elif self.deal == "investment":
            terms["host"] = self.partner
        elif self.deal == "coalition":
            terms["coalition"] = self.coalition
        duration = number(self.duration, errors, "duration", 1, MAX_DEAL_DURATION)
        if "duration" not in errors and duration != int(duration):
            errors["duration"] = t("ui.error_whole", value=self.duration)
        if errors:
            return None, errors
        return Propose(actor, self.partner, self.deal, terms, int(duration)), {}


@dataclass
class FoundingForm:
    name: str
    guests: tuple[str, ...]  # economy codes
    floor: str = "0"  # per cent of the base price; 0: no floor

    amount_field = "name"

    def build(self, data: WorldData, actor: str) -> tuple[Action | None, dict[str, str]]:
        errors: dict[str, str] = {}
        if not self.name.strip():
            errors["name"] = t("founding.bad_name", most=MAX_COALITION_NAME)
        if not self.guests:
            errors["guests"] = t("founding.no_guests")
        floor = number(self.floor or "0", errors, "floor", 0.0, MAX_COALITION_FLOOR * 100, 0.01)
        if errors:
            return None, errors
        return FoundCoalition(actor, self.name.strip(), tuple(self.guests), floor), {}


def counter_label(offer: dict, name: int | str) -> str:
    """The counter field's label: the term a counter changes, its unit, and what the offer
    ``name`` says now (a price typed where tonnes were meant is then seen at once)."""
    term, unit = DEAL_NUMBER[offer["deal"]]
    now = _show(round(float(offer["terms"][term]) / unit, 6))  # 0.1 / 0.01 is not 10
    return t(f"ui.counter_{term}", offer=name, now=now)


def counter(actor: str, offer: dict, amount: str) -> tuple[Action | None, dict[str, str]]:
    """A counter-offer changing the number the offered deal is about, within the bounds the
    World takes (TERM_BOUNDS); how far from the offer it may go is the World's rule
    (``model.game.decisions.counter_range``)."""
    errors: dict[str, str] = {}
    name, unit = DEAL_NUMBER.get(offer["deal"], (None, 1.0))
    if name is None:
        errors["amount"] = t("ui.error_no_counter", deal=t(f"deals.kind_{offer['deal']}"))
        return None, errors
    low, high = TERM_BOUNDS[name]
    value = number(amount, errors, "amount", low / unit, high / unit, unit)
    if errors:
        return None, errors
    terms = {name: value}
    return Respond(actor, offer["deal_id"] or 0, "counter", terms, ref=offer.get("ref", "")), {}
