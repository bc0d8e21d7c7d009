"""Turn a world data set into base trade flows and Armington weights.

Base flows: each economy supplies itself first; the rest of the world's surpluses reach
the deficits through a matrix balanced by iterative proportional fitting, starting from the
observed import shares where the data has them. The Armington weights then make those
flows the demand at base prices, so an untouched quarter is an exact fixed point.
"""

import numpy as np

from model.data.world_data import WorldData

IPF_ITERATIONS = 500
IPF_TOLERANCE = 1e-10


def balance(prior: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Scale ``prior`` (G, I, J) so rows sum to ``rows`` (G, I) and columns to ``columns``."""
    matrix = prior.copy()
    for _ in range(IPF_ITERATIONS):
        row_sums = matrix.sum(axis=2)
        matrix *= np.divide(rows, row_sums, out=np.zeros_like(rows), where=row_sums > 0)[:, :, None]
        column_sums = matrix.sum(axis=1)
        matrix *= np.divide(
            columns, column_sums, out=np.zeros_like(columns), where=column_sums > 0
        )[:, None, :]
        if np.allclose(matrix.sum(axis=2), rows, rtol=IPF_TOLERANCE, atol=1e-9):
            break
    return matrix


def base_flows(world: WorldData, spread_share: float = 0.0) -> np.ndarray:
    """Tonnes per step shipped from exporter j to importer i, (G, I, J), diagonal = home supply.

    ``spread_share`` of every importer's purchases is spread over all producers by world
    share before balancing: real buyers hold several suppliers (Japan both imports and
    exports magnets), and a source with no base flow could never be substituted to.
    """
    production = world.production0.T  # (G, C)
    demand = world.market_demand0.T
    home = np.minimum(production, demand)
    surplus = production - home
    deficit = demand - home
    G, C = production.shape
    # Routes the world data rules out (routes.csv) carry nothing, at base or ever after.
    off_diagonal = ~np.eye(C, dtype=bool) & world.route_open()

    # Prior: observed import shares where known, the rest spread over exporters' surpluses.
    observed = np.nan_to_num(world.trade_prior) * off_diagonal
    known = ~np.isnan(world.trade_prior) & off_diagonal
    unknown_share = np.clip(1.0 - observed.sum(axis=2), 0.0, 1.0)
    spread = np.where(known, 0.0, surplus[:, None, :] * off_diagonal)
    spread_total = spread.sum(axis=2, keepdims=True)
    spread = np.divide(spread, spread_total, out=np.zeros_like(spread), where=spread_total > 0)
    prior = (observed + unknown_share[:, :, None] * spread) * deficit[:, :, None]
    # Keep every surplus reachable so the balancing can place it.
    prior += 1e-9 * deficit[:, :, None] * surplus[:, None, :] * off_diagonal
    flows = balance(prior, deficit, surplus)
    flows[:, np.arange(C), np.arange(C)] = home
    if spread_share > 0:
        reach = production[:, None, :] * world.route_open()
        world_share = reach / np.maximum(reach.sum(axis=2, keepdims=True), 1e-300)
        flows = (1 - spread_share) * flows + spread_share * demand[:, :, None] * world_share
        flows = balance(flows, demand, production)
    return flows


def armington_weights(
    flows: np.ndarray,
    wedge: np.ndarray,
    sigma: np.ndarray | float,
    production: np.ndarray,
    routes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights a (G, I, J) and base price indices P0 (G, I) that reproduce ``flows``.

    Shares are s_ij = a_ij q_ij^-σ_g / Σ_k a_ik q_ik^-σ_g; with a_ij = s_ij q0_ij^σ_g the
    base shares come back at base prices, and P0_i = Σ_j s_ij q0_ij is the average price
    paid. Importers with no base demand get the world's production shares (over the
    routes open to them) so they can start buying.
    """
    demand = flows.sum(axis=2, keepdims=True)
    reach = production[:, None, :] * (True if routes is None else routes)
    world_shares = reach / np.maximum(reach.sum(axis=2, keepdims=True), 1e-300)
    shares = np.where(demand > 0, flows / np.where(demand > 0, demand, 1.0), world_shares)
    index0 = (shares * wedge).sum(axis=2)
    sigma = np.broadcast_to(np.asarray(sigma, float), (flows.shape[0],))[:, None, None]
    return shares * wedge**sigma, index0


def weights_per_capacity(weights: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Preference per tonne of an exporter's capacity, so new capacity wins new buyers.

    An exporter with no base capacity gets the importer's average preference per tonne.
    """
    per_tonne = np.divide(
        weights, capacity[:, None, :], out=np.zeros_like(weights), where=capacity[:, None, :] > 0
    )
    average = weights.sum(axis=2) / np.maximum(capacity.sum(axis=1), 1e-300)[:, None]
    return np.where(capacity[:, None, :] > 0, per_tonne, average[:, :, None])
