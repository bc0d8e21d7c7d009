"""What a country sees when it decides: the same for an AI, a script, a person or a policy.

Arrays are indexed like the world's: G goods (``goods``), economies in ``codes`` order.
Prices are relative to the base year (1.0 = 2024 price). Everything is a copy: changing
it changes nothing in the world; only returned actions do.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Offer:
    """A deal on the table, addressed to the observing country."""

    offer_id: int
    deal_id: int
    deal: str  # one of agents.actions.DEAL_KINDS
    proposer: str
    partner: str
    terms: dict
    duration: int
    round: int  # 1 for a first proposal, +1 per counter-offer
    ref: str = ""  # the proposer's name for an offer made this quarter (Propose.ref)


@dataclass(frozen=True)
class Observation:
    step: int
    date: str
    country: str
    role: str
    strategy: str
    codes: list[str]
    goods: list[tuple[str, str]]
    # Last quarter's trade, tonnes
    imports: np.ndarray  # (G, J) bought from each source (own supply at my index)
    exports: np.ndarray  # (G, I) sold to each buyer (own use at my index)
    dependence: np.ndarray  # (G, J) share of my supply from each source
    price_index: np.ndarray  # (G,) delivered price I pay, relative to base
    producer_price: np.ndarray  # (G,) my producers' price, relative to base
    production: np.ndarray  # (G,) t
    capacity: np.ndarray  # (G,) t installed
    capacity_coming: np.ndarray  # (G,) t ordered and still being built
    stock_days: np.ndarray  # (G,) days of my use held in stock
    shortage_share: float
    score: float
    budget_usd: float  # what I may spend this step on stockpiles and subsidies
    # Standing measures
    my_tariffs: np.ndarray  # (G, J) my tariff on each exporter
    # (G, I) what each importer charges on my exports: its own tariff, or a coalition's
    # floor tariff where higher (the effective tariff)
    tariffs_on_me: np.ndarray
    my_controls: np.ndarray  # (G, I) share of normal exports I let each importer have
    controls_on_me: np.ndarray  # (G, J) share each exporter lets me have
    new_tariffs_on_me: np.ndarray  # (G, I) rise since last step (0 where none)
    new_controls_on_me: np.ndarray  # (G, J) fall in allowed share since last step
    # Diplomacy
    trust: np.ndarray  # (C,) my trust in each economy, 0..1
    coalitions: dict[str, list[str]]  # coalition name -> members
    deals: list[dict]  # active deals I am party to (deal_id, deal, parties, terms, until)
    offers: list[Offer] = field(default_factory=list)  # open offers to me
    # Look-ahead: my score change (points) over a short horizon if ``offer`` is accepted,
    # simulated on a copy of the world with and without it (same seed).
    evaluate: Callable[[Offer], float] | None = None
    # Who singles me out, and who I can afford to answer (None: unknown, as in small tests)
    alignment: np.ndarray | None = None  # (C,) political alignment with each economy, 0..1
    others_tariffs: np.ndarray | None = None  # (G, I) each importer's median (effective)
    #   tariff on exporters other than me: a tariff on me above it singles me out
    others_controls: np.ndarray | None = None  # (G, J) each exporter's median allowed share
    #   to importers other than me: a control on me below it singles me out
    buyers_dependence: np.ndarray | None = None  # (G, I) share of each buyer's supply from me
    # (partner, deal kind) -> the last step that partner turned down my offer of that kind
    refused: dict[tuple[str, str], int] = field(default_factory=dict)
    # (G, I) the coalitions' floor tariff each importer levies on my exports (its part of
    # ``tariffs_on_me``; None: none known), so an answer can name the club it answers
    floor_tariffs_on_me: np.ndarray | None = None
    # coalition name (its code) -> the name a sentence gives it: its title in words where
    # the scenario gives one (absent: the code)
    coalition_names: dict[str, str] = field(default_factory=dict)

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def good(self, mineral: str, stage: str) -> int:
        return self.goods.index((mineral, stage))
