"""Load a world data set (configs/worlds/NAME/) into arrays over economies × goods.

The files hold yearly tonnes with a source on every row (see docs/world-data.md); this
module checks them and converts them to the per-step arrays the model works with.
"""

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from model.text import t

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
ROLES = ("importer", "producer", "hegemon")
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
    "hurdle_margin": (0.0, 10.0),
    "investment_rate": (0.0, 1.0),
    "shock_rate": (0.0, 1.0),
    "shock_min_factor": (0.0, 1.0),
    "shock_max_factor": (0.0, 1.0),
    "shock_max_duration": (1.0, 1000.0),
    "stock_release_share": (0.0, 1.0),
    "gdp_multiplier": (0.0, 1000.0),
}
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
    parameters: dict[str, float] = field(default_factory=dict)
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

    def good(self, mineral: str, stage: str) -> int:
        return self.goods.index((mineral, stage))

    @property
    def stage_of(self) -> np.ndarray:
        return np.array([STAGES.index(s) for _, s in self.goods])

    @property
    def intermediate_demand0(self) -> np.ndarray:
        """Inputs that producers of processed goods buy: refiners buy ore, magnet makers oxide."""
        return self.production0 @ self.inputs

    @property
    def demand0(self) -> np.ndarray:
        return self.final_demand0 + self.intermediate_demand0


def world_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.is_dir():
        return path
    candidate = WORLDS_DIR / str(name_or_path)
    if candidate.is_dir():
        return candidate
    known = ", ".join(sorted(p.name for p in WORLDS_DIR.iterdir() if p.is_dir()))
    raise WorldDataError(t("world.unknown", name=name_or_path, allowed=known))


def available_worlds() -> list[str]:
    return sorted(p.name for p in WORLDS_DIR.iterdir() if (p / "world.toml").is_file())


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


def _read_csv(folder: Path, name: str, required: bool = True) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        if required:
            raise WorldDataError(t("world.missing_file", path=path))
        return pd.DataFrame()
    frame = pd.read_csv(path, comment=None, skipinitialspace=True)
    frame.attrs["path"] = str(path)
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
                    allowed=", ".join(map(str, allowed)),
                )
            )


def _check_sources(frame: pd.DataFrame) -> None:
    for column in [c for c in frame.columns if c.endswith("source")]:
        missing = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
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


def _load(folder: Path) -> WorldData:
    with (folder / "world.toml").open("rb") as f:
        meta = tomllib.load(f)
    world = meta["world"]
    steps_per_year = int(world.get("steps_per_year", 4))
    if steps_per_year != 4:
        raise WorldDataError(t("world.quarters_only", path=folder / "world.toml"))
    parameters = {name: float(entry["value"]) for name, entry in meta["parameters"].items()}
    behaviour = folder / "behaviour.toml"
    if behaviour.is_file():
        with behaviour.open("rb") as f:
            parameters |= {
                name: float(entry["value"]) for name, entry in tomllib.load(f)["parameters"].items()
            }
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
    if "ROW" not in codes:
        raise WorldDataError(t("world.no_row", path=economies.attrs["path"]))
    goods = list(zip(goods_frame["mineral"], goods_frame["stage"], strict=True))
    C, G = len(codes), len(goods)

    world_tonnes = goods_frame["world_tonnes"].to_numpy(float) / steps_per_year
    production = _read_csv(folder, "production.csv")
    consumption = _read_csv(folder, "consumption.csv")
    for frame in (production, consumption):
        _check_sources(frame)
    production0 = _share_matrix(production, codes, goods, t("world.what_production"))
    production0 = production0 * world_tonnes

    inputs = np.zeros((G, G))
    input_frame = _read_csv(folder, "inputs.csv")
    _check_sources(input_frame)
    for row in input_frame.itertuples():
        inputs[
            goods.index((row.mineral, row.stage)), goods.index((row.input_mineral, row.input_stage))
        ] = row.tonnes_per_tonne
    intermediate = production0 @ inputs
    final_world = world_tonnes - intermediate.sum(axis=0)
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
    end_use[unassigned, INDUSTRIES.index("other")] = 1.0

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

    alignment = _alignment(_read_csv(folder, "alignment.csv", required=False), codes)
    programmes = _programmes(_read_csv(folder, "programmes.csv", required=False), codes)

    return WorldData(
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
        parameters=parameters,
        alignment=alignment,
        programmes=programmes,
    )


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


def quarter_index(label: str) -> float:
    """``"2025Q3"`` -> 2025 × 4 + 2 (NaN if it is no quarter)."""
    text = str(label)
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        return float("nan")
    return int(text[:4]) * 4 + int(text[5]) - 1
