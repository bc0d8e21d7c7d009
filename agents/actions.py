"""The action contract: what any controller (script, AI, a person in a browser) may return.

Both sides import this module: agents build actions, the model validates and applies them.
``targets`` and ``mineral``/``stage`` may be ``"all"``; the model expands them.
"""

from dataclasses import MISSING, dataclass, field, fields
from typing import ClassVar

from model.text import t

ALL = "all"
DEAL_KINDS = (
    "tariff_agreement",
    "supply_guarantee",
    "offtake",
    "investment",
    "truce",
    "coalition",
)
ANSWERS = ("accept", "reject", "counter")
# Bounds on numbers in records from files and browsers: far beyond any real decision, so
# a typing slip or a forged record is refused here instead of overflowing the model.
MAX_NUMBER = 1e15
MAX_WHOLE = 2**31  # steps, offer ids: a whole number field is within 0..MAX_WHOLE-1
# Bounds of each measure, checked by the model when it applies an action and by the
# scenario format when it reads one: one place, so a file and a browser get the same answer.
MAX_TARIFF = 10.0  # 1,000 %: above any tariff seen in the data (145 % in 2025)
MIN_USD = 1.0  # a subsidy of less than a dollar is a typing mistake
MAX_STRIKE = 10.0  # a contract for difference's strike, × the 2024 price: the price ceiling
MAX_DELAY = 40  # licensing delays beyond ten years are a ban: say so with level = 0
MAX_SHOCK_DURATION = 10_000  # steps; longer than any run
MAX_DEAL_DURATION = 40  # quarters: ten years
# A demand shift multiplies final demand: between a tenth and ten times normal covers any
# recorded boom or collapse (EV battery cobalt ×3 in 2017-22; Dy-free magnets, LFP cathodes)
# while still refusing a typing slip of a factor 100.
MIN_DEMAND_FACTOR = 0.1  # demand shifts: at least a tenth of normal (LFP, Dy-free magnets)
MAX_DEMAND_FACTOR = 10.0  # and at most ten times normal (battery cobalt rose ~3x in 2017-22)
MAX_RAMP = 40  # quarters over which a shift builds up: ten years
# A coalition's reference price is a share of the base price of each processed good: 1.3
# in the Feb 2026 ministerial's proposal (washington_coalition); five times the base price
# is beyond any floor discussed and refuses a slip of a factor 100 typed in per cent.
MAX_COALITION_FLOOR = 5.0
MAX_COALITION_NAME = 60  # characters: a name, not a paragraph


@dataclass(frozen=True)
class Tariff:
    """The actor taxes imports from ``targets`` (ad valorem; 1.45 = 145 %)."""

    kind: ClassVar[str] = "tariff"
    actor: str
    targets: tuple[str, ...]
    mineral: str
    stage: str
    rate: float
    note: str = ""


@dataclass(frozen=True)
class ExportControl:
    """The actor lets ``targets`` have only ``level`` of their normal imports (0 = ban).

    With ``delay`` > 0 it is a licensing regime: nothing ships while licences are
    processed, then ``level`` applies after ``delay`` steps.
    """

    kind: ClassVar[str] = "export_control"
    actor: str
    targets: tuple[str, ...]
    mineral: str
    stage: str
    level: float
    note: str = ""
    delay: int = 0


@dataclass(frozen=True)
class Stockpile:
    """The actor buys (``tonnes`` > 0) or releases (< 0) stock this step."""

    kind: ClassVar[str] = "stockpile"
    actor: str
    mineral: str
    stage: str
    tonnes: float
    note: str = ""


@dataclass(frozen=True)
class Subsidy:
    """The actor spends ``usd`` on new domestic capacity, by one of three instruments.

    Without ``share`` or ``strike`` the state builds plants itself (online after the build
    lag). With ``share`` it is a capital grant: ``usd`` pays that share of the capex of the
    plants private investors order, so a plant that almost pays gets built. With
    ``strike`` it is a contract for difference: ``usd`` pays producers the gap between
    ``strike`` (× the 2024 price) and the market price, so investors count on the strike.
    """

    kind: ClassVar[str] = "subsidy"
    actor: str
    mineral: str
    stage: str
    usd: float
    note: str = ""
    share: float | None = None  # capital grant: share of capex paid, 0..1
    strike: float | None = None  # contract for difference: guaranteed price, × 2024


@dataclass(frozen=True)
class Shock:
    """Capacity in the actor's economy runs at ``capacity_factor`` for ``duration`` steps."""

    kind: ClassVar[str] = "shock"
    actor: str
    mineral: str
    stage: str
    capacity_factor: float
    duration: int
    note: str = ""


@dataclass(frozen=True)
class Demand:
    """Final demand for the good in ``targets`` runs at ``factor`` × normal for ``duration``
    steps, building up in equal steps over the first ``ramp`` of them (0: at once).

    Not a government measure: scenarios and event cards use it for demand shocks such as
    an EV boom or a substitution breakthrough (LFP instead of cobalt, Dy-free magnets).
    ``targets`` are the economies whose users change demand; the actor may be among them.
    """

    kind: ClassVar[str] = "demand"
    actor: str
    targets: tuple[str, ...]
    mineral: str
    stage: str
    factor: float
    duration: int
    ramp: int = 0
    note: str = ""


@dataclass(frozen=True)
class Propose:
    """Offer ``partner`` a deal of kind ``deal`` with ``terms`` for ``duration`` steps.

    Terms by kind (codes are economy codes; mineral/stage may be "all" where noted):
    tariff_agreement {mineral, stage, max_rate}: neither taxes the other above max_rate;
    supply_guarantee {supplier, mineral, stage}: no export controls from supplier to the other;
    offtake {seller, mineral, stage, tonnes, floor}: the other buys tonnes/step at ≥ floor USD/t;
    investment {host, mineral, stage, usd}: the other pays for capacity in host, and host
    guarantees it supply of that mineral; truce {}: both roll back tariffs and export
    controls on each other; coalition {coalition}: partner joins the proposer's coalition.

    ``ref`` names an offer before the World numbers it (a class delegation's offer to
    another), so that the partner can answer it in the quarter it is made.
    """

    kind: ClassVar[str] = "propose"
    actor: str
    partner: str
    deal: str
    terms: dict = field(default_factory=dict)
    duration: int = 8
    note: str = ""
    ref: str = ""


@dataclass(frozen=True)
class Respond:
    """Answer an offer: accept, reject, or counter with new terms (the turn passes back).

    An answer with a ``ref`` answers the offer of that ref made this quarter, which has no
    number yet (``offer_id`` is then 0).
    """

    kind: ClassVar[str] = "respond"
    actor: str
    offer_id: int
    answer: str
    terms: dict | None = None
    note: str = ""
    ref: str = ""


@dataclass(frozen=True)
class Join:
    """Join a coalition: its pledges bind from the next step."""

    kind: ClassVar[str] = "join"
    actor: str
    coalition: str
    note: str = ""


@dataclass(frozen=True)
class Leave:
    """Leave a coalition, at a cost in trust with its members."""

    kind: ClassVar[str] = "leave"
    actor: str
    coalition: str
    note: str = ""


@dataclass(frozen=True)
class FoundCoalition:
    """Found a coalition named ``coalition`` and invite ``targets`` ("all": everyone).

    The founder is its first member; each guest gets a coalition offer this step and is a
    member once it accepts. Members drop mineral tariffs and controls among themselves;
    with ``price_floor`` > 0 (share of the base price of processed goods) they levy the
    tariff that lifts outsiders' prices to it. Only where the scenario allows founding.
    """

    kind: ClassVar[str] = "found_coalition"
    actor: str
    coalition: str
    targets: tuple[str, ...]
    price_floor: float = 0.0
    duration: int = MAX_DEAL_DURATION
    note: str = ""


Measure = Tariff | ExportControl | Stockpile | Subsidy | Shock | Demand
Action = Measure | Propose | Respond | Join | Leave | FoundCoalition
ACTION_TYPES: dict[str, type] = {
    cls.kind: cls
    for cls in (
        Tariff,
        ExportControl,
        Stockpile,
        Subsidy,
        Shock,
        Demand,
        Propose,
        Respond,
        Join,
        Leave,
        FoundCoalition,
    )
}
# The measures a scenario event may take, each with the magnitudes it requires (all of
# them); the scenario format and the scripted controller read this one table.
MEASURE_MAGNITUDES: dict[str, tuple[str, ...]] = {
    Tariff.kind: ("rate",),
    ExportControl.kind: ("level",),
    Stockpile.kind: ("tonnes",),
    Subsidy.kind: ("usd",),
    Shock.kind: ("capacity_factor", "duration"),
    Demand.kind: ("factor", "duration"),
}
# Magnitudes a measure may take but need not (a default applies): a licensing delay on an
# export control, the ramp of a demand shift.
OPTIONAL_MAGNITUDES: dict[str, tuple[str, ...]] = {
    ExportControl.kind: ("delay",),
    Demand.kind: ("ramp",),
    Subsidy.kind: ("share", "strike"),
}
MAGNITUDE_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        name
        for table in (MEASURE_MAGNITUDES, OPTIONAL_MAGNITUDES)
        for names in table.values()
        for name in names
    )
)
# Measures aimed at other countries: they need targets and may not target the actor.
# The others act on the actor's own economy, so their targets are just the actor.
AIMED_MEASURES = (Tariff.kind, ExportControl.kind)
# A demand shift names the economies whose demand moves, the actor's own included
# (default: the actor).
ECONOMY_MEASURES = (Demand.kind,)
# Tonnes bought or money spent need one good; a tariff or a shock may cover many.
ONE_GOOD_MEASURES = (Stockpile.kind, Subsidy.kind)


def to_dict(action: Action) -> dict:
    """A JSON-ready form of an action (saved class games, archives, replays)."""
    record = {"kind": action.kind}
    for f in fields(action):
        value = getattr(action, f.name)
        record[f.name] = list(value) if isinstance(value, tuple) else value
    return record


def from_dict(record: dict) -> Action:
    """The action a ``to_dict`` record describes; ValueError naming what is wrong.

    Records come from files and browsers, so every field's type is checked here: the
    model's own checks (ranges, budgets, partners) then see only well-formed actions.
    """
    if not isinstance(record, dict):
        raise ValueError(t("deals.bad_record", value=type(record).__name__))
    values = dict(record)
    kind = values.pop("kind", None)
    cls = ACTION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(t("deals.bad_record_kind", kind=kind, allowed=", ".join(ACTION_TYPES)))
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(
            t(
                "deals.bad_record_field",
                kind=kind,
                fields=", ".join(unknown),
                allowed=", ".join(known),
            )
        )
    if isinstance(values.get("targets"), list):
        values["targets"] = tuple(values["targets"])
    for name, value in values.items():
        if not _fits(value, known[name].type):
            raise ValueError(t("deals.bad_record_value", kind=kind, field=name, value=record[name]))
    values = {  # a whole number in a number field is that number (JSON writes 2.0 as 2)
        name: float(value) if known[name].type in NUMBERS and value is not None else value
        for name, value in values.items()
    }
    missing = [
        name
        for name, f in known.items()
        if name not in values and f.default is MISSING and f.default_factory is MISSING
    ]
    if missing:
        raise ValueError(t("deals.bad_record_missing", kind=kind, fields=", ".join(missing)))
    return cls(**values)


NUMBERS = (float, float | None)


def _fits(value, annotation) -> bool:
    """Whether a JSON value has the type, and a sane size, a field of the contract declares."""
    if isinstance(value, bool):
        return False  # JSON true/false is never a number or a name here
    if annotation is float:
        return isinstance(value, int | float) and abs(value) < MAX_NUMBER  # NaN fails too
    if annotation == float | None:  # an optional magnitude (a subsidy's share or strike)
        return value is None or _fits(value, float)
    if annotation is int:
        return isinstance(value, int) and 0 <= value < MAX_WHOLE
    if annotation is str:
        return isinstance(value, str)
    if annotation == tuple[str, ...]:
        return isinstance(value, tuple) and bool(value) and all(isinstance(v, str) for v in value)
    return isinstance(value, dict) or (value is None and annotation == dict | None)
