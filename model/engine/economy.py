"""One quarter of the economy: clear mined, then refined, then magnet markets.

Stages clear in order because each needs the one before: a refinery can only run on the
ore it bought, a magnet maker on the oxide it bought, so a cap upstream propagates down.
Within a stage, all minerals clear at once (see markets.py).
"""

from dataclasses import dataclass

import numpy as np

from model.data.world_data import STAGES, WorldData
from model.engine.calibration import armington_weights, base_flows, weights_per_capacity
from model.engine.markets import TOLERANCE, Market, clear
from model.engine.state import State


@dataclass(frozen=True)
class Calibration:
    """Base-year quantities the economy is measured against."""

    flows: np.ndarray  # (G, I, J) t/step at base prices
    weights: np.ndarray  # (G, I, J) Armington weights at base
    preference: np.ndarray  # (G, I, J) weight per tonne of exporter capacity
    index0: np.ndarray  # (G, I) base price index, relative
    trade_wedge: np.ndarray  # (G, I, J) 1 + trade cost between economies
    capacity0: np.ndarray  # (C, G)
    sigma: np.ndarray  # (G,) elasticity of substitution between sources of each good


def calibrate(world: WorldData, parameters: dict[str, float]) -> Calibration:
    C, G = world.production0.shape
    # Freight is a share of value, so it differs by good: bulk ore pays far more than metal.
    trade_cost = world.per_good("trade_cost", parameters)
    off_diagonal = ~np.eye(C, dtype=bool)
    trade_wedge = 1.0 + trade_cost[:, None, None] * off_diagonal[None]
    sigma = world.per_good("armington_sigma", parameters)
    flows = base_flows(world, parameters["spread_share"])
    capacity0 = world.production0 / parameters["base_utilisation"]
    weights, index0 = armington_weights(
        flows, trade_wedge, sigma, world.production0.T, world.routes
    )
    preference = weights_per_capacity(weights, capacity0.T)
    if world.routes is not None:  # new capacity does not open a closed route either
        preference = preference * world.routes
    return Calibration(flows, weights, preference, index0, trade_wedge, capacity0, sigma)


@dataclass
class Outcome:
    """What one step's clearing produced, per economy and good."""

    price: np.ndarray  # (G, C) producer prices, relative
    index: np.ndarray  # (G, C) delivered price index paid by each importer, relative
    flows: np.ndarray  # (G, I, J) tonnes
    production: np.ndarray  # (C, G)
    final_ref: np.ndarray  # (C, G) final use wanted at base prices
    final_use: np.ndarray  # (C, G) final use served
    unmet: np.ndarray  # (C, G) rationed at the choke price
    released: np.ndarray  # (C, G) drawn from stockpiles
    iterations: int
    converged: bool


def growth_factor(world: WorldData, step: int) -> np.ndarray:
    return (1.0 + world.growth) ** step


def clear_step(
    world: WorldData,
    calibration: Calibration,
    parameters: dict[str, float],
    state: State,
    step: int,
    tolerance: float = TOLERANCE,
) -> Outcome:
    """Clear every market for ``step``; updates prices and stocks in ``state``."""
    C, G = state.capacity.shape
    utilisation = parameters["base_utilisation"]
    growth = growth_factor(world, step)
    final_ref = world.final_demand0 * growth * state.demand_factor(step)  # demand events
    # Producers plan output at the smoothed price (as investors do) and buy inputs for it;
    # planning at last quarter's price alone makes a cobweb when demand is inelastic.
    planned = state.capacity * np.minimum(
        utilisation * state.price_trend.T**world.supply_elasticity, 1.0
    )
    input_ref = planned @ world.inputs
    total_ref = final_ref + input_ref
    final_share = np.divide(final_ref, total_ref, out=np.ones_like(final_ref), where=total_ref > 0)
    available = np.full((C, G), np.inf)  # inputs on hand for producers, t
    # Stocks are released into shortages: after the market, up to what users still miss.
    release_share = parameters["stock_release_share"]
    ordered_release = np.maximum(-state.stock_orders, 0.0)
    release = np.zeros((C, G))
    buys = np.maximum(state.stock_orders, 0.0)
    limit = state.capacity * state.shock_factor(step)

    price = state.price.copy()
    index = np.ones((G, C))
    flows = np.zeros((G, C, C))
    unmet = np.zeros((C, G))
    used = np.zeros((C, G))
    iterations, converged = 0, True
    stage_of = world.stage_of
    for stage in range(len(STAGES)):
        goods = np.flatnonzero(stage_of == stage)
        if goods.size == 0:
            continue
        # Output is limited by the scarcest input: at most planned × (input got / input needed).
        needs = world.inputs[goods]  # (g, inputs)
        fill = np.ones((C, goods.size))
        for k in np.flatnonzero(needs.any(axis=0)):
            ratio = np.divide(
                available[:, k], input_ref[:, k], out=np.ones(C), where=input_ref[:, k] > 0
            )
            fill = np.where(needs[:, k] > 0, np.minimum(fill, ratio[:, None]), fill)
        stage_limit = np.minimum(
            limit[:, goods], np.where(needs.any(axis=1), planned[:, goods] * fill, np.inf)
        )

        capacity = state.capacity[:, goods].T
        weights = calibration.preference[goods] * capacity[:, None, :]
        row_total = weights.sum(axis=2, keepdims=True)
        base_total = calibration.weights[goods].sum(axis=2, keepdims=True)
        weights *= np.divide(
            base_total, row_total, out=np.zeros_like(row_total), where=row_total > 0
        )
        level = state.export_level[goods]
        normal = calibration.flows[goods] * growth[goods][:, None, None]
        caps = np.where(level < 1.0, level * normal, np.inf)
        caps[:, np.arange(C), np.arange(C)] = np.inf
        market = Market(
            weights=weights,
            wedge=calibration.trade_wedge[goods] * (1.0 + state.effective_tariff()[goods]),
            demand_ref=total_ref[:, goods].T,
            index_ref=calibration.index0[goods],
            elasticity=world.demand_elasticity[goods],
            adjustment=buys[:, goods].T,
            capacity=capacity,
            limit=stage_limit.T,
            utilisation=utilisation,
            supply_elasticity=world.supply_elasticity[goods],
            floor=parameters["price_floor_share"],
            choke=parameters["choke_price_multiple"],
            sigma=calibration.sigma[goods],
            caps=caps if np.isfinite(caps).any() else None,
        )
        result = clear(market, start=state.price[goods], tolerance=tolerance)
        price[goods], index[goods], flows[goods] = result.price, result.index, result.flows
        unmet[:, goods] = result.unmet.T
        iterations = max(iterations, result.iterations)
        converged &= result.converged
        bought = result.flows.sum(axis=2).T  # (C, g)
        wanted = np.maximum(result.demand.T, 1e-300)
        to_stock = buys[:, goods] * np.minimum(bought / wanted, 1.0)
        gap = np.maximum(total_ref[:, goods] - (bought - to_stock), 0.0)
        release[:, goods] = np.minimum(
            np.minimum(release_share * gap + ordered_release[:, goods], gap), state.stock[:, goods]
        )
        used[:, goods] = bought - to_stock + release[:, goods]
        state.stock[:, goods] += to_stock - release[:, goods]
        available[:, goods] = used[:, goods] * (1.0 - final_share[:, goods])

    state.price = price
    state.paid = index / calibration.index0
    final_use = used * final_share
    return Outcome(
        price=price,
        index=index,
        flows=flows,
        production=flows.sum(axis=1).T,
        final_ref=final_ref,
        final_use=final_use,
        unmet=unmet,
        released=release,
        iterations=iterations,
        converged=bool(converged),
    )
