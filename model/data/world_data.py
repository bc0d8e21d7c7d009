"""Load a world data set (configs/worlds/NAME/) into arrays over economies × goods.

The files hold yearly tonnes with a source on every row (see docs/world-data.md); this
module checks them and converts them to the per-step arrays the model works with.
"""

from __future__ import annotations  # pandas is imported on first use

import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from model.text import allowed_list, t

if TYPE_CHECKING:
    import pandas as pd

# Shipped as the package `configs` (package data), so an installed wheel finds them too.
CONFIG_DIR = Path(str(files("configs")))
WORLDS_DIR = CONFIG_DIR / "worlds"

MINERALS = (
    "rare_earths",
    "heavy_rare_earths",
    "lithium",
    "cobalt",
    "nickel",
    "graphite",
    "manganese",
)
STAGES = ("mined", "refined", "magnets")
INDUSTRIES = ("automotive", "electronics", "defence", "energy", "other")
OTHER_INDUSTRY = "other"  # final use no data set assigns to a named industry
NAMED_INDUSTRIES = tuple(name for name in INDUSTRIES if name != OTHER_INDUSTRY)
HEGEMON = "hegemon"  # the role of the dominant refiner (China in every bundled world)
ROLES = ("importer", "producer", HEGEMON)
REST_OF_WORLD = "ROW"  # every world has this aggregate of all economies not listed
OBJECTIVES = (
    "supply_security",
    "industry_output",
    "export_revenue",
    "domestic_refining",
    "leverage",
    "fiscal",
)
STRATEGIES = (
    "passive",
    "cooperative",
    "tit_for_tat",
    "hawk",
    "leverage",
    "diversifier",
    "resource_nationalist",
)
# The range each world parameter may take, so a mistyped value (in world.toml, a
# scenario's [parameters] or --set) is refused instead of breaking the economics.
PARAMETER_RANGES: dict[str, tuple[float, float]] = {
    "base_utilisation": (0.05, 1.0),
    "armington_sigma": (0.1, 50.0),
    "trade_cost": (0.0, 5.0),
    "spread_share": (0.0, 1.0),
    "price_floor_share": (0.001, 1.0),
    "choke_price_multiple": (1.01, 1000.0),
    "shock_rate": (0.0, 1.0),
    "shock_min_factor": (0.0, 1.0),
    "shock_max_factor": (0.0, 1.0),
    "shock_max_duration": (1.0, 1000.0),
    "stock_release_share": (0.0, 1.0),
    "discount_rate": (0.0, 1.0),
    "plant_life_years": (1.0, 100.0),
    "depreciation_rate": (0.0, 1.0),
    "investment_adjustment_quarters": (1.0, 100.0),
    "inventory_adjustment": (0.0, 1.0),
    "inventory_price_response": (0.0, 10.0),
    "precaution": (0.0, 10.0),
    "mothball_rate": (0.0, 1.0),
    "restart_rate": (0.0, 1.0),
    "smuggling_quarters": (1.0, 100.0),
}
# World parameters a good may set for itself in goods.csv (a column of the same name and
# its ``*_source``); a good without its own value takes the world parameter.
PER_GOOD_PARAMETERS = {
    "armington_sigma": "sigma_source",
    "trade_cost": "trade_cost_source",
    "choke_price_multiple": "choke_source",
}
# What a producer's output of a stage physically is, where it is not ore or concentrate:
# an export ban on it is not an "ore ban" (production.csv column ``intermediate``).
INTERMEDIATES = ("mhp_matte", "hydroxide")
# Market behaviour a world may leave out (older or purpose-made worlds): these values apply.
PARAMETER_DEFAULTS: dict[str, float] = {
    "discount_rate": 0.10,
    "plant_life_years": 20.0,
    "depreciation_rate": 0.05,
    "investment_adjustment_quarters": 8.0,
    "inventory_adjustment": 0.5,
    "inventory_price_response": 2.0,
    "precaution": 1.0,
    "mothball_rate": 0.25,
    "restart_rate": 0.5,
    "smuggling_quarters": 4.0,
}
MAX_BASE_COST = 0.95  # highest unit cash cost, share of the base price, of a base producer
# Producers' costs when a world has no costs.csv: shares of the base price (assumption).
DEFAULT_CASH_COST_SHARE = {"mined": 0.6, "refined": 0.35, "magnets": 0.25}
# How governments behave (behaviour.toml of each world; docs/governments.md).
BEHAVIOUR_RANGES: dict[str, tuple[float, float]] = {
    "unlisted_budget_share": (0.0, 0.1),
    "self_sufficiency_target": (0.0, 2.0),
    "stockpile_target_days": (0.0, 365.0),
    "trust_threshold": (0.0, 1.0),
    "hawk_trust_threshold": (0.0, 1.0),
    "lookahead_quarters": (1.0, 12.0),
    "coalition_participation_cost": (0.0, 100.0),
    "retaliation_threshold": (0.0, 1.0),
    "dependence_limit": (0.0, 1.0),
    "leverage_min_share": (0.0, 1.0),
    "nationalist_refining_ready": (0.0, 2.0),
    "nationalist_slump_price": (0.0, 1.0),
    "nationalist_phase_step": (0.01, 1.0),
}
PARAMETER_RANGES.update(BEHAVIOUR_RANGES)
SHARE_TOLERANCE_PCT = 0.05
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Stage:
    """One stage's goods and what they are made from (``WorldData.stage_plans``; read-only)."""

    goods: np.ndarray  # (g,) the stage's goods
    inputs: np.ndarray  # (k,) the goods any of them is made from
    recipe: np.ndarray  # (g, G) tonnes of each good a tonne of each takes
    uses: np.ndarray  # (g, k) whether a good takes an input
    per_tonne: np.ndarray  # (g, k) tonnes of an input a tonne takes, 1 where none (a divisor)


class WorldDataError(Exception):
    """A world data set is missing or inconsistent; the message names file and row."""


@dataclass(frozen=True)
class WorldData:
    """A calibrated world: identities, base quantities per step, prices and parameters."""

    name: str
    title: str
    year: int
    steps_per_year: int
    codes: list[str]
    names: list[str]
    gdp: np.ndarray  # (C,) USD per step
    roles: list[str]
    strategies: list[str]
    goods: list[tuple[str, str]]
    price0: np.ndarray  # (G,) USD/t
    demand_elasticity: np.ndarray  # (G,)
    supply_elasticity: np.ndarray  # (G,)
    build_lag: np.ndarray  # (G,) steps
    capex: np.ndarray  # (G,) USD per tonne-per-step of new capacity
    growth: np.ndarray  # (G,) demand growth per step
    production0: np.ndarray  # (C, G) t/step
    final_demand0: np.ndarray  # (C, G) t/step, final users only
    inputs: np.ndarray  # (G_out, G_in) t of input per t of output
    end_use: np.ndarray  # (G, industries) shares of final use
    stock_days: np.ndarray  # (C, G)
    objectives: np.ndarray  # (C, objectives) weights
    trade_prior: np.ndarray  # (G, importer, exporter) observed import shares, NaN if unknown
    # Producers' own costs (costs.csv): unit cash cost as a share of the base price, for
    # processed goods the conversion cost only (inputs are paid at market prices).
    cash_cost: np.ndarray | None = None  # (C, G)
    capex_multiple: np.ndarray | None = None  # (C, G) capex relative to goods.csv
    # Buffers and horizons (buffers.csv): users' commercial inventories and the long run.
    cover_days: np.ndarray | None = None  # (G,) commercial stocks, days of use
    long_run_elasticity: np.ndarray | None = None  # (G,) demand elasticity after adjustment
    adjustment_quarters: np.ndarray | None = None  # (G,) time for demand to adjust
    # (G,) long-run elasticity of a good's use per tonne of the products made from it to its
    # price (Dy-lean magnets); 0 where the recipe is chemistry (ore in refined metal)
    intensity_elasticity: np.ndarray | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    # goods.csv's own values of PER_GOOD_PARAMETERS, (G,), NaN where the world's applies
    good_parameters: dict[str, np.ndarray] = field(default_factory=dict)
    # (G, importer, exporter) False where routes.csv rules a route out (Myanmar's ore goes
    # overland to China only); None: every route is open
    routes: np.ndarray | None = None
    # (C, G) t held in commercial inventories at the start (commercial_stocks.csv)
    commercial_stock0: np.ndarray | None = None
    # Capacity being built that the sources date (projects.csv), (P, 5): economy index, good
    # index, t/step of capacity, first and last quarter index over which it comes online.
    projects: np.ndarray | None = None
    # (G, C) the most of what an export control withholds that smuggling carries, once its
    # networks are built and the price gap is whole (smuggling.csv); 0: controls hold.
    smuggling: np.ndarray | None = None
    # Recyclers' feed (secondary.csv): (C, G) t/step in the base year, sold to the
    # economy's own users, and its elasticity to the price they pay; None: no recycling.
    secondary0: np.ndarray | None = None
    secondary_elasticity: np.ndarray | None = None  # (C, G)
    # (country code, mineral, stage) -> intermediate product key (production.csv)
    intermediates: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # What the score weighs per good (score.csv): USD of welfare lost per tonne of final use
    # missing (downstream output at risk × the share lost), and producers' cost share.
    downstream_loss: np.ndarray | None = None  # (G,) USD/t
    cost_share: np.ndarray | None = None  # (G,) unit cash cost incl. inputs / base price
    # (C, C) political alignment 0..1 of each pair (alignment.csv); 0 off the diagonal if
    # the world has no alignment table.
    alignment: np.ndarray | None = None
    # Government programmes (programmes.csv): per row the economy, USD, first quarter
    # (year × 4 + quarter − 1) and quarters over which the money is paid out.
    programmes: np.ndarray | None = None  # (P, 4) float

    @property
    def minerals(self) -> list[str]:
        return [m for m in MINERALS if any(g[0] == m for g in self.goods)]

    @property
    def stages(self) -> list[str]:
        return [s for s in STAGES if any(g[1] == s for g in self.goods)]

    def country(self, code: str) -> int:
        return self.codes.index(code)

    @cached_property
    def hegemon(self) -> str | None:
        """The code of the economy whose role is the hegemon (the first, if several)."""
        roles = zip(self.codes, self.roles, strict=True)
        return next((code for code, role in roles if role == HEGEMON), None)

    @property
    def playable(self) -> list[str]:
        """Codes of the economies a person or a seat can play: all but the rest of world."""
        return [code for code in self.codes if code != REST_OF_WORLD]

    def good(self, mineral: str, stage: str) -> int:
        return self.goods.index((mineral, stage))

    @cached_property
    def foreign(self) -> np.ndarray:
        """(C, C) True where importer and exporter differ: trade, not home supply (read-only)."""
        mask = ~np.eye(len(self.codes), dtype=bool)
        mask.flags.writeable = False
        return mask

    @cached_property
    def stage_of(self) -> np.ndarray:
        """Each good's stage, (G,) (read-only: computed once, read every quarter)."""
        stages = np.array([STAGES.index(s) for _, s in self.goods])
        stages.flags.writeable = False
        return stages

    @cached_property
    def requirements(self) -> np.ndarray:
        """(G, G) tonnes of each good (columns) that a tonne of final use of a good (rows)
        takes, itself and its inputs' inputs included: magnets pull oxide, oxide ore."""
        needs = np.eye(len(self.goods))
        for g in np.argsort(-self.stage_of, kind="stable"):  # the last stage first
            needs = needs + needs[:, [g]] * self.inputs[g]
        needs.flags.writeable = False
        return needs

    @cached_property
    def stage_plans(self) -> tuple[Stage, ...]:
        """Each stage's goods and recipe, in STAGES order (a stage without goods left out):
        every quarter clears them in turn."""
        found = []
        for stage in range(len(STAGES)):
            goods = np.flatnonzero(self.stage_of == stage)
            if goods.size == 0:
                continue
            recipe = self.inputs[goods]
            inputs = np.flatnonzero(recipe.any(axis=0))
            needs = recipe[:, inputs]
            found.append(Stage(goods, inputs, recipe, needs > 0, np.where(needs > 0, needs, 1.0)))
        for stage in found:
            for array in vars(stage).values():
                array.flags.writeable = False
        return tuple(found)

    @cached_property
    def processed(self) -> np.ndarray:
        """(G,) goods made from other goods (read-only)."""
        made = self.inputs.any(axis=1)
        made.flags.writeable = False
        return made

    @cached_property
    def base_unit_cost(self) -> np.ndarray:
        """(C, G) each producer's unit cash cost at base prices, as a share of the base
        price: its inputs at base value and its own conversion cost (read-only)."""
        cost = self.input_value.sum(axis=1) + self.cash_cost
        cost.flags.writeable = False
        return cost

    @cached_property
    def input_value(self) -> np.ndarray:
        """(G, G) each input's base value per unit of base value of the good made from it
        (read-only: every processor's unit cost reads it, several times a quarter)."""
        value = self.inputs * self.price0[None, :] / self.price0[:, None]
        value.flags.writeable = False
        return value

    @property
    def intermediate_demand0(self) -> np.ndarray:
        """Inputs that producers of processed goods buy: refiners buy ore, magnet makers oxide."""
        return self.production0 @ self.inputs

    @property
    def plant_capex(self) -> np.ndarray:
        """(C, G) USD per t/step of new capacity, each producer's own (costs.csv multiple)."""
        return self.capex * self.capex_multiple

    @property
    def demand0(self) -> np.ndarray:
        return self.final_demand0 + self.intermediate_demand0

    @property
    def market_demand0(self) -> np.ndarray:
        """What users buy in the market in the base year: their use less recycled feed."""
        return self.demand0 if self.secondary0 is None else self.demand0 - self.secondary0

    def per_good(self, name: str, parameters: dict[str, float] | None = None) -> np.ndarray:
        """Each good's value of world parameter ``name``, (G,).

        A good's own value comes from goods.csv; the rest take the world parameter. A
        scenario or sweep that sets the parameter scales every good's value by the same
        factor (new / world value), so per-good differences survive a sensitivity run.
        """
        world_value = self.parameters[name]
        value = world_value if parameters is None else parameters.get(name, world_value)
        own = self.good_parameters.get(name, np.full(len(self.goods), np.nan))
        base = np.where(np.isnan(own), world_value, own)
        if world_value == 0:  # nothing to scale by: own values stay, the rest take the new one
            return np.where(np.isnan(own), value, own)
        return base * (value / world_value)

    def route_open(self) -> np.ndarray:
        """(G, I, J) True where exporter j may ship to importer i."""
        if self.routes is None:
            return np.ones((len(self.goods), len(self.codes), len(self.codes)), bool)
        return self.routes


def world_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.is_dir():
        return path
    candidate = WORLDS_DIR / str(name_or_path)
    if candidate.is_dir():
        return candidate
    known = allowed_list(name_or_path, sorted(p.name for p in WORLDS_DIR.iterdir() if p.is_dir()))
    raise WorldDataError(t("world.unknown", name=name_or_path, allowed=known))


def available_worlds() -> list[str]:
    return sorted(p.name for p in WORLDS_DIR.iterdir() if (p / "world.toml").is_file())


# Pairs of parameters that must be ordered (low, high): each in range is not enough.
ORDERED_PARAMETERS = (("shock_min_factor", "shock_max_factor"),)


def parameter_order_problem(parameters: dict[str, float]) -> tuple[str, str] | None:
    """The first (low, high) pair whose values are in the wrong order, else None."""
    for low, high in ORDERED_PARAMETERS:
        if low in parameters and high in parameters and parameters[low] > parameters[high]:
            return low, high
    return None


def parameter_problem(name: str, value: float) -> tuple[float, float] | None:
    """The allowed range if ``value`` is outside it, else None."""
    low, high = PARAMETER_RANGES.get(name, (-np.inf, np.inf))
    return None if np.isfinite(value) and low <= value <= high else (low, high)


@cache
def load_world(name_or_path: str | Path) -> WorldData:
    folder = world_path(name_or_path)
    try:
        return _load(folder)
    except WorldDataError:
        raise
    except (KeyError, ValueError, TypeError, OSError, tomllib.TOMLDecodeError) as error:
        raise WorldDataError(t("world.broken", path=folder, detail=repr(error))) from None


def base_world(folder: Path) -> Path | None:
    """The world a world is drawn from (``base`` in world.toml), or None.

    A drawn world (the 2010 rare-earth market for the hindcast) holds only what differs:
    its own rows for the goods it lists replace the base's rows for those goods.
    """
    path = folder / "world.toml"
    stat = path.stat()
    base = _base_name(path, stat.st_mtime_ns, stat.st_size)
    return None if base is None else world_path(base)


@lru_cache(maxsize=32)
def _base_name(path: Path, modified: int, size: int) -> str | None:
    """Read once while the file is unchanged: every CSV of a load asks (18 parses of
    world.toml's sourced parameters a load)."""
    with path.open("rb") as f:
        return tomllib.load(f)["world"].get("base")


def _read_csv(folder: Path, name: str, required: bool = True) -> pd.DataFrame:
    import pandas as pd  # here, not at the top: `minerals --help` need not load it

    path = folder / name
    base = base_world(folder)
    if base is not None:
        inherited = _read_csv(base, name, required and not path.is_file())
        if not path.is_file():
            return inherited
        return _overlay(inherited, _own(path))
    if not path.is_file():
        if required:
            raise WorldDataError(t("world.missing_file", path=path))
        return pd.DataFrame()
    return _own(path)


def _own(path: Path) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(path, comment=None, skipinitialspace=True)
    frame.attrs["path"] = str(path)
    return frame


def _overlay(base: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """The base's rows with ``own``'s instead for every good ``own`` lists (whole table if
    the table is not by good)."""
    import pandas as pd

    keys = ["mineral", "stage"]
    if base.empty or not set(keys) <= set(own.columns):
        return own
    listed = base.set_index(keys).index.isin(own.set_index(keys).index)
    frame = pd.concat([base[~listed], own], ignore_index=True)
    frame.attrs["path"] = own.attrs["path"]
    return frame


def _check_values(frame: pd.DataFrame, column: str, allowed) -> None:
    for row, value in enumerate(frame[column], start=2):
        if value not in allowed:
            raise WorldDataError(
                t(
                    "world.bad_value",
                    path=frame.attrs["path"],
                    row=row,
                    column=column,
                    value=value,
                    allowed=allowed_list(value, allowed),
                )
            )


def _check_sources(frame: pd.DataFrame) -> None:
    for column in [c for c in frame.columns if c.endswith("source")]:
        missing = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        value = next((v for v, src in PER_GOOD_PARAMETERS.items() if src == column), None)
        if value in frame.columns:  # a good's own value needs a source; no value, no source
            missing &= frame[value].notna()
        if missing.any():
            row = int(np.flatnonzero(missing.to_numpy())[0]) + 2
            raise WorldDataError(
                t("world.missing_source", path=frame.attrs["path"], row=row, column=column)
            )


def _share_matrix(frame, codes, goods, what) -> np.ndarray:
    """Shares in percent by (country, good) -> fractions; each listed good must sum to 1."""
    shares = np.zeros((len(codes), len(goods)))
    if frame.empty:
        return shares
    _check_values(frame, "country", codes)
    pairs = list(zip(frame["mineral"], frame["stage"], strict=True))
    for row, pair in enumerate(pairs, start=2):
        if pair not in goods:
            raise WorldDataError(
                t("world.bad_good", path=frame.attrs["path"], row=row, good=f"{pair[0]}/{pair[1]}")
            )
    for (country, mineral, stage), share in zip(
        zip(frame["country"], frame["mineral"], frame["stage"], strict=True),
        frame["share_pct"],
        strict=True,
    ):
        shares[codes.index(country), goods.index((mineral, stage))] += share / 100.0
    for g in {goods.index(p) for p in pairs}:
        total = shares[:, g].sum() * 100
        if abs(total - 100) > SHARE_TOLERANCE_PCT or (shares[:, g] < 0).any():
            raise WorldDataError(
                t(
                    "world.shares_not_100",
                    path=frame.attrs["path"],
                    what=what,
                    good="/".join(goods[g]),
                    total=f"{total:.2f}",
                )
            )
    totals = shares.sum(axis=0)
    return shares / np.where(totals > 0, totals, 1.0)


def _parameters(folder: Path) -> dict[str, float]:
    """world.toml's and behaviour.toml's parameters, over the base world's if drawn from one."""
    base = base_world(folder)
    parameters = {} if base is None else _parameters(base)
    for name in ("world.toml", "behaviour.toml"):
        path = folder / name
        if path.is_file():
            with path.open("rb") as f:
                entries = tomllib.load(f).get("parameters", {})
            parameters |= {key: float(entry["value"]) for key, entry in entries.items()}
    return parameters


def _load(folder: Path) -> WorldData:
    with (folder / "world.toml").open("rb") as f:
        world = tomllib.load(f)["world"]
    steps_per_year = int(world.get("steps_per_year", 4))
    if steps_per_year != 4:
        raise WorldDataError(t("world.quarters_only", path=folder / "world.toml"))
    parameters = {**PARAMETER_DEFAULTS, **_parameters(folder)}
    missing = sorted(set(PARAMETER_RANGES) - set(parameters))
    if missing:
        raise WorldDataError(
            t("world.missing_parameters", path=folder / "world.toml", names=", ".join(missing))
        )
    for name, value in parameters.items():
        allowed = parameter_problem(name, value)
        if allowed:
            raise WorldDataError(
                t(
                    "world.parameter_range",
                    path=folder / "world.toml",
                    name=name,
                    value=value,
                    low=allowed[0],
                    high=allowed[1],
                )
            )

    economies = _read_csv(folder, "economies.csv")
    goods_frame = _read_csv(folder, "goods.csv")
    for frame in (economies, goods_frame):
        _check_sources(frame)
    _check_values(economies, "role", ROLES)
    _check_values(economies, "strategy", STRATEGIES)
    _check_values(goods_frame, "mineral", MINERALS)
    _check_values(goods_frame, "stage", STAGES)
    codes = list(economies["code"])
    if REST_OF_WORLD not in codes:
        raise WorldDataError(t("world.no_row", path=economies.attrs["path"]))
    goods = list(zip(goods_frame["mineral"], goods_frame["stage"], strict=True))
    C, G = len(codes), len(goods)

    world_tonnes = goods_frame["world_tonnes"].to_numpy(float) / steps_per_year
    good_parameters = _good_parameters(goods_frame)
    production = _read_csv(folder, "production.csv")
    consumption = _read_csv(folder, "consumption.csv")
    for frame in (production, consumption):
        _check_sources(frame)
    production0 = _share_matrix(production, codes, goods, t("world.what_production"))
    intermediates = _intermediates(production)
    production0 = production0 * world_tonnes

    inputs = np.zeros((G, G))
    input_frame = _read_csv(folder, "inputs.csv")
    _check_sources(input_frame)
    for row in input_frame.itertuples():
        inputs[
            goods.index((row.mineral, row.stage)), goods.index((row.input_mineral, row.input_stage))
        ] = row.tonnes_per_tonne
    intensity = _intensity_elasticity(input_frame, goods)
    secondary0, secondary_elasticity = _secondary(
        _read_csv(folder, "secondary.csv", required=False), codes, goods, steps_per_year
    )
    intermediate = production0 @ inputs
    # What is used is what the producers make plus what recyclers bring back.
    final_world = world_tonnes + secondary0.sum(axis=0) - intermediate.sum(axis=0)
    if (final_world < -1e-6 * world_tonnes).any():
        g = int(np.argmin(final_world / world_tonnes))
        raise WorldDataError(t("world.negative_final_use", path=folder, good="/".join(goods[g])))
    final_use = _share_matrix(consumption, codes, goods, t("world.what_consumption"))
    final_demand0 = final_use * final_world.clip(0)

    end_use = np.zeros((G, len(INDUSTRIES)))
    end_frame = _read_csv(folder, "end_uses.csv")
    _check_sources(end_frame)
    _check_values(end_frame, "industry", INDUSTRIES)
    for row in end_frame.itertuples():
        end_use[goods.index((row.mineral, row.stage)), INDUSTRIES.index(row.industry)] = (
            row.share_pct / 100.0
        )
    unassigned = end_use.sum(axis=1) == 0
    end_use[unassigned, INDUSTRIES.index(OTHER_INDUSTRY)] = 1.0

    stock_days = np.zeros((C, G))
    stock_frame = _read_csv(folder, "stocks.csv", required=False)
    if not stock_frame.empty:
        _check_sources(stock_frame)
        _check_values(stock_frame, "country", codes)
        for row in stock_frame.itertuples():
            stock_days[codes.index(row.country), goods.index((row.mineral, row.stage))] = row.days

    objective_frame = _read_csv(folder, "objectives.csv").set_index("role")
    roles = list(economies["role"])
    objectives = objective_frame.loc[roles, list(OBJECTIVES)].to_numpy(float)

    trade_prior = np.full((G, C, C), np.nan)
    prior_frame = _read_csv(folder, "trade_shares.csv", required=False)
    if not prior_frame.empty:
        _check_sources(prior_frame)
        _check_values(prior_frame, "importer", codes)
        _check_values(prior_frame, "exporter", codes)
        for row in prior_frame.itertuples():
            g = goods.index((row.mineral, row.stage))
            trade_prior[g, codes.index(row.importer), codes.index(row.exporter)] = (
                row.share_pct / 100.0
            )

    routes = _routes(_read_csv(folder, "routes.csv", required=False), codes, goods)
    commercial_stock0 = np.zeros((C, G))
    commercial = _read_csv(folder, "commercial_stocks.csv", required=False)
    if not commercial.empty:
        _check_sources(commercial)
        _check_values(commercial, "country", codes)
        for row in commercial.itertuples():
            commercial_stock0[codes.index(row.country), goods.index((row.mineral, row.stage))] = (
                row.tonnes
            )

    downstream_loss, cost_share = _score_weights(folder, goods, goods_frame)
    cash_cost, capex_multiple = _costs(folder, codes, goods)
    # Every producer in the data produced in the base year, so its cash cost (inputs at
    # base prices included) was covered: costs above MAX_BASE_COST of the price are read as
    # that (the figures are of the marginal plant, not the average one).
    price0 = goods_frame["price_usd_t"].to_numpy(float)
    input_share = (inputs * price0[None, :] / price0[:, None]).sum(axis=1)
    cash_cost = np.minimum(cash_cost, np.maximum(MAX_BASE_COST - input_share, 0.0))
    cover_days, long_run, adjustment = _buffers(folder, goods, goods_frame)
    alignment = _alignment(_read_csv(folder, "alignment.csv", required=False), codes)
    programmes = _programmes(_read_csv(folder, "programmes.csv", required=False), codes)
    projects = _projects(
        _read_csv(folder, "projects.csv", required=False), codes, goods, steps_per_year
    )

    world = WorldData(
        name=world.get("name", folder.name),
        title=world.get("title", folder.name),
        year=int(world.get("year", 2024)),
        steps_per_year=steps_per_year,
        codes=codes,
        names=list(economies["name"]),
        gdp=economies["gdp_usd_bn"].to_numpy(float) * 1e9 / steps_per_year,
        roles=roles,
        strategies=list(economies["strategy"]),
        goods=goods,
        price0=goods_frame["price_usd_t"].to_numpy(float),
        demand_elasticity=goods_frame["demand_elasticity"].to_numpy(float),
        supply_elasticity=goods_frame["supply_elasticity"].to_numpy(float),
        build_lag=goods_frame["build_lag_quarters"].to_numpy(float) * steps_per_year / 4.0,
        capex=goods_frame["capex_usd_per_tpa"].to_numpy(float) * steps_per_year,
        growth=(1 + goods_frame["demand_growth_pa"].to_numpy(float)) ** (1 / steps_per_year) - 1,
        production0=production0,
        final_demand0=final_demand0,
        inputs=inputs,
        end_use=end_use,
        stock_days=stock_days,
        objectives=objectives,
        trade_prior=trade_prior,
        cash_cost=cash_cost,
        capex_multiple=capex_multiple,
        cover_days=cover_days,
        long_run_elasticity=long_run,
        intensity_elasticity=intensity,
        adjustment_quarters=adjustment,
        parameters=parameters,
        good_parameters=good_parameters,
        routes=routes,
        commercial_stock0=commercial_stock0,
        projects=projects,
        smuggling=_smuggling(_read_csv(folder, "smuggling.csv", required=False), codes, goods),
        secondary0=secondary0 if secondary0.any() else None,
        secondary_elasticity=secondary_elasticity,
        intermediates=intermediates,
        downstream_loss=downstream_loss,
        cost_share=cost_share,
        alignment=alignment,
        programmes=programmes,
    )
    _check_secondary_within_use(world, folder)
    return world


def _check_secondary_within_use(world: WorldData, folder: Path) -> None:
    """Recyclers cannot bring back more than their economy uses: the base year's market
    purchases would be negative and the calibration would invent trade (a typo of a digit)."""
    if world.secondary0 is None:
        return
    above = world.secondary0 > world.demand0 * (1 + 1e-9) + 1e-9
    if above.any():
        c, g = (int(k[0]) for k in np.nonzero(above))
        raise WorldDataError(
            t(
                "economics.secondary_above_use",
                path=folder / "secondary.csv",
                what=f"{world.codes[c]} {'/'.join(world.goods[g])}",
                tonnes=world.secondary0[c, g] * world.steps_per_year,
                use=world.demand0[c, g] * world.steps_per_year,
            )
        )


def _good_parameters(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """goods.csv's own values of the world parameters that may differ by good."""
    values = {}
    for name in [n for n in PER_GOOD_PARAMETERS if n in frame.columns]:
        column = frame[name].to_numpy(float)
        for row, value in enumerate(column, start=2):
            if np.isnan(value):
                continue
            allowed = parameter_problem(name, value)
            if allowed:
                raise WorldDataError(
                    t(
                        "world.parameter_range",
                        path=f"{frame.attrs['path']}, row {row}",
                        name=name,
                        value=value,
                        low=allowed[0],
                        high=allowed[1],
                    )
                )
        values[name] = column
    return values


def _intermediates(production: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    if "intermediate" not in production.columns:
        return {}
    import pandas as pd

    found = {}
    for row, entry in enumerate(production.itertuples(), start=2):
        if pd.isna(entry.intermediate):
            continue
        if entry.intermediate not in INTERMEDIATES:
            raise WorldDataError(
                t(
                    "world.bad_value",
                    path=production.attrs["path"],
                    row=row,
                    column="intermediate",
                    value=entry.intermediate,
                    allowed=", ".join(INTERMEDIATES),
                )
            )
        found[(entry.country, entry.mineral, entry.stage)] = entry.intermediate
    return found


def _routes(frame: pd.DataFrame, codes: list[str], goods: list) -> np.ndarray | None:
    """routes.csv: an exporter's good listed there ships only to the importers listed."""
    if frame.empty:
        return None
    _check_sources(frame)
    _check_values(frame, "exporter", codes)
    _check_values(frame, "importer", codes)
    pairs = list(zip(frame["mineral"], frame["stage"], strict=True))
    for row, pair in enumerate(pairs, start=2):
        if pair not in goods:
            raise WorldDataError(
                t("world.bad_good", path=frame.attrs["path"], row=row, good=f"{pair[0]}/{pair[1]}")
            )
    g = np.array([goods.index(pair) for pair in pairs])
    i = np.array([codes.index(code) for code in frame["importer"]])
    j = np.array([codes.index(code) for code in frame["exporter"]])
    C = len(codes)
    restricted = np.zeros((len(goods), C), bool)
    restricted[g, j] = True
    allowed = ~restricted[:, None, :] | np.eye(C, dtype=bool)[None]  # home sales stay open
    allowed = np.broadcast_to(allowed, (len(goods), C, C)).copy()
    allowed[g, i, j] = True
    return allowed


# Without score.csv (small test worlds): output at risk 10× the input's value, a quarter of
# it lost, producers' costs 80 % of the price (assumptions, as in world_2024/score.csv).
DEFAULT_AT_RISK_MULTIPLE = 10.0
DEFAULT_LOST_SHARE = 0.25
DEFAULT_COST_SHARE = 0.8


def _score_weights(folder: Path, goods, goods_frame) -> tuple[np.ndarray, np.ndarray]:
    price0 = goods_frame["price_usd_t"].to_numpy(float)
    loss = price0 * DEFAULT_AT_RISK_MULTIPLE * DEFAULT_LOST_SHARE
    cost = np.full(len(goods), DEFAULT_COST_SHARE)
    frame = _read_csv(folder, "score.csv", required=False)
    if frame.empty:
        return loss, cost
    _check_sources(frame)
    for row, (mineral, stage) in enumerate(zip(frame["mineral"], frame["stage"], strict=True)):
        if (mineral, stage) not in goods:
            raise WorldDataError(
                t(
                    "world.bad_good",
                    path=frame.attrs["path"],
                    row=row + 2,
                    good=f"{mineral}/{stage}",
                )
            )
        g = goods.index((mineral, stage))
        loss[g] = frame["at_risk_usd_t"].iloc[row] * frame["lost_share"].iloc[row]
        cost[g] = frame["cost_share"].iloc[row]
    return loss, cost


def _costs(folder: Path, codes, goods) -> tuple[np.ndarray, np.ndarray]:
    """Unit cash cost (share of base price) and capex multiple per producer and good.

    A row for country "*" sets the good's default; a country's own row overrides it.
    """
    C, G = len(codes), len(goods)
    cash = np.array([[DEFAULT_CASH_COST_SHARE[stage] for _, stage in goods]] * C)
    capex = np.ones((C, G))
    frame = _read_csv(folder, "costs.csv", required=False)
    if frame.empty:
        return cash, capex
    _check_sources(frame)
    _check_values(frame, "country", ["*", *codes])
    frame = frame[[(m, s) in goods for m, s in zip(frame["mineral"], frame["stage"], strict=True)]]
    for default in (True, False):
        for row in frame[(frame["country"] == "*") == default].itertuples():
            g = goods.index((row.mineral, row.stage))
            rows = slice(None) if default else codes.index(row.country)
            cash[rows, g] = float(row.cash_cost_share)
            capex[rows, g] = float(row.capex_multiple)
    if (cash < 0).any() or (capex <= 0).any():
        raise WorldDataError(t("economics.bad_costs", path=frame.attrs["path"]))
    return cash, capex


def _intensity_elasticity(frame: pd.DataFrame, goods) -> np.ndarray:
    """inputs.csv's optional ``intensity_elasticity``, by input good, (G,): one value per
    input (its users thrift it alike), between −2 and 0; blank means a fixed recipe."""
    found = np.zeros(len(goods))
    if "intensity_elasticity" not in frame.columns:
        return found
    seen: dict[int, float] = {}
    for row, entry in enumerate(frame.itertuples(), start=2):
        value = float(entry.intensity_elasticity)
        if np.isnan(value):
            continue
        k = goods.index((entry.input_mineral, entry.input_stage))
        if not -2.0 <= value <= 0.0 or seen.get(k, value) != value:
            raise WorldDataError(
                t("economics.bad_intensity", path=f"{frame.attrs['path']}, row {row}", value=value)
            )
        seen[k] = found[k] = value
    return found


def _buffers(folder: Path, goods, goods_frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days of commercial cover, long-run demand elasticity and its adjustment time, (G,)."""
    G = len(goods)
    cover = np.zeros(G)
    long_run = goods_frame["demand_elasticity"].to_numpy(float).copy()
    adjustment = np.full(G, 12.0)
    frame = _read_csv(folder, "buffers.csv", required=False)
    if frame.empty:
        return cover, long_run, adjustment
    _check_sources(frame)
    for row in frame.itertuples():
        if (row.mineral, row.stage) not in goods:
            continue
        g = goods.index((row.mineral, row.stage))
        cover[g] = float(row.cover_days)
        long_run[g] = float(row.long_run_elasticity)
        adjustment[g] = float(row.adjustment_quarters)
    if (cover < 0).any() or (long_run > 0).any() or (adjustment < 1).any():
        raise WorldDataError(t("economics.bad_buffers", path=frame.attrs["path"]))
    return cover, long_run, adjustment


def _alignment(frame: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """(C, C) alignment: the mean of UN voting similarity and bloc similarity, 0..1.

    Voting: 1 − the distance of UNGA ideal points over the widest distance in the world.
    Blocs: 1 − half the distance of the leanings (US bloc score − China bloc score).
    """
    C = len(codes)
    if frame.empty:
        return np.eye(C)
    _check_sources(frame)
    _check_values(frame, "code", codes)
    table = frame.set_index("code").reindex(codes)
    if table["unga_ideal_point"].isna().any():
        missing = [code for code in codes if code not in set(frame["code"])]
        raise WorldDataError(
            t("governments.world_missing_rows", path=frame.attrs["path"], codes=", ".join(missing))
        )
    ideal = table["unga_ideal_point"].to_numpy(float)
    lean = (table["us_bloc"] - table["cn_bloc"]).to_numpy(float)
    span = max(float(np.ptp(ideal)), 1e-9)
    voting = 1.0 - np.abs(ideal[:, None] - ideal[None, :]) / span
    blocs = 1.0 - np.abs(lean[:, None] - lean[None, :]) / 2.0
    return (voting + blocs) / 2.0


def _programmes(frame: pd.DataFrame, codes: list[str]) -> np.ndarray | None:
    """(P, 4): economy index, USD, first quarter index, quarters paid out over."""
    if frame.empty:
        return None
    _check_sources(frame)
    _check_values(frame, "country", codes)
    start = frame["start"].map(quarter_index)
    if start.isna().any() or (frame["quarters"] < 1).any() or (frame["amount_usd"] < 0).any():
        raise WorldDataError(t("governments.world_bad_programmes", path=frame.attrs["path"]))
    return np.column_stack(
        [
            frame["country"].map(codes.index).to_numpy(float),
            frame["amount_usd"].to_numpy(float),
            start.to_numpy(float),
            frame["quarters"].to_numpy(float),
        ]
    )


def _projects(frame: pd.DataFrame, codes, goods, steps_per_year: int) -> np.ndarray | None:
    """(P, 5): economy, good, t/step of capacity, first and last quarter it arrives over."""
    if frame.empty:
        return None
    _check_sources(frame)
    _check_values(frame, "country", codes)
    pairs = list(zip(frame["mineral"], frame["stage"], strict=True))
    first, last = frame["first"].map(quarter_index), frame["last"].map(quarter_index)
    if (
        any(pair not in goods for pair in pairs)
        or first.isna().any()
        or last.isna().any()
        or (last < first).any()
        or (frame["tonnes_pa"] <= 0).any()
    ):
        raise WorldDataError(t("economics.bad_projects", path=frame.attrs["path"]))
    return np.column_stack(
        [
            frame["country"].map(codes.index).to_numpy(float),
            np.array([goods.index(pair) for pair in pairs], float),
            frame["tonnes_pa"].to_numpy(float) / steps_per_year,
            first.to_numpy(float),
            last.to_numpy(float),
        ]
    )


def _smuggling(frame: pd.DataFrame, codes, goods) -> np.ndarray:
    """(G, C) the share of withheld exports smuggling can carry; 0 where the file is silent."""
    import pandas as pd

    shares = np.zeros((len(goods), len(codes)))
    if frame.empty:
        return shares
    path = frame.attrs["path"]
    if not {"country", "mineral", "stage", "share", "source"} <= set(frame.columns):
        raise WorldDataError(t("economics.bad_smuggling_columns", path=path))
    _check_sources(frame)
    _check_values(frame, "country", codes)
    share = pd.to_numeric(frame["share"], errors="coerce")
    seen = set()
    for row, (code, mineral, stage, value) in enumerate(
        zip(frame["country"], frame["mineral"], frame["stage"], share, strict=True), start=2
    ):
        if (mineral, stage) not in goods:
            raise WorldDataError(t("world.bad_good", path=path, row=row, good=f"{mineral}/{stage}"))
        if not 0.0 <= value <= 1.0:  # NaN too: not a number
            raw = frame["share"].iloc[row - 2]
            raw = "" if pd.isna(raw) else raw
            raise WorldDataError(t("economics.bad_smuggling_share", path=path, row=row, value=raw))
        if (code, mineral, stage) in seen:
            raise WorldDataError(
                t("economics.twice_smuggling", path=path, row=row, what=f"{code} {mineral}/{stage}")
            )
        seen.add((code, mineral, stage))
        shares[goods.index((mineral, stage)), codes.index(code)] = value
    return shares


def _secondary(frame: pd.DataFrame, codes, goods, steps_per_year) -> tuple[np.ndarray, ...]:
    """(C, G) recyclers' feed in the base year, t/step, and its price elasticity
    (secondary.csv: country, mineral, stage, tonnes_pa, elasticity, source)."""
    tonnes, elasticity = np.zeros((len(codes), len(goods))), np.zeros((len(codes), len(goods)))
    if frame.empty:
        return tonnes, elasticity
    path = frame.attrs["path"]
    if not {"country", "mineral", "stage", "tonnes_pa", "elasticity", "source"} <= set(
        frame.columns
    ):
        raise WorldDataError(t("economics.bad_secondary_columns", path=path))
    _check_sources(frame)
    _check_values(frame, "country", codes)
    columns = ("country", "mineral", "stage", "tonnes_pa", "elasticity")
    seen = set()
    for row, (code, mineral, stage, amount, eta) in enumerate(
        zip(*(frame[k] for k in columns), strict=True), start=2
    ):
        if (mineral, stage) not in goods:
            raise WorldDataError(t("world.bad_good", path=path, row=row, good=f"{mineral}/{stage}"))
        if not (float(amount) >= 0.0 and 0.0 <= float(eta) <= 5.0):  # NaN too
            raise WorldDataError(t("economics.bad_secondary_row", path=path, row=row))
        if (code, mineral, stage) in seen:
            what = f"{code} {mineral}/{stage}"
            raise WorldDataError(t("economics.twice_secondary", path=path, row=row, what=what))
        seen.add((code, mineral, stage))
        c, g = codes.index(code), goods.index((mineral, stage))
        tonnes[c, g] = float(amount) / steps_per_year
        elasticity[c, g] = float(eta)
    return tonnes, elasticity


def quarter_index(label: str) -> float:
    """``"2025Q3"`` -> 2025 × 4 + 2 (NaN if it is no quarter)."""
    text = str(label)
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        return float("nan")
    return int(text[:4]) * 4 + int(text[5]) - 1
