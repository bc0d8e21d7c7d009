"""One quarter of the economy: clear mined, then refined, then magnet markets.

Stages clear in order because each needs the one before: a refinery can only run on the
ore it bought, a magnet maker on the oxide it bought, so a cap upstream propagates down.
Within a stage, all minerals clear at once (see markets.py).
"""

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from model.data.world_data import DAYS_PER_YEAR, STAGES, WorldData
from model.engine.calibration import armington_weights, base_flows, weights_per_capacity
from model.engine.kept import Kept
from model.engine.markets import TOLERANCE, Clearing, Market, clear_each, one_blas_thread
from model.engine.state import State

THREAT_MEMORY = 0.25  # share of a new export threat users get used to each quarter


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
    weight_total: np.ndarray  # (G, I, 1) each importer's Armington weights summed, at base


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
    weight_total = weights.sum(axis=2, keepdims=True)
    return Calibration(
        flows, weights, preference, index0, trade_wedge, capacity0, sigma, weight_total
    )


CALIBRATIONS_KEPT = 8  # calibrations kept at once (a sweep varies its parameters)
_calibrated: Kept[tuple[WorldData, Calibration]] = Kept(CALIBRATIONS_KEPT)


def calibrated(world: WorldData, parameters: dict[str, float]) -> Calibration:
    """``calibrate``, once per world data and parameters in a process: a sweep's runs and
    a World's reference path share it. Balancing the base flows was a tenth of a
    40-quarter run, done twice. Its arrays are read-only, so nobody changes a shared one."""

    def make() -> tuple[WorldData, Calibration]:
        calibration = calibrate(world, parameters)
        for array in vars(calibration).values():
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
        return world, calibration  # the world kept with it: its id is not reused

    return _calibrated.get((id(world), tuple(sorted(parameters.items()))), make)[1]


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
    # The books of every economy and good (all t): what users bought, put into state
    # stockpiles, and processors used as inputs; with final_use and released they explain
    # every change of the commercial inventory.
    bought: np.ndarray
    stocked: np.ndarray | None = None
    input_used: np.ndarray | None = None
    recycled: np.ndarray | None = None  # secondary supply into users' stocks (secondary.csv)


def growth_factor(world: WorldData, step: int) -> np.ndarray:
    return (1.0 + world.growth) ** step


def unit_cost_index(
    world: WorldData, paid: np.ndarray, input_shift: np.ndarray | None = None
) -> np.ndarray:
    """Each producer's unit cash cost relative to its base cost, (C, G).

    A processor's cost is its inputs at the delivered prices it pays (``paid``, (G, C),
    relative) on the tonnes it uses of each (``input_shift``, (C, G): thrifting) plus its
    own conversion cost; a mine's cost does not move with prices.
    """
    return _unit_cost(world, paid, None if input_shift is None else np.exp(input_shift))


def _unit_cost(world: WorldData, paid: np.ndarray, intensity: np.ndarray | None) -> np.ndarray:
    """``unit_cost_index`` with ``intensity`` = exp(input_shift) (a quarter computes it once)."""
    per_input = paid.T if intensity is None else paid.T * intensity
    input_cost = per_input @ world.input_value.T  # (C, G); input_value: shares of p0
    relative = (input_cost + world.cash_cost) / np.maximum(world.base_unit_cost, 1e-12)
    return np.where(world.processed, relative, 1.0)


def secondary_supply(world: WorldData, state: State, step: int) -> np.ndarray:
    """Recycled feed each economy's users get this quarter, (C, G) t (secondary.csv).

    Scrap and black mass are collected and sold at home at last quarter's delivered price:
    the base tonnes grow with the good's demand and answer that price with the rows'
    elasticity (recycled cobalt salts rose 40 % in a month as hydroxide doubled in 2025;
    wave2 history/drc_cobalt_2025.csv).
    """
    if world.secondary0 is None:  # the world has no secondary.csv, or it lists nothing
        return np.zeros_like(state.inventory)
    price = np.maximum(state.paid.T, 1e-3)
    return world.secondary0 * growth_factor(world, step) * price**world.secondary_elasticity


def marginal_price(flows, price, index, caps, tariffed: np.ndarray, index0) -> np.ndarray:
    """What the tonnes each importer buys freely cost on average, relative to its base, (G, I).

    Under an export cap the capped tonnes come cheap and the rest at the free sources'
    price: that last price is the one users weigh when they redesign or substitute. Not the
    dearest free source: under Armington shares a trickle from a dear producer would set it.
    ``flows``, ``caps`` (or None) and ``tariffed`` (1 + the tariff) are (G, I, J); ``price``
    producer prices (G, J); ``index`` the importers' price indices (G, I).
    """
    total = flows.sum(axis=2, keepdims=True)
    free = flows > 1e-9 * total
    if caps is not None:
        free &= flows < caps * (1.0 - 1e-9)
    tonnes = np.where(free, flows, 0.0)
    bought = tonnes.sum(axis=2)
    spent = ((tonnes * tariffed) @ price[:, :, None])[:, :, 0]  # Σ_j x p_j (1 + tariff)
    average = np.divide(spent, bought, out=np.zeros_like(bought), where=bought > 0)
    return np.where(bought > 0, average, index / index0)


def threatened_share(exported: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Share of each economy's normal purchases under export controls, (C, G); ``exported``
    is what the controls let through (``State.effective_export_level``)."""
    n_goods, n_economies = calibration.flows.shape[:2]
    share = np.zeros((n_economies, n_goods))
    controlled = np.flatnonzero((exported < 1.0).any(axis=(1, 2)))
    if controlled.size:  # most quarters control few goods, or none
        normal = calibration.flows[controlled]
        level = np.minimum(exported[controlled], 1.0)
        cut = (normal * (1.0 - level)).sum(axis=2)
        total = normal.sum(axis=2)
        share[:, controlled] = np.divide(cut, total, out=np.zeros_like(cut), where=total > 0).T
    return share


def passed_down(world: WorldData, calibration: Calibration, threat: np.ndarray) -> np.ndarray:
    """``threat`` (C, G) with the threat to processors' inputs passed on to their buyers.

    A ban on ore threatens the users of the metal made from it before any metal is short:
    refined cobalt and sulphate rose 37-80 % within days of the DR Congo's 2025 ban on
    hydroxide (wave2 history/drc_cobalt_2025.csv). Each economy's threat on a processed good
    is at least its normal suppliers' share of output made from a threatened input (the
    most threatened of a good's inputs), stage by stage, so magnet users see a cut of ore.
    """
    if not threat.any():
        return threat
    threat = threat.copy()
    uses = world.inputs > 0  # (G, G)
    for stage in range(1, len(STAGES)):
        goods = np.flatnonzero(world.stage_of == stage)
        at_risk = (threat[:, None, :] * uses[goods][None]).max(axis=2)  # each maker, (J, g)
        if not at_risk.any():
            continue
        normal = calibration.flows[goods]  # (g, I, J)
        via = np.matmul(normal, at_risk.T[:, :, None])[..., 0]  # (g, I)
        total = normal.sum(axis=2)
        share = np.divide(via, total, out=np.zeros_like(via), where=total > 0)
        threat[:, goods] = np.maximum(threat[:, goods], share.T)
    return threat


def clear_step(
    world: WorldData,
    calibration: Calibration,
    parameters: dict[str, float],
    state: State,
    step: int,
    tolerance: float = TOLERANCE,
) -> Outcome:
    """Clear every market for ``step``; updates prices, stockpiles and inventories in ``state``.

    Users buy what they expect to use plus a share of the gap to their target inventory
    (days of cover, lower when prices are high, higher when supply is threatened).
    Processors buy inputs for the output they expect at the smoothed price against their
    unit cost; within the quarter they produce, up to capacity, whatever the price pays
    for, from the inputs on hand (stock plus this quarter's purchases). Nothing bought is
    lost: what is not used stays in the inventory for the next quarter.
    """
    return clear_each(clearings(world, calibration, parameters, state, step), tolerance)


def clearings(
    world: WorldData,
    calibration: Calibration,
    parameters: dict[str, float],
    state: State,
    step: int,
) -> Generator[tuple[Market, np.ndarray], Clearing, Outcome]:
    """``clear_step`` handing out each stage's (market, start) and taking its clearing
    back, so that a sweep can clear many runs' markets together (markets.clear_together)."""
    with one_blas_thread():  # held while suspended too: a stage's economy is in its scope
        C, G = state.capacity.shape
        utilisation = parameters["base_utilisation"]
        growth = growth_factor(world, step)
        days_per_step = DAYS_PER_YEAR / world.steps_per_year
        # Demand events (a boom, a substitution breakthrough) on top of the long-run adjustment.
        final_ref = (
            world.final_demand0 * growth * np.exp(state.demand_shift) * state.demand_factor(step)
        )
        running = np.maximum(state.capacity - state.mothballed, 0.0)
        # Processors plan output at the smoothed price (as investors do) against the cost of
        # last quarter's inputs, and buy inputs for it; planning at last quarter's price alone
        # makes a cobweb when demand is inelastic.
        intensity = np.exp(state.input_shift)  # (C, G) each input per tonne, × the recipe's
        cost = _unit_cost(world, state.paid, intensity)
        expected = state.price_trend.T / cost
        planned = running * np.minimum(utilisation * expected**world.supply_elasticity, 1.0)
        input_need = (planned @ world.inputs) * intensity
        use_ref = final_ref + input_need
        # Commercial inventories: a target cover of days of use, raised when supply is newly
        # threatened. Users get used to a lasting threat (new suppliers, thrifting), so the
        # precautionary stock is unwound again: hoarding, then destocking, as in 2010-12.
        exported = state.effective_export_level()  # controls, less what smugglers carry
        withheld = threatened_share(exported, calibration)
        threat = passed_down(world, calibration, withheld)
        news = np.maximum(threat - state.threat_seen, 0.0)
        state.threat_seen = state.threat_seen + THREAT_MEMORY * (threat - state.threat_seen)
        target = (
            world.cover_days * use_ref / days_per_step * (1.0 + parameters["precaution"] * news)
        )
        # Ore cover is largely ore at sea (90 days of DR Congo hydroxide on its way to China,
        # Fastmarkets 2025): a supplier that stops shipping empties its share of the
        # pipeline into the refineries, which the pipeline then no longer holds.
        ore = world.stage_of == 0
        target[:, ore] *= 1.0 - withheld[:, ore]
        restock = parameters["inventory_adjustment"] * target
        # Stock holders' demand answers price (inventory_price_response) as well as users'; the
        # two are one elasticity for the quarter, weighted by their world tonnes.
        buffer_share = np.divide(
            restock.sum(axis=0),
            (use_ref + restock).sum(axis=0),
            out=np.zeros(G),
            where=(use_ref + restock).sum(axis=0) > 0,
        )
        elasticity = (1.0 - buffer_share) * world.demand_elasticity - buffer_share * parameters[
            "inventory_price_response"
        ]
        demand_ref = use_ref + restock
        # Stocks are released into shortages: after the market, up to what users still miss.
        # A release a government orders goes to its own users first, who buy that much less.
        release_share = parameters["stock_release_share"]
        ordered_release = np.minimum(np.maximum(-state.stock_orders, 0.0), state.stock)
        state.stock_sales = np.zeros(C)  # what its users pay the government for them, USD
        release = np.zeros((C, G))
        buys = np.maximum(state.stock_orders, 0.0)
        limit = running * state.shock_factor(step)
        # Recyclers' feed arrives in users' stocks, and users buy that much less in the market.
        recycled = secondary_supply(world, state, step)

        price = state.price.copy()
        index = np.ones((G, C))
        paid = state.paid.copy()
        all_caps = None  # (G, I, J) once a stage has caps
        flows = np.zeros((G, C, C))
        unmet = np.zeros((C, G))
        final_use = np.zeros((C, G))
        # Laid out as the sums over flows they gather (flows.sum(axis).T), by good: what
        # reads them (scores, tables) sums in the same order as it would those.
        bought, production = np.zeros((G, C)).T, np.zeros((G, C)).T
        stocked = np.zeros((C, G))
        input_used = np.zeros((C, G))
        # inventories (recycled feed included), then plus purchases as each stage clears
        on_hand = state.inventory + recycled
        iterations, converged = 0, True
        tariffed = 1.0 + state.effective_tariff()
        wedge = calibration.trade_wedge * tariffed
        choke = world.per_good("choke_price_multiple", parameters)
        # What the markets read that no stage changes, for every good at once. Buyers weigh a
        # source by its running capacity, scaled back to the base year's total weight.
        running_by_good = running.T  # (G, J)
        weights = calibration.preference * running_by_good[:, None, :]
        row_total = weights.sum(axis=2, keepdims=True)
        weights *= np.divide(
            calibration.weight_total, row_total, out=np.zeros_like(row_total), where=row_total > 0
        )
        adjustment = (
            buys - ordered_release - parameters["inventory_adjustment"] * state.inventory - recycled
        ).T
        for stage in world.stage_plans:
            goods, inputs = stage.goods, stage.inputs
            # Output is limited by the scarcest input on hand.
            stage_limit = limit[:, goods]
            cost = np.ones(stage_limit.shape)  # a mine's unit cost does not move with prices
            if inputs.size:
                per_tonne = stage.per_tonne * intensity[:, None, inputs]  # (C, g, k)
                can_make = np.where(stage.uses, on_hand[:, None, inputs] / per_tonne, np.inf)
                stage_limit = np.minimum(stage_limit, can_make.min(axis=2))
                cost = _unit_cost(world, paid, intensity)[:, goods]  # this quarter's prices

            level = exported[goods]
            caps = None
            if (level < 1.0).any():
                normal = calibration.flows[goods] * growth[goods][:, None, None]
                caps = np.where(level < 1.0, level * normal, np.inf)
                caps[:, np.arange(C), np.arange(C)] = np.inf
                caps = caps if np.isfinite(caps).any() else None
            market = Market(
                weights=weights[goods],
                wedge=wedge[goods],
                demand_ref=demand_ref[:, goods].T,
                index_ref=calibration.index0[goods],
                elasticity=elasticity[goods],
                adjustment=adjustment[goods],
                capacity=running_by_good[goods],
                limit=stage_limit.T,
                utilisation=utilisation,
                supply_elasticity=world.supply_elasticity[goods],
                floor=parameters["price_floor_share"],
                choke=choke[goods, None],
                sigma=calibration.sigma[goods],
                caps=caps,
                cost=cost.T,
            )
            result = yield market, state.price[goods]
            price[goods], index[goods], flows[goods] = result.price, result.index, result.flows
            paid[goods] = result.index / calibration.index0[goods]
            if caps is not None:
                all_caps = np.full((G, C, C), np.inf) if all_caps is None else all_caps
                all_caps[goods] = caps
            unmet[:, goods] = result.unmet.T
            iterations = max(iterations, result.iterations)
            converged &= result.converged
            # Processors of this stage used their inputs.
            made = production[:, goods] = result.flows.sum(axis=1).T  # (C, g)
            used = (made @ stage.recipe) * intensity  # (C, G)
            input_used += used
            on_hand = np.maximum(on_hand - used, 0.0)
            # Users of this stage's goods: stockpile first, then final users and processors.
            got = result.flows.sum(axis=2).T  # (C, g)
            wanted = np.maximum(result.demand.T, 1e-300)
            to_stock = buys[:, goods] * np.minimum(got / wanted, 1.0)
            final_ref_g = final_ref[:, goods]
            final_wanted = final_ref_g * (paid[goods].T) ** world.demand_elasticity[goods]
            need = input_need[:, goods]
            have = on_hand[:, goods] + got - to_stock + ordered_release[:, goods]
            # Final users and processors share what is on hand; processors may use more than
            # they planned if final users leave it.
            share = np.divide(
                final_wanted,
                final_wanted + need,
                out=np.ones_like(need),
                where=final_wanted + need > 0,
            )
            served = np.minimum(final_wanted, np.maximum(have * share, have - need))
            # State stockpiles cover what users miss against their base-price use.
            gap = np.maximum(final_ref_g - served, 0.0) + np.maximum(need - (have - served), 0.0)
            emergency = np.minimum(
                release_share * gap, state.stock[:, goods] - ordered_release[:, goods]
            )
            release[:, goods] = ordered_release[:, goods] + emergency
            state.stock[:, goods] += to_stock - release[:, goods]
            final_use[:, goods] = served + np.minimum(
                emergency, np.maximum(final_ref_g - served, 0.0)
            )
            on_hand[:, goods] = have + emergency - final_use[:, goods]
            bought[:, goods], stocked[:, goods] = got, to_stock
            sold = ordered_release[:, goods] * world.price0[goods] * paid[goods].T
            state.stock_sales = state.stock_sales + sold.sum(axis=1)

        state.price = price
        state.paid = index / calibration.index0
        state.marginal = marginal_price(flows, price, index, all_caps, tariffed, calibration.index0)
        state.inventory = on_hand
        state.last_output = production.copy()
        return Outcome(
            price=price,
            index=index,
            flows=flows,
            production=production,
            final_ref=final_ref,
            final_use=final_use,
            unmet=unmet,
            released=release,
            iterations=iterations,
            converged=bool(converged),
            bought=bought,
            stocked=stocked,
            input_used=input_used,
            recycled=recycled,
        )
