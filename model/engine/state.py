"""The world's changing numbers, in one object so a step can be copied, saved or undone.

Shapes: C economies, G goods. ``tariff[g, i, j]`` is importer i's tariff on exporter j;
``export_level[g, i, j]`` is the share of normal exports exporter j lets importer i have
(1 = free, 0 = ban).
"""

import copy
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Shock:
    country: int
    good: int
    factor: float
    until: int  # last step it applies to


@dataclass
class Licence:
    """Export licences being processed: nothing ships until ``due``, then ``level`` does."""

    due: int  # the step they are granted
    goods: list[int]
    buyers: list[int]  # importers
    exporter: int
    level: float  # the share of normal exports allowed once granted
    mineral: str  # the good as the exporter named it ("all" included), for the news
    stage: str
    by: str = "world"  # who decided them (the events table's decided_by), for their grant too


@dataclass
class DemandShift:
    """Final demand of ``goods`` in ``countries`` × factor, built up over ``ramp`` steps."""

    countries: np.ndarray
    goods: np.ndarray
    factor: float
    start: int  # first step it applies to
    ramp: int
    until: int  # last step it applies to

    def multiplier(self, step: int) -> float:
        if not self.start <= step <= self.until:
            return 1.0
        built = 1.0 if self.ramp == 0 else min((step - self.start + 1) / self.ramp, 1.0)
        return 1.0 + (self.factor - 1.0) * built


@dataclass
class State:
    capacity: np.ndarray  # (C, G) installed, t/step
    tariff: np.ndarray  # (G, I, J)
    export_level: np.ndarray  # (G, I, J)
    stock: np.ndarray  # (C, G) t
    price: np.ndarray  # (G, C) producer prices relative to base
    price_trend: np.ndarray  # (G, C) smoothed producer price, what investors watch
    paid: np.ndarray  # (G, C) delivered price each economy paid last step, relative to base
    pipeline: dict[int, np.ndarray] = field(default_factory=dict)  # step -> (C, G) arriving
    shocks: list[Shock] = field(default_factory=list)
    stock_orders: np.ndarray | None = None  # (C, G) this step's purchases (+) / releases (−)
    subsidy_spend: np.ndarray | None = None  # (C,) USD spent on policy this step
    funds: np.ndarray | None = None  # (C,) USD of programme money at hand as the step opened
    funds_quarter: int | None = None  # the calendar quarter ``funds`` were opened for
    trust: np.ndarray | None = None  # (C, C) how much i trusts j, 0..1
    price_support: np.ndarray | None = None  # (G, C) price floors from offtake deals, relative
    licences: list[Licence] = field(default_factory=list)  # pending, in the order asked
    deals: list = field(default_factory=list)  # active diplomacy.Deal objects
    coalitions: dict = field(default_factory=dict)  # name -> diplomacy.Coalition
    next_deal_id: int = 1
    floor_tariff: np.ndarray | None = None  # (G, I, J) coalitions' adjustable floor tariffs
    # Users' commercial inventories, processors' inputs included, t (C, G)
    inventory: np.ndarray | None = None
    # Final demand's long-run adjustment (thrifting, substitution): log multiplier (C, G)
    demand_shift: np.ndarray | None = None
    # Processors' use of each input per tonne of output, log multiplier (C, G): thrifting
    input_shift: np.ndarray | None = None
    marginal: np.ndarray | None = None  # (G, C) delivered price of the marginal tonne, relative
    threat_seen: np.ndarray | None = None  # (C, G) export threat users are used to, 0..1
    last_output: np.ndarray | None = None  # (C, G) last quarter's production, t/step
    mothballed: np.ndarray | None = None  # (C, G) installed capacity idled for losses, t/step
    # Subsidies that work through private investors (policies.apply, evolve.invest): what is
    # left of each capital grant's money and the share of capex it pays, and of each
    # contract for difference's money and its strike price.
    grant_usd: np.ndarray | None = None  # (C, G) USD
    grant_share: np.ndarray | None = None  # (C, G) 0..1
    cfd_usd: np.ndarray | None = None  # (C, G) USD
    cfd_strike: np.ndarray | None = None  # (G, C) relative to the 2024 price
    contract_paid: np.ndarray | None = None  # (C,) USD contracts paid producers this quarter
    stock_sales: np.ndarray | None = None  # (C,) USD users paid for released state stocks
    set_aside: np.ndarray | None = None  # (C,) USD put into grants and contracts this quarter
    grant_paid: np.ndarray | None = None  # (C,) USD grants paid towards plants this quarter
    # Offers waiting a quarter for a person's answer: (diplomacy.Deal, responder, round)
    waiting: list = field(default_factory=list)
    # Offers a partner turned down: (proposer, partner, deal kind) -> the step it last did
    refusals: dict = field(default_factory=dict)
    demand_shifts: list[DemandShift] = field(default_factory=list)
    # Share of what each export control withholds that smuggling carries (G, I, J), 0..1;
    # None until a control meets an exporter that smuggles (world data's smuggling.csv)
    smuggled: np.ndarray | None = None

    def copy(self) -> "State":
        return copy.deepcopy(self)

    def effective_tariff(self) -> np.ndarray:
        """What importers pay: their own tariffs, or a club's floor tariff where higher."""
        if self.floor_tariff is None:
            return self.tariff
        return np.maximum(self.tariff, self.floor_tariff)

    def effective_export_level(self) -> np.ndarray:
        """What exporters let through: each control's level, plus the share of the rest that
        smugglers carry."""
        if self.smuggled is None:
            return self.export_level
        return self.export_level + self.smuggled * (1.0 - self.export_level)

    def demand_factor(self, step: int) -> np.ndarray:
        """(C, G) multiplier on final demand from the demand shifts under way at ``step``."""
        factor = np.ones_like(self.capacity)
        for shift in self.demand_shifts:
            factor[np.ix_(shift.countries, shift.goods)] *= shift.multiplier(step)
        return factor

    def shock_factor(self, step: int) -> np.ndarray:
        factor = np.ones_like(self.capacity)
        for shock in self.shocks:
            if shock.until >= step:
                factor[shock.country, shock.good] *= shock.factor
        return factor
