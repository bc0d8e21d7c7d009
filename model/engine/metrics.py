"""What a step did to each economy: bills, revenues, shortages, dependence, and the score.

The score is each economy's welfare change against the reference path: the same world,
seed and random outages with nobody taking a new measure (model/engine/reference.py).
It is 0 on that path, whatever demand growth does, and it sums five components:

- consumers: what dearer supplies cost buyers, −Σ_g Q̄·(P − P_ref)·price0, where P is the
  delivered price index (tariffs and freight included) and Q̄ the mean of the volumes
  bought on both paths (units not bought at all count under downstream instead);
- producers: producer surplus, Q̄·(p − p_ref)·price0 + (p̄ − cost share)·(Q − Q_ref)·price0,
  i.e. a price change on the volume sold plus the margin on volume gained or lost;
- transfers: tariff revenue, deal payments and policy spending, each counted once, plus
  strategic stock gained or drawn, valued at base prices;
- downstream: output lost where final users are rationed, by what the missing input stops
  (score.csv: output at risk per tonne × the share lost), not by the input's price;
- objectives: a role's stated weights (objectives.csv) on supply security, its share of
  world refining by volume, and leverage (how much others depend on it).

The first four are USD per quarter; a point is one basis point (0.01 %) of the economy's
mineral economy on the reference path (its mineral use plus production at 2024 prices),
so economies of every size score on one scale. See docs/scoring.md.
"""

import math
from dataclasses import dataclass

import numpy as np

from model.data.world_data import DAYS_PER_YEAR, INDUSTRIES, OBJECTIVES, STAGES, WorldData
from model.engine.economy import Calibration, Outcome

VOLATILITY_WINDOW = 4  # quarters
POINTS_PER_SHARE = 10_000.0  # basis points: 1 point = 0.01 % of the mineral economy
# An economy that neither uses nor makes these minerals (Sierra Leone, the Cook Islands in
# world_2026_ministerial) is scored against a mineral economy of this share of its GDP, near
# a tenth of the median economy's (0.07 %): basis points of nothing would be unbounded.
MIN_MINERAL_SHARE_OF_GDP = 0.0001
# The objectives the score weighs on top of welfare (the rest of objectives.csv's columns
# are welfare itself: industry output is downstream, export revenue producers, fiscal
# transfers).
SCORED_OBJECTIVES = ("supply_security", "domestic_refining", "leverage")
# A role with weight 1 on an objective values a whole index (0 → 1) like its whole mineral
# economy: one percentage point of the index is worth weight × 100 points.
OBJECTIVE_POINTS = POINTS_PER_SHARE
COMPONENTS = ("consumers", "producers", "transfers", "downstream", "objectives")
SCORE_COLUMNS = ("score", *(f"score_{name}" for name in COMPONENTS))


@dataclass(frozen=True)
class Standing:
    """One step of one path as the score compares it, per economy (C) and good (G)."""

    delivered: np.ndarray  # (C, G) delivered price index paid, relative to the base price
    bought: np.ndarray  # (C, G) t bought from every source, home included
    price: np.ndarray  # (C, G) producer price, relative to the base price
    production: np.ndarray  # (C, G) t
    missing: np.ndarray  # (C, G) t of final use wanted and not served
    stock_change: np.ndarray  # (C, G) t added to (+) or drawn from (−) strategic stocks
    public: np.ndarray  # (C,) USD: tariff revenue + deal payments − policy spending
    objectives: np.ndarray  # (C, len(SCORED_OBJECTIVES)) indices in 0..1
    size: np.ndarray  # (C,) USD: mineral use plus production at base prices


def standing(
    world: WorldData,
    outcome: Outcome,
    tariff_revenue: np.ndarray,
    transfers: np.ndarray,
    spending: np.ndarray,
    stock_change: np.ndarray,
) -> Standing:
    """What the score needs of one step's outcome (see Standing)."""
    price0 = world.price0
    bought = outcome.bought  # (C, G)
    # Missing: final use rationed (no source left, or the price ceiling), not the demand a
    # higher price talked buyers out of: that loss is the consumers' component already.
    missing = np.minimum(outcome.unmet, np.maximum(outcome.final_ref - outcome.final_use, 0.0))
    weight = world.downstream_loss  # what a missing tonne stops, USD/t
    wanted = outcome.final_ref @ weight
    security = 1.0 - np.divide(
        missing @ weight, wanted, out=np.zeros_like(wanted), where=wanted > 0
    )

    processed = world.stage_of >= STAGES.index("refined")
    refined_value = (outcome.production * price0)[:, processed]  # volume at base prices
    world_refined = refined_value.sum()
    refining = refined_value.sum(1) / world_refined if world_refined > 0 else np.zeros(len(bought))

    # Leverage: the share of everyone else's processed supply, weighted by what it stops,
    # that comes from this economy (E10: others' dependence, by volume, not export value).
    supplied = np.einsum("gij,g->ij", outcome.flows[processed], weight[processed])
    np.fill_diagonal(supplied, 0.0)
    use = bought[:, processed] @ weight[processed]  # (C,) each economy's weighted use
    others_use = use.sum() - use
    leverage = np.divide(
        supplied.sum(axis=0), others_use, out=np.zeros_like(others_use), where=others_use > 0
    )
    return Standing(
        delivered=outcome.index.T,
        bought=bought,
        price=outcome.price.T,
        production=outcome.production,
        missing=missing,
        stock_change=stock_change,
        public=tariff_revenue + transfers - spending,
        objectives=np.stack([security, refining, leverage], axis=1),
        size=(bought + outcome.production) @ price0,
    )


def score(world: WorldData, now: Standing, reference: Standing) -> dict[str, np.ndarray]:
    """Each economy's score and its components, in points (C,) each; they sum to the score."""
    if reference is now:  # a path against itself (a sweep's passive run): 0 by definition
        return {name: np.zeros(len(world.codes)) for name in (*SCORE_COLUMNS, "welfare_usd")}
    price0 = world.price0
    volume = 0.5 * (now.bought + reference.bought)
    consumers = -(volume * (now.delivered - reference.delivered)) @ price0
    sold = 0.5 * (now.production + reference.production)
    margin = 0.5 * (now.price + reference.price) - world.cost_share
    producers = (
        sold * (now.price - reference.price) + margin * (now.production - reference.production)
    ) @ price0
    transfers = (now.public - reference.public) + (
        now.stock_change - reference.stock_change
    ) @ price0
    downstream = -(now.missing - reference.missing) @ world.downstream_loss
    scale = POINTS_PER_SHARE / np.maximum(reference.size, MIN_MINERAL_SHARE_OF_GDP * world.gdp)
    columns = [OBJECTIVES.index(name) for name in SCORED_OBJECTIVES]
    weights = world.objectives[:, columns]
    objectives = OBJECTIVE_POINTS * (weights * (now.objectives - reference.objectives)).sum(1)
    points = (consumers, producers, transfers, downstream)
    parts = dict(
        zip(SCORE_COLUMNS[1:], [*(each * scale for each in points), objectives], strict=True)
    )
    parts["score"] = sum(parts.values())
    parts["welfare_usd"] = consumers + producers + transfers + downstream
    return parts


def tariffs_collected(
    world: WorldData, calibration: Calibration, outcome: Outcome, tariff: np.ndarray
) -> np.ndarray:
    """What each importer collects in tariffs on its imports' CIF value, USD (C,)."""
    if not tariff.any():  # most quarters of most runs: nobody collects anything
        return np.zeros(len(world.codes))
    on_cif = calibration.trade_wedge * tariff
    np.einsum("gii->gi", on_cif)[...] = 0.0  # no tariff on what an economy buys at home
    price_usd = outcome.price * world.price0[:, None]
    return np.einsum("gij,gj,gij->i", outcome.flows, price_usd, on_cif)


def country_metrics(
    world: WorldData,
    calibration: Calibration,
    outcome: Outcome,
    tariff: np.ndarray,
    stock: np.ndarray,
    subsidy: np.ndarray,
    transfers: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-economy (C,) arrays for the countries table, without the score.

    ``transfers`` (C,) are payments under deals, received (+) or paid (−), USD.
    """
    C = len(world.codes)
    foreign = world.foreign
    price_usd = outcome.price * world.price0[:, None]  # (G, J)
    fob = outcome.flows * price_usd[:, None, :]  # (G, I, J) USD
    imports = fob * foreign
    cif = imports * calibration.trade_wedge  # each good's own freight (bulk ore pays more)
    import_bill = cif.sum(axis=(0, 2))
    export_revenue = imports.sum(axis=(0, 1))
    tariff_revenue = tariffs_collected(world, calibration, outcome, tariff)
    if transfers is not None:  # an offtake top-up is the seller's revenue, the buyer's bill
        export_revenue = export_revenue + np.maximum(transfers, 0.0)
        import_bill = import_bill + np.maximum(-transfers, 0.0)

    base_value = world.price0[None, :]  # judge shortages at base prices, not scarcity prices
    missing = np.maximum(outcome.final_ref - outcome.final_use, 0.0) * base_value
    wanted = outcome.final_ref * base_value
    shortage_share = np.divide(
        missing.sum(1), wanted.sum(1), out=np.zeros(C), where=wanted.sum(1) > 0
    )
    # Industries lose what their missing inputs stop (score.csv), not the inputs' value (E11).
    stopped = np.maximum(outcome.final_ref - outcome.final_use, 0.0) * world.downstream_loss
    at_risk = outcome.final_ref * world.downstream_loss
    industry_missing = stopped @ world.end_use  # (C, industries)
    industry_wanted = at_risk @ world.end_use
    industry = 1.0 - np.divide(
        industry_missing,
        industry_wanted,
        out=np.zeros_like(industry_missing),
        where=industry_wanted > 0,
    )
    industry_output = np.divide(
        (industry * industry_wanted).sum(1),
        industry_wanted.sum(1),
        out=np.ones(C),
        where=industry_wanted.sum(1) > 0,
    )

    demand_value = (outcome.final_ref + outcome.input_used) * base_value
    per_day = demand_value.sum(1) * world.steps_per_year / DAYS_PER_YEAR
    stock_cover_days = np.divide(
        (stock * base_value).sum(1), per_day, out=np.zeros(C), where=per_day > 0
    )

    by_source = imports.sum(axis=0)  # (I, J) USD
    total_imports = by_source.sum(1)
    source_share = np.divide(
        by_source,
        total_imports[:, None],
        out=np.zeros_like(by_source),
        where=total_imports[:, None] > 0,
    )
    hegemon = world.hegemon
    china = world.codes.index(hegemon) if hegemon is not None else None
    china_dependence = source_share[:, china] if china is not None else np.zeros(C)
    hhi = (source_share**2).sum(1)

    metrics = {
        "import_bill": import_bill,
        "export_revenue": export_revenue,
        "tariff_revenue": tariff_revenue,
        "shortage_share": shortage_share,
        "stock_cover_days": stock_cover_days,
        "china_dependence": china_dependence,
        "hhi": hhi,
        "subsidy_spend": subsidy.copy(),  # the state's array, which a later measure adds to
        "industry_output": industry_output,
    }
    for k, name in enumerate(INDUSTRIES):
        metrics[f"industry_{name}"] = industry[:, k]
    return metrics


def supply_of(world: WorldData, flows: np.ndarray, i: int) -> np.ndarray:
    """(G, J) tonnes economy ``i`` gets of each good from each economy in ``flows`` (G, I, J),
    its recyclers' feed counted as made at home (secondary.csv): what ``exposure`` reads."""
    supply = flows[:, i, :].copy()
    if world.secondary0 is not None:
        supply[:, i] += world.secondary0[i]
    return supply


def exposure(world: WorldData, supply: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    """What each good's biggest foreign supplier holds over economy ``i``: (that supplier,
    (G,); the USD of downstream output lost per tonne ``i`` uses were it to stop, (G,)).

    ``supply``: (G, J) tonnes ``i`` gets of each good from each economy, its own included.
    The top foreign supplier's share of it times what a missing tonne stops (score.csv's
    downstream loss, as the score weighs a shortage). Per tonne, not in total: ranked by
    tonnes or value, a bulk good (Japan's 230 kt of manganese for steel, a fifth from
    China) hides the small one whose every tonne comes from one supplier and stops
    magnets when it is missing (its refined heavy rare earths, all from China).
    """
    foreign = supply.copy()
    foreign[:, i] = 0.0
    top = np.argmax(foreign, axis=1)
    total = supply.sum(axis=1)
    from_top = foreign[np.arange(len(top)), top]
    share = np.divide(from_top, total, out=np.zeros_like(total), where=total > 0)
    return top, share * world.downstream_loss


def price_volatility(log_history: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Std of quarterly log changes of each economy's price indices, use-weighted (C,);
    ``log_history``: each quarter's log price indices (G, C), taken once each."""
    if len(log_history) < 2:
        return np.zeros(weights.shape[0])
    recent = np.stack(log_history[-(VOLATILITY_WINDOW + 1) :])  # (T, G, C)
    spread = np.diff(recent, axis=0).std(axis=0).T  # (C, G)
    total = weights.sum(1)
    return np.divide((spread * weights).sum(1), total, out=np.zeros_like(total), where=total > 0)


def base_consumption_value(world: WorldData) -> np.ndarray:
    """What each economy bought of each good in the base year, at base prices, USD (G, C).

    Final and intermediate use together: the weights of the price indices below.
    """
    return (world.demand0 * world.price0[None, :]).T


def relative_price_index(index: np.ndarray, index0: np.ndarray) -> np.ndarray:
    """Delivered price indices (G, C) relative to the base year's: 1.0 where nothing moved.

    ``index0`` holds the base year's delivered index, freight wedge included, so a higher
    trade cost does not read as a price rise.
    """
    return index / index0


def mean_price_index(index: np.ndarray, index0: np.ndarray, weights: np.ndarray) -> float:
    """Mean relative delivered price, weighted by base consumption value (1.0 = base year)."""
    return float((relative_price_index(index, index0) * weights).sum() / weights.sum())


def median_price_index(index: np.ndarray, index0: np.ndarray, weights: np.ndarray) -> float:
    """Median relative delivered price over the (good, economy) pairs with base use."""
    prices = np.sort(relative_price_index(index, index0)[weights > 0])
    if prices.size == 0 or np.isnan(prices[-1]):  # as np.median: NaN if any is NaN
        return math.nan
    # np.median's own arithmetic, at a fifth of its cost (a sweep reads it every quarter)
    return float((prices[(prices.size - 1) // 2] + prices[prices.size // 2]) / 2)
