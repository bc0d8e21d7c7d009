"""Between quarters: capacity answers margins with build lags, demand adjusts, shocks
come and go.

Investors watch a smoothed producer price against each producer's own cash cost.
Announced projects keep capacity growing with expected demand and replace what retires;
above that, a margin above normal raises the capacity a producer aims for, and the gap to
capacity in hand or on order is ordered where a new plant pays back its capex, arriving
after the good's build lag. Loss-making or idle plants are mothballed and restarted.
Final demand moves from its short-run towards its long-run price response.
"""

import numpy as np

from agents.actions import Shock
from model.data.world_data import WorldData
from model.engine.economy import unit_cost_index
from model.engine.state import Shock as ActiveShock
from model.engine.state import State

TREND_WEIGHT = 0.25  # weight of the newest quarter in the smoothed price: about a year's memory
# Long-run supply: target capacity ∝ (expected margin / base margin)^LONG_RUN_SUPPLY.
# Assumption within the new-mine tonnage elasticity of 0.52 and the Cu (DRC) long-run 0.63
# (Ryter et al.; Banks 1974; wave2 costs/elasticities.csv).
LONG_RUN_SUPPLY = 0.5
SCRAP_RATE = 0.05  # assumption: a mothballed plant is closed for good after about 5 years
BUSY = 0.9  # share of base utilisation below which a producer sees no need for more plant
# Mothballed capacity shrinks by shares (restarts, scrapping, depreciation), never to zero:
# below this share of its capacity a producer has none left to restart.
IDLE_LEFT = 1e-3
MAX_MARGIN_RATIO = 16.0  # at most 4× the capacity target, however high the margin


def order_capacity(state: State, step: int, when: np.ndarray, tonnes: np.ndarray) -> None:
    """Add ``tonnes`` (C, G) to the pipeline, each good arriving at ``when[g]``: the goods
    due together at once, new arrival steps in the order of their first good."""
    ordered = np.flatnonzero(tonnes.any(axis=0))
    due = when[ordered]
    for step_due in dict.fromkeys(due.tolist()):  # distinct, in order of first appearance
        goods = ordered[due == step_due]
        arriving = state.pipeline.setdefault(step_due, np.zeros_like(state.capacity))
        arriving[:, goods] += tonnes[:, goods]


def arrival_steps(world: WorldData, step: int) -> np.ndarray:
    return step + np.maximum(world.build_lag.round().astype(int), 1)


def demand_path(world: WorldData, last_step: int) -> np.ndarray:
    """Expected world demand per good for steps 0..last_step, (T, G), inputs included.

    Final use grows at each good's rate; a processed good's growth pulls its inputs along
    (more magnets need more oxide), so goods are filled from the last stage back.
    """
    steps = np.arange(last_step + 1)[:, None]
    return (world.final_demand0.sum(axis=0) * (1.0 + world.growth) ** steps) @ world.requirements


def projects_under_way(
    world: WorldData, capacity0: np.ndarray, depreciation: float = 0.0
) -> dict[int, np.ndarray]:
    """Capacity already being built at the start, keeping pace with expected demand and
    replacing what retires (``depreciation`` per step) until new orders arrive."""
    lags = np.maximum(world.build_lag.round().astype(int), 1)
    path = demand_path(world, int(lags.max()))
    relative = np.divide(path, path[0], out=np.ones_like(path), where=path[0] > 0)
    return {
        step: capacity0
        * (lags >= step)
        * (relative[step] - relative[step - 1] + (step > 1) * depreciation * relative[step - 2])
        for step in range(1, int(lags.max()) + 1)
    }


def recorded_projects(world: WorldData, first_quarter: int) -> dict[int, np.ndarray]:
    """Capacity the sources date (projects.csv), by the step it comes online.

    A project arrives in equal parts over its quarters; what was due before the scenario's
    first quarter is there from step 1, on top of the base year's capacity.
    """
    arrivals: dict[int, np.ndarray] = {}
    for c, g, tonnes, first, last in world.projects if world.projects is not None else ():
        quarters = np.arange(int(first), int(last) + 1)
        for quarter in quarters:
            step = max(int(quarter) - first_quarter + 1, 1)
            cell = arrivals.setdefault(step, np.zeros_like(world.production0))
            cell[int(c), int(g)] += tonnes / quarters.size
    return arrivals


def unit_margin(world: WorldData, state: State, price: np.ndarray) -> np.ndarray:
    """Cash margin per tonne (USD) of each producer at ``price`` (G, C, relative), (C, G).

    A processor pays its inputs at last quarter's delivered prices; every producer pays its
    own cash cost (costs.csv).
    """
    cost = world.base_unit_cost * unit_cost_index(world, state.paid, state.input_shift)
    cost = cost * world.price0
    return price.T * world.price0 - cost


def coalition_floors(world: WorldData, state: State) -> np.ndarray:
    """(G, C) the price floor a coalition guarantees its members' processed goods, relative.

    The club's floor tariff keeps outsiders from selling below it in members' markets, so
    members' investors count on it as they count on an offtake floor.
    """
    floors = np.zeros((len(world.goods), len(world.codes)))
    processed = world.stage_of > 0
    for club in state.coalitions.values():
        if club.price_floor <= 0:
            continue
        members = [world.country(code) for code in club.members if code in world.codes]
        floors[np.ix_(processed, members)] = np.maximum(
            floors[np.ix_(processed, members)], club.price_floor
        )
    return floors


def contract_strikes(state: State) -> np.ndarray:
    """(G, C) the strike of each contract for difference that still has money, relative."""
    if state.cfd_usd is None:
        return np.zeros_like(state.price)
    return np.where(state.cfd_usd.T > 0, state.cfd_strike, 0.0)


def contract_expectation(
    world: WorldData, parameters: dict[str, float], state: State
) -> np.ndarray:
    """(G, C) the price investors expect from contracts for difference, relative.

    The strike counts for as much of a new plant's life as the contract's money pays the
    gap at today's output: a fund that lasts a quarter does not make a 20-year plant pay.
    """
    if state.cfd_usd is None or not (state.cfd_usd > 0).any():  # no contract: most runs
        return np.zeros_like(state.price)
    gap = np.maximum(state.cfd_strike - state.price_trend, 0.0)  # (G, C)
    payout = gap.T * world.price0 * state.capacity * parameters["base_utilisation"]  # (C, G)
    quarters = np.divide(state.cfd_usd, payout, out=np.full_like(payout, np.inf), where=payout > 0)
    life = parameters["plant_life_years"] * world.steps_per_year
    weight = np.minimum(quarters / life, 1.0).T
    return np.where(state.cfd_usd.T > 0, state.price_trend + weight * gap, 0.0)


def grant_per_tonne(state: State, capex: np.ndarray) -> np.ndarray:
    """(C, G) USD of a new tonne-per-step of capacity that a capital grant still pays."""
    if state.grant_usd is None or not (state.grant_usd > 0).any():
        return np.zeros_like(capex)
    return np.where(state.grant_usd > 0, state.grant_share * capex, 0.0)


def pay_contracts(world: WorldData, state: State, production: np.ndarray) -> np.ndarray:
    """Pay producers under contracts for difference the gap to the strike; (C, G) USD paid.

    Each contract pays from its own money until that is spent; then it ends. A payment
    goes from the government to the economy's own producers: no cost to the economy
    (policies.spending), recorded in ``state.contract_paid``.
    """
    if state.cfd_usd is None:
        return np.zeros_like(production)
    gap = np.maximum(contract_strikes(state) - state.price, 0.0).T * world.price0
    paid = np.minimum(gap * production, state.cfd_usd)
    state.cfd_usd = state.cfd_usd - paid
    state.contract_paid = paid.sum(axis=1)
    return paid


def payback_gap(
    world: WorldData, parameters: dict[str, float], state: State, price: np.ndarray
) -> np.ndarray:
    """(C, G) USD per tonne-per-step by which a new plant's capex exceeds what its margin
    at ``price`` (G, C, relative) pays back over its life (0 where it pays)."""
    value = lifetime_value(world, parameters, unit_margin(world, state, price))
    return np.maximum(world.plant_capex - value, 0.0)


def lifetime_value(
    world: WorldData, parameters: dict[str, float], margin: np.ndarray
) -> np.ndarray:
    """(C, G) USD a new tonne-per-step of capacity earns over its life at ``margin``, run at
    the base utilisation and discounted: what its capex is weighed against."""
    return margin * parameters["base_utilisation"] * annuity(parameters, world.steps_per_year)


def annuity(parameters: dict[str, float], steps_per_year: int) -> float:
    """Present value of 1 USD a quarter over a plant's life at the stated discount rate."""
    rate = (1.0 + parameters["discount_rate"]) ** (1.0 / steps_per_year) - 1.0
    quarters = parameters["plant_life_years"] * steps_per_year
    return quarters if rate == 0 else (1.0 - (1.0 + rate) ** -quarters) / rate


def invest(world: WorldData, parameters: dict[str, float], state: State, step: int) -> None:
    """Order capacity that sees its pipeline; depreciate; idle loss-makers and restart them.

    Producers that cover their cash cost keep announced projects going (expected demand
    growth plus replacement). Above that, a producer aims for capacity scaled by its
    expected margin against its base margin (the long-run supply response) and orders a
    share 1/investment_adjustment_quarters of the gap between that target and capacity in
    hand or on order, so nothing is ordered twice, and only where a new plant pays: the
    margin at the expected price (an offtake floor counts as the price it will get) over
    the plant's life at the discount rate covers its own capex (costs.csv multiple).
    """
    state.price_trend = (1 - TREND_WEIGHT) * state.price_trend + TREND_WEIGHT * state.price
    expected = np.maximum.reduce(
        [
            state.price_trend,
            state.price_support,
            coalition_floors(world, state),
            contract_expectation(world, parameters, state),
        ]
    )
    margin = unit_margin(world, state, expected)  # (C, G) USD/t
    base_margin = (1.0 - world.base_unit_cost) * world.price0
    capex = world.plant_capex  # USD per t/step
    grant = grant_per_tonne(state, capex)
    utilisation = parameters["base_utilisation"]
    value = lifetime_value(world, parameters, margin)
    pays = value >= capex - grant

    when = arrival_steps(world, step)
    path = demand_path(world, int(when.max()))
    goods = np.arange(len(world.goods))
    # Announced projects: what expected demand adds by the time capacity arrives, plus
    # replacement of what retires, for every producer that covers its cash cost.
    announced = np.divide(
        path[when, goods] - path[when - 1, goods],
        path[step, goods],
        out=np.zeros(len(goods)),
        where=path[step, goods] > 0,
    )
    growth = np.divide(
        path[when, goods], path[step, goods], out=np.ones(len(goods)), where=path[step, goods] > 0
    )
    depreciation = parameters["depreciation_rate"] / world.steps_per_year
    routine = state.capacity * (announced + depreciation) * (margin > 0)
    # Beyond them, a return on capital above normal (a margin above normal, or a capital
    # grant paying part of the capex) raises the capacity a producer aims for; the gap to
    # capacity in hand or on order is closed over the adjustment time, where it pays.
    ratio = np.maximum(margin, 0.0) / np.maximum(base_margin, 1e-9 * world.price0)
    ratio = ratio * capex / np.maximum(capex - grant, 1e-9 * capex)
    response = np.minimum(ratio, MAX_MARGIN_RATIO) ** LONG_RUN_SUPPLY
    on_order = sum(
        (arriving for arriving in state.pipeline.values()), np.zeros_like(state.capacity)
    )
    target = state.capacity * growth * response
    gap = np.maximum(target - (state.capacity + on_order), 0.0)
    # A producer whose plants stand idle (no inputs, no buyers) does not build more.
    running = np.maximum(state.capacity - state.mothballed, 0.0) * state.shock_factor(step)
    busy = state.last_output >= BUSY * utilisation * running
    # Nor one with plants mothballed: it restarts them before it builds.
    full = busy & (state.mothballed <= IDLE_LEFT * state.capacity)
    extra = np.where(pays & full, gap / parameters["investment_adjustment_quarters"], 0.0)
    # Plants that pay only with a grant are ordered only as far as its money reaches.
    money = np.zeros_like(grant) if state.grant_usd is None else state.grant_usd
    funded = np.divide(money, grant, out=np.full_like(grant, np.inf), where=grant > 0)
    extra = np.where(value >= capex, extra, np.minimum(extra, funded))
    order_capacity(state, step, when, routine + extra)
    if state.grant_usd is not None:  # grants pay their share of what is ordered
        paid = np.minimum(grant * (routine + extra), state.grant_usd)
        state.grant_usd = state.grant_usd - paid
        state.grant_paid = paid.sum(axis=1)

    retired = depreciation * state.capacity
    state.capacity -= retired
    state.mothballed *= 1.0 - depreciation
    # Idle capacity whose cash margin at the smoothed price is negative, and capacity left
    # standing for want of inputs or buyers; restart it when the margin is back above a
    # tenth of the price and the plants still running are busy. Idle plants are scrapped
    # over time.
    running = np.maximum(state.capacity - state.mothballed, 0.0)
    losing = running * (margin < 0)
    unused = np.where(busy, 0.0, np.maximum(running - state.last_output / utilisation, 0.0))
    idle = parameters["mothball_rate"] * np.maximum(losing, unused)
    restart = busy & (margin > 0.1 * expected.T * world.price0)
    back = parameters["restart_rate"] * state.mothballed * restart
    scrapped = SCRAP_RATE * state.mothballed
    state.capacity -= scrapped
    state.mothballed = np.clip(state.mothballed - scrapped + idle - back, 0.0, state.capacity)


def adjust_demand(world: WorldData, state: State) -> None:
    """Final demand moves from its short-run towards its long-run price response.

    Partial adjustment: each quarter a share 1/adjustment_quarters of the gap closes
    between today's demand shift and (ε_long − ε_short)·log(marginal price), so a price
    that lasts is met by thrifting and substitution, and demand comes back when it falls.
    Users weigh the price of the marginal tonne (under an export quota, the free sources'
    price, not the average that cheap capped tonnes pull down).
    """
    paid = np.clip(state.marginal.T, 1e-3, None)
    target = (world.long_run_elasticity - world.demand_elasticity) * np.log(paid)
    speed = 1.0 / world.adjustment_quarters
    state.demand_shift += speed * (target - state.demand_shift)
    # Processors thrift an input the same way (less Dy per magnet), from a fixed recipe in
    # the short run towards its long-run intensity elasticity.
    lean = world.intensity_elasticity * np.log(paid)
    state.input_shift += speed * (lean - state.input_shift)


def build_smuggling(world: WorldData, parameters: dict[str, float], state: State) -> None:
    """Smuggling grows where an export control leaves a price gap, and fades where none.

    Each quarter a share 1/smuggling_quarters of the gap closes between the share of the
    withheld exports smuggled and its target: the exporter's most (smuggling.csv) times
    the price gap's share of the importer's marginal price, 1 − p_j (1 + τ_ij) / m_i. A
    control whose rent lasts leaks more each quarter (China's rare earths, 2011); 0 in
    smuggling.csv (every exporter of the 2024 world) means controls hold.
    """
    most = world.smuggling
    if most is None or not most.any():
        return
    controlled = state.export_level < 1.0
    if state.smuggled is None:
        if not controlled.any():
            return
        state.smuggled = np.zeros_like(state.export_level)
    # The smuggler's margin: what the importer pays for a free tonne over what a smuggled
    # one costs it at the exporter's price and the importer's tariff (a tonne that slips
    # past the exporter's control is still taxed at the importer's border).
    landed = state.price[:, None, :] * (1.0 + state.effective_tariff())
    gap = np.nan_to_num(1.0 - landed / np.maximum(state.marginal[:, :, None], 1e-9))
    target = np.where(controlled, most[:, None, :] * np.clip(gap, 0.0, 1.0), 0.0)
    state.smuggled += (target - state.smuggled) / parameters["smuggling_quarters"]


def smuggled_share(state: State, flows: np.ndarray) -> np.ndarray | None:
    """(G, J) the share of each exporter's withheld trade that smugglers carry, weighed by
    withheld tonnes (normal ``flows`` × (1 − level)); None where nothing is smuggled."""
    if state.smuggled is None:
        return None
    withheld = flows * (1.0 - state.export_level)
    total = withheld.sum(axis=1)
    carried = (state.smuggled * withheld).sum(axis=1)
    return np.divide(carried, total, out=np.zeros_like(total), where=total > 0)


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
