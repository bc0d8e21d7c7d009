"""Clear the markets of a batch of goods at once, vectorised over goods × importers × exporters.

Importers buy a CES (Armington) bundle of sources priced at producer price × wedge
(tariff and trade cost); exporters supply along a rising cost curve up to a hard limit.
Producer prices move by a two-level Newton step (the good's common level, then each
exporter relative to it) until every exporter's market clears.

An export cap is handled by pricing the capped source at its shadow price, the delivered
price at which the importer would want exactly the cap: plain tâtonnement diverges under
bans (see DESIGN.md). Given its price index P, an importer then buys
``min(a (q/P)^-σ D(P), cap)`` from each source, and P solves ``Σ a (q̃/P)^(1-σ) = 1`` —
monotone in P, so bisection finds it. If no P below the choke price works, the rest of the
demand is reported as unmet (shortage).

Prices are relative to each good's base price (1.0 = base) inside this module.
"""

from dataclasses import dataclass

import numpy as np

ROOT_STEPS = 60  # the root finder's limit; it usually needs under ten rounds
ROOT_TOLERANCE = 1e-12
MAX_LOG_STEP = 0.7  # the largest price move in one iteration (× e^0.7 ≈ 2)
TOLERANCE = 1e-6  # relative excess demand (0.0001 %) at which an exporter's market is clear
MAX_ITERATIONS = 300
MIN_ELASTICITY = 0.02  # keeps a Newton step finite where demand barely answers the price


@dataclass
class Market:
    """Everything the clearing needs for G goods, I importers and J exporters (I = J = C)."""

    weights: np.ndarray  # (G, I, J) Armington weights a
    wedge: np.ndarray  # (G, I, J) (1 + tariff)(1 + trade cost)
    demand_ref: np.ndarray  # (G, I) bundle demanded at the reference price index
    index_ref: np.ndarray  # (G, I) reference price index (relative units)
    elasticity: np.ndarray  # (G,) price elasticity of demand (negative)
    adjustment: np.ndarray  # (G, I) stockpile purchases (+) or releases (−), tonnes
    capacity: np.ndarray  # (G, J) installed capacity, tonnes
    limit: np.ndarray  # (G, J) what can be produced now (shocks, inputs), tonnes
    utilisation: float  # share of capacity used at the base price
    supply_elasticity: np.ndarray  # (G,)
    floor: float  # lowest producer price (relative)
    choke: float  # price multiple above which buyers are rationed instead of outbid
    sigma: float  # elasticity of substitution between sources
    caps: np.ndarray | None = None  # (G, I, J) tonnes exporter j lets importer i have; inf = none


@dataclass
class Clearing:
    price: np.ndarray  # (G, J) producer prices, relative
    index: np.ndarray  # (G, I) importers' delivered price index, relative
    flows: np.ndarray  # (G, I, J) tonnes
    demand: np.ndarray  # (G, I) tonnes wanted at the index
    unmet: np.ndarray  # (G, I) tonnes wanted but not supplied (rationed at the choke price)
    iterations: int
    converged: bool


def supply(market: Market, price: np.ndarray) -> np.ndarray:
    """Output along the cost curve: base utilisation at the base price, up to the limit."""
    eta = market.supply_elasticity[:, None]
    wanted = market.capacity * market.utilisation * price**eta
    return np.minimum(wanted, np.minimum(market.capacity, market.limit))


def demand(market: Market, index: np.ndarray) -> np.ndarray:
    wanted = market.demand_ref * (index / market.index_ref) ** market.elasticity[:, None]
    return np.maximum(wanted + market.adjustment, 0.0)


@dataclass
class Caps:
    """Finite export caps as a sparse list of (good, importer, exporter) entries."""

    good: np.ndarray
    importer: np.ndarray
    exporter: np.ndarray
    tonnes: np.ndarray
    row: np.ndarray  # index of each entry's (good, importer) row in ``rows``
    rows: tuple[np.ndarray, np.ndarray]

    @classmethod
    def from_dense(cls, caps: np.ndarray | None) -> "Caps":
        if caps is None:
            caps = np.empty((0, 0, 0))
        g, i, j = np.nonzero(np.isfinite(caps))
        keys, row = np.unique(np.stack([g, i]), axis=1, return_inverse=True)
        return cls(g, i, j, caps[g, i, j], row.reshape(-1), (keys[0], keys[1]))

    def __len__(self) -> int:
        return len(self.tonnes)


def solve_capped_rows(market: Market, caps: Caps, bundle_terms, entry_terms, start_index):
    """Price index and demand of importer rows that face a cap.

    ``bundle_terms`` is Σ_j a w^(1-σ) p^(1-σ) per row and ``entry_terms`` the same term of
    each capped entry; at index P the free term of a source is term·P^(σ-1), and a capped
    source contributes at most a (a D / cap)^((1-σ)/σ). The rows' total must equal 1.
    """
    sigma = market.sigma
    g, i = caps.rows
    n = len(g)
    a = market.weights[caps.good, caps.importer, caps.exporter]
    ref, index_ref, adjust = (
        x[g, i] for x in (market.demand_ref, market.index_ref, market.adjustment)
    )
    elasticity = market.elasticity[g]
    open_entry = (caps.tonnes > 0) & (a > 0)

    def total(log_p):
        p = np.exp(log_p)
        d = np.maximum(ref * (p / index_ref) ** elasticity + adjust, 0.0)
        free = entry_terms * (p ** (sigma - 1))[caps.row]
        with np.errstate(divide="ignore", over="ignore"):
            wanted_over_cap = np.divide(
                a * d[caps.row], caps.tonnes, out=np.ones_like(a), where=open_entry
            )
            bound = np.where(open_entry, a * wanted_over_cap ** ((1 - sigma) / sigma), 0.0)
        cut = np.bincount(caps.row, np.maximum(free - bound, 0.0), minlength=n)
        bound_share = np.bincount(caps.row, np.where(free > bound, bound, 0.0), minlength=n)
        return bundle_terms * p ** (sigma - 1) - cut, d, bound_share

    # Safeguarded false position (Illinois) on log P: the total rises with P, so the root
    # stays bracketed, and the secant step takes a handful of rounds, not ~50 halvings.
    lo = np.log(start_index)
    hi = np.maximum(np.log(market.choke * index_ref), lo)
    f_lo = total(lo)[0] - 1.0
    f_hi = total(hi)[0] - 1.0
    rationed = f_hi < 0.0
    done = rationed | (f_lo >= 0.0)
    hi = np.where(f_lo >= 0.0, lo, hi)
    last_side = np.zeros(n)
    for _ in range(ROOT_STEPS):
        if done.all():
            break
        width = hi - lo
        secant = hi - f_hi * width / np.where(f_hi != f_lo, f_hi - f_lo, 1.0)
        # Fall back to halving when the secant lands outside the bracket or too near an end.
        inside = (secant > lo + 0.01 * width) & (secant < hi - 0.01 * width)
        x = np.where(inside, secant, 0.5 * (lo + hi))
        f_x = total(x)[0] - 1.0
        upper = f_x >= 0.0
        # Illinois: when the same end is kept twice, halve its value so the other end moves.
        f_lo = np.where(upper & (last_side > 0), 0.5 * f_lo, f_lo)
        f_hi = np.where(~upper & (last_side < 0), 0.5 * f_hi, f_hi)
        hi, f_hi = np.where(upper & ~done, x, hi), np.where(upper & ~done, f_x, f_hi)
        lo, f_lo = np.where(~upper & ~done, x, lo), np.where(~upper & ~done, f_x, f_lo)
        last_side = np.where(upper, 1.0, -1.0)
        done |= (np.abs(f_x) < ROOT_TOLERANCE) | (hi - lo < ROOT_TOLERANCE)
    log_p = np.where(rationed, hi, np.where(np.abs(f_lo) < np.abs(f_hi), lo, hi))
    _, d, bound_share = total(log_p)
    return np.exp(log_p), d, rationed, bound_share


def clear(market: Market, start: np.ndarray | None = None) -> Clearing:
    """Find producer prices at which every exporter sells what it supplies."""
    sigma = market.sigma
    n_goods, n_importers, n_exporters = market.weights.shape
    # Power terms of the wedge once per call: delivered q = p·w, so q^x = p^x · w^x.
    value_weights = market.weights * market.wedge ** (1 - sigma)  # a w^(1-σ)
    quantity_weights = market.weights * market.wedge ** (-sigma)  # a w^(-σ)
    share_weights = value_weights * quantity_weights
    caps = Caps.from_dense(market.caps)
    entry_value_weights = value_weights[caps.good, caps.importer, caps.exporter]
    entry_quantity_weights = quantity_weights[caps.good, caps.importer, caps.exporter]
    capacity = np.minimum(market.capacity, market.limit)
    active = capacity > 0  # (G, J) exporters that can sell
    eps = market.elasticity[:, None]
    eta = market.supply_elasticity[:, None]

    price = np.ones((n_goods, n_exporters)) if start is None else np.array(start, dtype=float)
    price = np.clip(price, market.floor, market.choke)
    step_scale = np.ones((n_goods, n_exporters))
    last_sign = np.zeros((n_goods, n_exporters))
    converged = False
    iterations = 0
    while iterations < MAX_ITERATIONS:
        iterations += 1
        # P^(1-σ) = Σ_j a w^(1-σ) p^(1-σ): one batched matrix product for every importer.
        bundle = (value_weights @ (price ** (1 - sigma))[:, :, None])[:, :, 0]
        sourced = bundle > 0
        with np.errstate(divide="ignore"):
            index = np.where(sourced, bundle, 1.0) ** (1 / (1 - sigma))
        index = np.where(sourced, index, market.choke * market.index_ref)
        rationed = ~sourced
        index_response = np.ones((n_goods, n_importers))
        capped_sales = np.zeros((n_goods, n_exporters))
        if len(caps):
            entry_terms = entry_value_weights * price[caps.good, caps.exporter] ** (1 - sigma)
            p_rows, d_rows, r_rows, bound_share = solve_capped_rows(
                market, caps, bundle[caps.rows], entry_terms, index[caps.rows]
            )
            index[caps.rows] = p_rows
            rationed[caps.rows] |= r_rows
            # A price change of a free source moves the index of a row with binding caps
            # more (only the free part adjusts): dlogP/dlogq_j = s_j / (S_free + |ε| S_bound / σ).
            eps_rows = -market.elasticity[caps.rows[0]]
            index_response[caps.rows] = 1.0 / (1.0 - bound_share + eps_rows * bound_share / sigma)
        quantity = demand(market, index)
        pull = index**sigma * quantity  # (G, I): x_ij = a w^-σ p_j^-σ · pull_i
        sold = price ** (-sigma) * (pull[:, None, :] @ quantity_weights)[:, 0, :]
        # Σ_i x_ij s_ij (response of i's index), with s_ij = a (q_ij / P_i)^(1-σ).
        own = (
            price ** (1 - 2 * sigma)
            * ((pull * index ** (sigma - 1) * index_response)[:, None, :] @ share_weights)[:, 0, :]
        )
        excess_over_cap = np.zeros(0)
        if len(caps):
            wanted = (
                entry_quantity_weights
                * price[caps.good, caps.exporter] ** (-sigma)
                * pull[caps.good, caps.importer]
            )
            excess_over_cap = np.maximum(wanted - caps.tonnes, 0.0)
            np.subtract.at(sold, (caps.good, caps.exporter), excess_over_cap)
            # Sales at a binding cap do not answer the exporter's price.
            binding = excess_over_cap > 0
            entry_share = (
                entry_terms
                * index[caps.good, caps.importer] ** (sigma - 1)
                * index_response[caps.good, caps.importer]
            )
            np.subtract.at(
                own, (caps.good, caps.exporter), np.where(binding, wanted * entry_share, 0.0)
            )
            np.add.at(capped_sales, (caps.good, caps.exporter), np.where(binding, caps.tonnes, 0.0))
        offered = supply(market, price)

        # Elasticity of demand for each exporter: σ(1 − s) − ε s averaged over its buyers.
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_share = np.where(sold > 0, own / sold, 0.0).clip(0.0, None)
        at_limit = offered >= capacity * (1 - 1e-12)
        with np.errstate(divide="ignore", invalid="ignore"):
            free_share = np.where(sold > 0, 1.0 - capped_sales / sold, 1.0).clip(0.0, 1.0)
        own_elasticity = (
            sigma * free_share - (sigma + eps) * mean_share + np.where(at_limit, 0.0, eta)
        )
        excess = np.log(np.maximum(sold, 1e-300)) - np.log(np.maximum(offered, 1e-300))
        floored = (price <= market.floor * (1 + 1e-9)) & (excess < 0)
        ceilinged = (price >= market.choke * (1 - 1e-9)) & (excess > 0)
        live = active & ~floored & ~ceilinged
        if not (np.abs(np.where(live, excess, 0.0)) > TOLERANCE).any():
            converged = True
            break

        # A common step for the good (all its exporters together face only the demand
        # elasticity), then each exporter relative to that common level.
        weight = np.where(live, offered, 0.0)
        total = np.maximum(weight.sum(axis=1, keepdims=True), 1e-300)
        common = (weight * excess).sum(axis=1, keepdims=True) / total
        common_elasticity = (
            np.maximum(-eps, MIN_ELASTICITY)
            + (weight * np.where(at_limit, 0.0, eta)).sum(axis=1, keepdims=True) / total
        )
        own_elasticity = np.maximum(own_elasticity, MIN_ELASTICITY)
        move = common / common_elasticity + (excess - common) / own_elasticity
        sign = np.sign(excess)
        step_scale = np.where(
            sign * last_sign < 0, step_scale * 0.5, np.minimum(step_scale * 1.25, 1.0)
        )
        last_sign = sign
        move = np.clip(move * step_scale, -MAX_LOG_STEP, MAX_LOG_STEP)
        price = np.where(live, price * np.exp(move), price)
        price = np.clip(price, market.floor, market.choke)

    flows = quantity_weights * (price ** (-sigma))[:, None, :] * pull[:, :, None]
    if len(caps):
        flows[caps.good, caps.importer, caps.exporter] = np.minimum(wanted, caps.tonnes)
    # An exporter at the price ceiling rations its buyers pro rata; never ship more than
    # an exporter offers, even if the loop stopped short.
    shipped = flows.sum(axis=1)
    scale = np.where(shipped > offered, offered / np.maximum(shipped, 1e-300), 1.0)
    wanted_flows = flows
    flows = np.where(active[:, None, :], flows * scale[:, None, :], 0.0)
    unmet = (wanted_flows - flows).sum(axis=2)
    unmet += np.where(rationed, np.maximum(quantity - wanted_flows.sum(axis=2), 0.0), 0.0)
    return Clearing(price, index, flows, quantity, unmet, iterations, converged)
