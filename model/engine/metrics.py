"""What a step did to each economy: bills, revenues, shortages, dependence and score.

Indices are 1.0 in the calibrated base year, so a score of 100 means "as well off as in
2024 by its own objectives" (the objective weights are in the world's objectives.csv).
"""

import numpy as np

from model.data.world_data import DAYS_PER_YEAR, INDUSTRIES, OBJECTIVES, STAGES, WorldData
from model.engine.economy import Calibration, Outcome

INDEX_CAP = 3.0  # an index may triple at most, so one runaway number cannot own a score
VOLATILITY_WINDOW = 4  # quarters


def _ratio(value: np.ndarray, base: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """value / base, well defined when the base is zero (then 1 + value/scale)."""
    return np.clip((value + scale) / (base + scale), 0.0, INDEX_CAP)


def country_metrics(
    world: WorldData,
    calibration: Calibration,
    outcome: Outcome,
    tariff: np.ndarray,
    stock: np.ndarray,
    subsidy: np.ndarray,
    trade_cost: float,
    gdp_multiplier: float,
    base: dict[str, np.ndarray] | None = None,
    transfers: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-economy (C,) arrays for the countries table.

    ``transfers`` (C,) are payments under deals, received (+) or paid (−), USD.
    """
    C = len(world.codes)
    foreign = ~np.eye(C, dtype=bool)
    price_usd = outcome.price * world.price0[:, None]  # (G, J)
    fob = outcome.flows * price_usd[:, None, :]  # (G, I, J) USD
    imports = fob * foreign
    import_bill = imports.sum(axis=(0, 2)) * (1 + trade_cost)
    export_revenue = imports.sum(axis=(0, 1))
    tariff_revenue = (imports * (1 + trade_cost) * tariff).sum(axis=(0, 2))
    paid_in = np.zeros(C) if transfers is None else transfers
    if transfers is not None:
        export_revenue = export_revenue + np.maximum(transfers, 0.0)
        import_bill = import_bill + np.maximum(-transfers, 0.0)

    base_value = world.price0[None, :]  # judge shortages at base prices, not scarcity prices
    missing = np.maximum(outcome.final_ref - outcome.final_use, 0.0) * base_value
    wanted = outcome.final_ref * base_value
    shortage_share = np.divide(
        missing.sum(1), wanted.sum(1), out=np.zeros(C), where=wanted.sum(1) > 0
    )
    industry_missing = missing @ world.end_use  # (C, industries)
    industry_wanted = wanted @ world.end_use
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

    demand_value = (outcome.final_ref + outcome.production @ world.inputs) * base_value
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

    processed = world.stage_of >= STAGES.index("refined")
    processed_value = (outcome.production * price_usd.T)[:, processed].sum(1)
    processed_exports = imports[processed].sum(axis=(0, 1))
    export_share = processed_exports / max(processed_exports.sum(), 1e-300)
    gdp_step = world.gdp

    metrics = {
        "import_bill": import_bill,
        "export_revenue": export_revenue,
        "tariff_revenue": tariff_revenue,
        "shortage_share": shortage_share,
        "stock_cover_days": stock_cover_days,
        "china_dependence": china_dependence,
        "hhi": hhi,
        "processed_value": processed_value,
        "export_share": export_share,
        "subsidy_spend": subsidy,
        "industry_output": industry_output,
    }
    for k, name in enumerate(INDUSTRIES):
        metrics[f"industry_{name}"] = industry[:, k]
    if base is None:
        return metrics

    trade_scale = base["import_bill"] + base["export_revenue"] + 1e-6 * gdp_step
    net_change = (export_revenue - base["export_revenue"]) - (import_bill - base["import_bill"])
    # An economy cannot lose more than its output: the index stops at 0, whatever the multiplier.
    metrics["gdp_index"] = np.maximum(
        1.0 + (net_change - gdp_multiplier * missing.sum(1)) / gdp_step, 0.0
    )
    indices = {
        "supply_security": 1.0 - shortage_share,
        "industry_output": industry_output,
        "export_revenue": _ratio(export_revenue, base["export_revenue"], 1e-6 * gdp_step),
        "domestic_refining": _ratio(processed_value, base["processed_value"], 1e-6 * gdp_step),
        "leverage": _ratio(export_share, base["export_share"], np.full(C, 1e-3)),
        "fiscal": np.clip(1.0 + (tariff_revenue - subsidy + paid_in) / trade_scale, 0.0, INDEX_CAP),
    }
    metrics["score"] = 100.0 * sum(
        world.objectives[:, k] * indices[name] for k, name in enumerate(OBJECTIVES)
    )
    return metrics


def price_volatility(history: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Std of quarterly log changes of each economy's price indices, use-weighted (C,)."""
    if len(history) < 2:
        return np.zeros(weights.shape[0])
    recent = np.log(np.stack(history[-(VOLATILITY_WINDOW + 1) :]))  # (T, G, C)
    spread = np.diff(recent, axis=0).std(axis=0).T  # (C, G)
    total = weights.sum(1)
    return np.divide((spread * weights).sum(1), total, out=np.zeros_like(total), where=total > 0)
