"""Synthetic markets of any size for the clearing tests and benchmarks.

Base prices (p = 1) are an exact fixed point, as in the calibrated world: base flows are
built with the right margins (each importer buys its demand, each exporter sells its
production), and the Armington weights are chosen to reproduce them.
"""

import numpy as np

from model.engine.markets import Market

SIGMA = 3.0  # as world_2024's armington_sigma
TRADE_COST = 0.05  # as world_2024's trade_cost
UTILISATION = 0.8  # as world_2024's base_utilisation
FLOOR = 0.2  # as world_2024's price_floor_share
CHOKE = 10.0  # as world_2024's choke_price_multiple


def synthetic_market(
    rng: np.random.Generator,
    n_economies: int,
    n_goods: int,
    bans: bool = False,
    ban_share: float = 1.0,
    shock: float = 1.0,
    spread: float = 0.2,
    sigma: float = SIGMA,
) -> Market:
    """A calibrated market of ``n_goods`` goods traded among ``n_economies`` economies.

    Each good has one dominant producer (40–80 % of world output, like China in refining)
    and a random set of smaller ones; every economy consumes. Base flows: each economy
    supplies itself first, deficits are met from surpluses in proportion, and ``spread``
    of every importer's purchases is spread over all producers by world share.

    ``bans``: the biggest producer of each good bans exports to ``ban_share`` of the other
    economies (cap 0). ``shock``: the biggest producer can make only that share of its
    capacity (limit < capacity).
    """
    C, G = n_economies, n_goods
    production = np.zeros((G, C))
    for g in range(G):
        producers = rng.random(C) < 0.5
        producers[rng.choice(C, size=2, replace=False)] = True
        rest = np.where(producers, rng.lognormal(0.0, 1.0, C), 0.0)
        biggest = rng.integers(C)
        rest[biggest] = 0.0
        dominant = rng.uniform(0.4, 0.8)
        production[g] = (1.0 - dominant) * rest / rest.sum()
        production[g, biggest] = dominant
    production *= rng.lognormal(8.0, 2.0, (G, 1))  # tonnes per step, very different goods
    demand = rng.lognormal(0.0, 1.0, (G, C))
    demand *= production.sum(axis=1, keepdims=True) / demand.sum(axis=1, keepdims=True)

    flows = base_flows(production, demand, spread)
    shares = flows / demand[:, :, None]
    wedge = np.where(np.eye(C, dtype=bool), 1.0, 1.0 + TRADE_COST)
    wedge = np.broadcast_to(wedge, (G, C, C)).copy()
    index0 = (shares * wedge).sum(axis=2)
    weights = shares * (wedge / index0[:, :, None]) ** sigma
    capacity = production / UTILISATION
    biggest = production.argmax(axis=1)

    limit = capacity.copy()
    limit[np.arange(G), biggest] *= shock
    caps = None
    if bans:
        caps = np.full((G, C, C), np.inf)
        for g in range(G):
            others = np.flatnonzero(np.arange(C) != biggest[g])
            banned = rng.choice(others, size=round(ban_share * len(others)), replace=False)
            caps[g, banned, biggest[g]] = 0.0
    return Market(
        weights=weights,
        wedge=wedge,
        demand_ref=demand,
        index_ref=index0,
        elasticity=rng.uniform(-0.25, -0.05, G),
        adjustment=np.zeros((G, C)),
        capacity=capacity,
        limit=limit,
        utilisation=UTILISATION,
        supply_elasticity=rng.uniform(0.1, 0.3, G),
        floor=FLOOR,
        choke=CHOKE,
        sigma=sigma,
        caps=caps,
    )


def base_flows(production: np.ndarray, demand: np.ndarray, spread: float) -> np.ndarray:
    """(G, I, J) flows whose rows sum to ``demand`` and columns to ``production``."""
    home = np.minimum(production, demand)
    surplus = production - home
    deficit = demand - home
    total = production.sum(axis=1)[:, None, None]
    C = production.shape[1]
    home_first = np.zeros((len(production), C, C))
    home_first[:, np.arange(C), np.arange(C)] = home
    home_first += (
        deficit[:, :, None]
        * surplus[:, None, :]
        / np.maximum(surplus.sum(axis=1)[:, None, None], 1e-300)
    )
    by_world_share = demand[:, :, None] * production[:, None, :] / total
    return (1.0 - spread) * home_first + spread * by_world_share


def flows_at(market: Market, price: np.ndarray) -> np.ndarray:
    """(G, I, J) uncapped flows at producer prices ``price``: a (q/P)^-σ D(P)."""
    sigma = np.broadcast_to(np.asarray(market.sigma, float), price.shape[:1])[:, None]
    q = price[:, None, :] * market.wedge
    index = (market.weights * q ** (1 - sigma[:, :, None])).sum(axis=2) ** (1 / (1 - sigma))
    wanted = market.demand_ref * (index / market.index_ref) ** market.elasticity[:, None]
    demand = np.maximum(wanted + market.adjustment, 0.0)
    return market.weights * (q / index[:, :, None]) ** -sigma[:, :, None] * demand[:, :, None]
