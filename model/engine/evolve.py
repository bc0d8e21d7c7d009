"""Between quarters: capacity answers prices with build lags, shocks come and go.

Investors watch a smoothed producer price: a sustained price above the hurdle orders
new capacity, which arrives after the good's build lag. Announced projects keep capacity
growing with expected demand, so a quiet world stays near its base prices.
"""

import numpy as np

from agents.actions import Shock
from model.data.world_data import WorldData
from model.engine.state import Shock as ActiveShock
from model.engine.state import State

TREND_WEIGHT = 0.25  # weight of the newest quarter in the smoothed price: about a year's memory


def order_capacity(state: State, step: int, when: np.ndarray, tonnes: np.ndarray) -> None:
    """Add ``tonnes`` (C, G) to the pipeline, each good arriving at ``when[g]``."""
    for g in np.flatnonzero(tonnes.any(axis=0)):
        arriving = state.pipeline.setdefault(int(when[g]), np.zeros_like(state.capacity))
        arriving[:, g] += tonnes[:, g]


def arrival_steps(world: WorldData, step: int) -> np.ndarray:
    return step + np.maximum(world.build_lag.round().astype(int), 1)


def demand_path(world: WorldData, last_step: int) -> np.ndarray:
    """Expected world demand per good for steps 0..last_step, (T, G), inputs included.

    Final use grows at each good's rate; a processed good's growth pulls its inputs along
    (more magnets need more oxide), so goods are filled from the last stage back.
    """
    steps = np.arange(last_step + 1)[:, None]
    total = world.final_demand0.sum(axis=0) * (1.0 + world.growth) ** steps
    for g in np.argsort(-world.stage_of, kind="stable"):
        total = total + total[:, [g]] * world.inputs[g]
    return total


def projects_under_way(world: WorldData, capacity0: np.ndarray) -> dict[int, np.ndarray]:
    """Capacity already being built at the start, keeping pace with expected demand."""
    lags = np.maximum(world.build_lag.round().astype(int), 1)
    path = demand_path(world, int(lags.max()))
    relative = np.divide(path, path[0], out=np.ones_like(path), where=path[0] > 0)
    return {
        step: capacity0 * (lags >= step) * (relative[step] - relative[step - 1])
        for step in range(1, int(lags.max()) + 1)
    }


def invest(world: WorldData, parameters: dict[str, float], state: State, step: int) -> None:
    state.price_trend = (1 - TREND_WEIGHT) * state.price_trend + TREND_WEIGHT * state.price
    hurdle = 1.0 + parameters["hurdle_margin"]
    # An offtake contract's price floor counts as the price the producer will get.
    expected = np.maximum(state.price_trend, state.price_support)
    margin = np.maximum(expected.T / hurdle - 1.0, 0.0)
    when = arrival_steps(world, step)
    # Announced projects: what expected demand adds in the quarter the capacity arrives,
    # relative to today's demand.
    path = demand_path(world, int(when.max()))
    goods = np.arange(len(world.goods))
    announced = np.divide(
        path[when, goods] - path[when - 1, goods],
        path[step, goods],
        out=np.zeros(len(goods)),
        where=path[step, goods] > 0,
    )
    orders = state.capacity * (announced + parameters["investment_rate"] * margin)
    order_capacity(state, step, when, orders)


def adjust_demand(world: WorldData, state: State) -> None:
    """Final demand moves from its short-run towards its long-run price response.

    Partial adjustment: each quarter a share 1/adjustment_quarters of the gap closes
    between today's demand shift and (ε_long − ε_short)·log(price paid), so a price that
    lasts is met by thrifting and substitution, and demand comes back when it falls.
    """
    paid = np.clip(state.paid.T, 1e-3, None)
    target = (world.long_run_elasticity - world.demand_elasticity) * np.log(paid)
    speed = 1.0 / world.adjustment_quarters
    state.demand_shift += speed * (target - state.demand_shift)


def commission(state: State, step: int) -> np.ndarray:
    """Capacity due this step comes online; returns what arrived."""
    arrived = state.pipeline.pop(step, np.zeros_like(state.capacity))
    state.capacity += arrived
    return arrived


def expire_shocks(state: State, step: int) -> list[ActiveShock]:
    ended = [s for s in state.shocks if s.until < step]
    state.shocks = [s for s in state.shocks if s.until >= step]
    return ended


def random_shocks(
    world: WorldData, parameters: dict[str, float], state: State, rng: np.random.Generator
) -> list[Shock]:
    """Mine outages drawn from the model's generator (same seed, same shocks)."""
    mined = np.flatnonzero(world.stage_of == 0)
    C = len(world.codes)
    hit = rng.random((C, mined.size)) < parameters["shock_rate"]
    factor = rng.uniform(
        parameters["shock_min_factor"], parameters["shock_max_factor"], (C, mined.size)
    )
    duration = rng.integers(1, int(parameters["shock_max_duration"]) + 1, (C, mined.size))
    hit &= state.capacity[:, mined] > 0
    shocks = []
    for c, k in zip(*np.nonzero(hit), strict=True):
        mineral, stage = world.goods[mined[k]]
        shocks.append(
            Shock(world.codes[c], mineral, stage, float(factor[c, k]), int(duration[c, k]))
        )
    return shocks
