"""Clear the markets of a batch of goods at once, vectorised over goods × importers × exporters.

Importers split their demand (physical tonnes) across sources by Armington shares over
delivered prices q = producer price × wedge (tariff and trade cost):
``s_ij = a_ij q_ij^-σ / Σ_k a_ik q_ik^-σ``. Their price index is the average price they
pay, and their demand falls with it. Exporters supply along a rising cost curve up to a
hard limit. Producer prices move by Newton steps on each good's whole system (its
exporters' log excess demand against their log prices), with a backtracking line search,
until every exporter's market clears; only the economies that can sell a good take part
in its system.

An export cap binds when a source's share of the importer's demand exceeds it: the
importer then takes the cap from that source and splits the rest of its demand over the
free sources (plain tâtonnement with spill-overs diverges under bans, see DESIGN.md; here
the spill-over is exact and only the free sources' prices move). When no free source is
left the rest is reported as unmet; so is demand an exporter at the price ceiling cannot
serve (it rations its buyers pro rata).

Prices are relative to each good's base price (1.0 = base) inside this module.
"""

import contextlib
import dataclasses
import functools
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

MAX_LOG_STEP = 0.7  # the largest price move in one iteration (× e^0.7 ≈ 2)
TOLERANCE = 1e-6  # relative excess demand (0.0001 %) at which an exporter's market is clear
MAX_ITERATIONS = 300
SWING = 1e-6  # back where it was two iterations ago after a larger move: a 2-cycle (log)
MIN_STEP_LENGTH = 1 / 32  # the line search takes a step this short whatever it does
MIN_ELASTICITY = 0.02  # keeps a Newton step finite where demand barely answers the price
INDEX_TOLERANCE = 1e-13  # |log F(P) − log P| at which a capped importer's price index is solved
INDEX_STEPS = 60  # Newton steps at most for that index (two with bans only, a few with quotas)
# Up to this many sellers of one good (after dropping the economies that make none of it),
# each iteration solves the good's full Newton system (exporters of one good are
# substitutes, so each one's demand answers the others' prices); beyond it each exporter
# steps alone. Measured: even at 200 economies × 16 goods (116 sellers) the full system
# wins, 21 iterations and 0.5 s CPU against 123 iterations and 1.1 s for single steps.
FULL_NEWTON_EXPORTERS = 1000


@dataclass
class Market:
    """Everything the clearing needs for G goods, I importers and J exporters (I = J = C)."""

    weights: np.ndarray  # (G, I, J) Armington weights a
    wedge: np.ndarray  # (G, I, J) (1 + tariff)(1 + trade cost)
    demand_ref: np.ndarray  # (G, I) tonnes demanded at the reference price index
    index_ref: np.ndarray  # (G, I) reference price index (relative units)
    elasticity: np.ndarray  # (G,) price elasticity of demand (negative)
    adjustment: np.ndarray  # (G, I) stockpile purchases (+) or releases (−), tonnes
    capacity: np.ndarray  # (G, J) installed capacity, tonnes
    limit: np.ndarray  # (G, J) what can be produced now (shocks, inputs), tonnes
    utilisation: float  # share of capacity used at the base price
    supply_elasticity: np.ndarray  # (G,)
    floor: float  # lowest producer price (relative)
    # price ceiling (relative), one or (G, 1): above it producers ration instead of outbidding
    choke: float | np.ndarray
    sigma: np.ndarray | float  # (G,) elasticity of substitution between sources, by good
    caps: np.ndarray | None = None  # (G, I, J) tonnes exporter j lets importer i have; inf = none
    # (G, J) each exporter's unit cost relative to its base cost: the cost curve shifts up
    # with it (a refiner paying twice for ore needs a higher price for the same output).
    cost: np.ndarray | None = None


@dataclass
class Clearing:
    price: np.ndarray  # (G, J) producer prices, relative
    index: np.ndarray  # (G, I) average delivered price each importer pays, relative
    flows: np.ndarray  # (G, I, J) tonnes
    demand: np.ndarray  # (G, I) tonnes wanted at that price
    unmet: np.ndarray  # (G, I) tonnes wanted but not supplied
    iterations: int
    converged: bool


def _by_good(sigma, n_goods: int) -> np.ndarray:
    """σ as a (G, 1) column, whether given per good or as one number."""
    sigma = np.asarray(sigma, float)
    return (sigma if sigma.ndim else np.full(n_goods, sigma))[:, None]


@dataclass
class Caps:
    """Finite export caps as a sparse list of (good, importer, exporter) entries."""

    good: np.ndarray
    importer: np.ndarray
    exporter: np.ndarray
    tonnes: np.ndarray
    row: np.ndarray  # index of each entry's (good, importer) row in ``rows``
    rows: tuple[np.ndarray, np.ndarray]
    # (G, S) the exporters that cap some importer, per good (S the most of any good; the
    # rest padded with column 0), and each entry's place among its good's: ``slot``.
    columns: np.ndarray
    slot: np.ndarray

    @classmethod
    def from_dense(cls, caps: np.ndarray | None) -> "Caps":
        if caps is None:
            return _NO_CAPS
        n_goods, n_importers, n_exporters = caps.shape
        g, i, j = np.nonzero(np.isfinite(caps))
        keys, row = np.unique(g * n_importers + i, return_inverse=True)
        pairs, pair = np.unique(g * n_exporters + j, return_inverse=True)
        good = pairs // max(n_exporters, 1)
        place = np.arange(len(pairs)) - np.searchsorted(good, good)
        columns = np.zeros((n_goods, place.max(initial=-1) + 1), int)
        columns[good, place] = pairs % max(n_exporters, 1)
        rows = (keys // max(n_importers, 1), keys % max(n_importers, 1))
        return cls(g, i, j, caps[g, i, j], row, rows, columns, place[pair])

    def __len__(self) -> int:
        return len(self.tonnes)


_NO_CAPS = Caps.from_dense(np.empty((0, 0, 0)))


@dataclass
class CappedRows:
    """How importers facing caps split their demand: the result of ``split_capped_rows``."""

    index: np.ndarray  # (R,) average price paid
    demand: np.ndarray  # (R,) tonnes wanted
    residual: np.ndarray  # (R,) tonnes left for the free sources
    free_weight: np.ndarray  # (R,) Σ over free sources of a w^-σ p^-σ
    binding: np.ndarray  # (K,) entries whose cap binds
    unmet: np.ndarray  # (R,) tonnes no free source is left to serve
    free_price: np.ndarray  # (R,) average delivered price of the free sources
    capped: np.ndarray  # (R,) tonnes taken at binding caps
    paid: np.ndarray  # (R,) average price of what is bought at ``index`` (= index when solved)
    slope: np.ndarray  # (R,) d log paid/d log index


def ceiling(market: Market) -> np.ndarray:
    """Each good's price ceiling, (G, 1), whether the market sets one or one per good."""
    choke = np.asarray(market.choke, float).reshape(-1, 1)
    return np.broadcast_to(choke, (market.weights.shape[0], 1))


def split_capped_rows(market, caps, weight, value, entry_weight, entry_value, start_index):
    """Demand and binding caps of importer rows that face caps.

    ``weight``/``value`` are each row's Σ_j a w^-σ p^-σ and Σ_j a w^(1-σ) p^(1-σ);
    ``entry_*`` the same terms of each capped entry. A cap binds when the source's share of
    what is left exceeds it; caps that bind take their cap and the rest is split over the
    free sources. Demand depends on the average price paid P, and what is paid on average,
    F(P), on the demand: P solves log F(P) = log P, by Newton's method in log P kept inside
    the bracket of the points tried (F falls as P rises when the capped sources are the
    cheaper ones, so the root is unique; see ``_paid``).
    """
    g, i = caps.rows
    rows = (
        market.demand_ref[g, i],
        market.index_ref[g, i],
        market.adjustment[g, i],
        market.elasticity[g],
        ceiling(market)[g, 0] * market.index_ref[g, i],  # no source at all: out of reach
    )
    own_price = entry_value / np.where(entry_weight > 0, entry_weight, 1.0)  # q of each entry
    terms = (weight, value, entry_weight, entry_value, own_price)
    log_index = np.log(start_index)
    low, high = np.full(len(g), -np.inf), np.full(len(g), np.inf)
    for _ in range(INDEX_STEPS):
        fill = _paid(market, caps, rows, terms, np.exp(log_index))
        gap = np.log(fill.paid) - log_index
        if (np.abs(gap) <= INDEX_TOLERANCE).all():
            break
        low = np.where(gap > 0, np.maximum(low, log_index), low)
        high = np.where(gap < 0, np.minimum(high, log_index), high)
        # d gap/d log P = slope − 1 ≤ −1 where capped sources are the cheaper ones; a
        # Newton step outside the bracket bisects it instead.
        newton = log_index + gap / np.maximum(1.0 - fill.slope, 0.1)
        inside = (newton > low) & (newton < high)
        bisect = np.isfinite(low) & np.isfinite(high) & ~inside
        middle = 0.5 * (np.where(bisect, low, 0.0) + np.where(bisect, high, 0.0))
        log_index = np.where(bisect, middle, newton)
    return fill


def _paid(market, caps, rows, terms, index) -> CappedRows:
    """What importers facing caps buy when their average price paid is ``index``, and the
    average price F that purchase costs (``CappedRows.paid``) with d log F/d log index.

    When the importer wants nothing, F is the limit of a small purchase: the average
    delivered price of the sources not banned (as an uncapped importer's index is the
    average of its sources whatever it buys), so F is continuous in the index.
    """
    ref, index_ref, adjust, elasticity, nothing = rows
    weight, value, entry_weight, entry_value, own_price = terms
    n = len(ref)
    responsive = ref * (index / index_ref) ** elasticity
    want = np.maximum(responsive + adjust, 0.0)
    binding = caps.tonnes <= 0  # a ban binds whatever is wanted
    for _ in range(len(caps) + 1):  # the binding set only grows: water-filling
        free_weight = weight - np.bincount(caps.row, entry_weight * binding, minlength=n)
        capped = np.bincount(caps.row, caps.tonnes * binding, minlength=n)
        residual = np.maximum(want - capped, 0.0)
        share = np.divide(
            entry_weight,
            free_weight[caps.row],
            out=np.zeros(len(caps)),
            where=free_weight[caps.row] > 0,
        )
        grows = ~binding & (share * residual[caps.row] > caps.tonnes)
        if not grows.any():
            break
        binding |= grows
    # What is left after removing capped sources is a difference: treat rounding dust
    # (a row whose every source is capped) as nothing left.
    served = free_weight > 1e-12 * weight
    free_value = value - np.bincount(caps.row, entry_value * binding, minlength=n)
    free_price = np.where(served, free_value / np.where(served, free_weight, 1.0), index)
    spent = np.bincount(caps.row, caps.tonnes * own_price * binding, minlength=n)
    spent += np.where(served, residual * free_price, 0.0)
    bought = capped + np.where(served, residual, 0.0)
    paid = np.where(
        bought > 0, spent / np.where(bought > 0, bought, 1.0), np.where(served, free_price, nothing)
    )
    # F = (capped value + R F_free)/(C + R) with R = D(P) − C, so
    # d log F/d log P = ε B (F_free − F)/(F (C + R)), B the demand that answers the price.
    moving = served & (residual > 0)
    slope = np.divide(
        elasticity * responsive * (free_price - paid),
        paid * bought,
        out=np.zeros(n),
        where=moving & (paid * bought > 0),
    )
    return CappedRows(
        index,
        want,
        residual,
        np.where(served, free_weight, 0.0),
        binding,
        np.where(served, 0.0, residual),
        free_price,
        capped,
        paid,
        slope,
    )


@dataclass
class Point:
    """Where an iteration stands: what the Newton step reads, (G, J) or (G, I) each."""

    price: np.ndarray
    p_weight: np.ndarray  # p^-σ
    pull: np.ndarray  # (G, I) tonnes left for free sources per unit of their weight
    residual: np.ndarray  # (G, I) tonnes left for free sources
    free_price: np.ndarray  # (G, I) their average delivered price
    amplification: np.ndarray  # (G, I) ∂log R/∂log F over ε (F: free sources' price)
    cap_response: np.ndarray  # (G, I) ∂log R/∂(capped value) over ε
    sales: np.ndarray  # (G, J) tonnes sold, at caps included
    binding: np.ndarray  # (K,) caps that bind
    excess: np.ndarray  # log(sold / offered)
    live: np.ndarray  # exporters whose price may move
    at_limit: np.ndarray  # exporters producing all they can (their supply cannot rise)
    # What only the single-exporter fallback reads:
    free_weight: np.ndarray  # (G, I) Σ over free sources of a w^-σ p^-σ
    index: np.ndarray  # (G, I) average price paid
    offered: np.ndarray  # (G, J) tonnes supplied
    capped_sales: np.ndarray  # (G, J) tonnes sold at binding caps
    entry_weight: np.ndarray  # (K,) a w^-σ p^-σ of each capped entry


def single_moves(market, caps, quantity_weights, value_weights, point: Point) -> np.ndarray:
    """Each exporter's own step, the fallback of the full Newton step: a common step for
    the good (all its exporters together face only the demand elasticity), then each
    exporter relative to that common level."""
    square_weights = quantity_weights**2  # (a w^-σ)², for Σ x·s
    cross_weights = quantity_weights * value_weights  # for Σ x·v
    price, p_weight, pull, free_weight = point.price, point.p_weight, point.pull, point.free_weight
    index, sold, excess, at_limit = point.index, point.sales, point.excess, point.at_limit
    sigma = _by_good(market.sigma, price.shape[0])
    eps = market.elasticity[:, None]
    eta = market.supply_elasticity[:, None]
    # Σ_i x s (substitution among sources) and Σ_i x (D/R) v = Σ_i x² q / (P R) (the
    # importer's demand answering its price; a capped importer's residual R moves D/R
    # times as much as its demand D).
    share_sum = p_weight**2 * ((pull / free_weight)[:, None, :] @ square_weights)[:, 0, :]
    per_row = pull / free_weight / np.where(index > 0, index, 1.0)
    value_sum = p_weight**2 * price * (per_row[:, None, :] @ cross_weights)[:, 0, :]
    if len(caps):
        entry = (caps.good, caps.importer, caps.exporter)
        taken = np.where(point.binding, point.entry_weight * pull[caps.good, caps.importer], 0.0)
        entry_share = point.entry_weight / free_weight[caps.good, caps.importer]
        np.subtract.at(share_sum, (caps.good, caps.exporter), taken * entry_share)
        entry_price = price[caps.good, caps.exporter] * market.wedge[entry]
        np.subtract.at(
            value_sum,
            (caps.good, caps.exporter),
            taken * entry_share * entry_price / index[caps.good, caps.importer],
        )
    # Elasticity of demand for each exporter: σ(1 − s) − ε v D/R over its free sales.
    free_sales = np.maximum(sold - point.capped_sales, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        own_elasticity = np.where(
            sold > 0, (sigma * (free_sales - share_sum) - eps * value_sum) / sold, sigma
        )
    own_elasticity = np.maximum(own_elasticity + np.where(at_limit, 0.0, eta), MIN_ELASTICITY)
    supplied = np.where(point.live, point.offered, 0.0)
    total = np.maximum(supplied.sum(axis=1, keepdims=True), 1e-300)
    common = (supplied * excess).sum(axis=1, keepdims=True) / total
    common_elasticity = (
        np.maximum(-eps, MIN_ELASTICITY)
        + (supplied * np.where(at_limit, 0.0, eta)).sum(axis=1, keepdims=True) / total
    )
    return common / common_elasticity + (excess - common) / own_elasticity


def _solve_by_run(jacobian: np.ndarray, rhs: np.ndarray, runs: int) -> np.ndarray:
    """Each run's systems alone once one was singular: a run with a singular system takes
    the fallback move for all its goods (NaN here), as alone; the others their solution."""
    step = np.full(rhs.shape, np.nan)
    n_goods = len(rhs) // runs
    for run in range(runs) if runs > 1 else ():
        part = slice(run * n_goods, (run + 1) * n_goods)
        with contextlib.suppress(np.linalg.LinAlgError):
            step[part] = np.linalg.solve(jacobian[part], rhs[part, :, None])[:, :, 0]
    return step


SINGLE_MAX = float(np.finfo(np.float32).max)


def _within_single(x: np.ndarray) -> np.ndarray:
    """``x`` in float32, clipped to its range (np.clip's own way, at half its cost)."""
    return np.minimum(np.maximum(x, -SINGLE_MAX), SINGLE_MAX).astype(np.float32)


def newton_move(market, sigma, single_weights, caps, point: Point, fallback, runs: int = 1):
    """Solve each good's Newton system  Σ_k ∂e_j/∂log p_k Δ_k = −e_j  over live exporters.

    With free flows x_ij = s_ij R_i (shares s among free sources, R the tonnes left for
    them), ∂log x_ij/∂log p_k = −σ δ_jk + σ s_ik + ε (B_i/R_i) ∂log P_i/∂log p_k (B: the
    demand that answers the price, without stock changes), and ∂log P_i/∂log p_k =
    (1−σ) v_ik + σ s_ik (v: value shares). Flows at a binding cap do not move, but their
    price raises what the importer pays on average. Goods whose system is singular take
    the ``fallback()`` move.

    The Jacobian is one product per good, Σ_i s_ij s_ik (c_i + d_i q_ik) with c, d per
    importer and q the delivered price, built in one (G, I, J) buffer besides the shares;
    the binding caps add a few columns only (``Caps.columns``). It only chooses the
    direction (the float64 excess decides convergence), so it is built in float32 from
    ``single_weights``: a w^-σ and the wedge w in float32. ``sigma``: σ by good, (G, 1).
    """
    price, residual, excess, live = point.price, point.residual, point.excess, point.live
    binding, at_limit = point.binding, point.at_limit
    quantity_weights, wedge = single_weights
    n_goods, _, n_exporters = quantity_weights.shape
    # Shares s among free sources (a w^-σ p^-σ over the free weight, where tonnes are
    # left): free flows x_ij = s_ij R_i, so Σ_i x_ij (σ s_ik + response_ik) =
    # Σ_i s_ij s_ik (c_i + d_i q_ik) with c = σ(1 + A) R, d = A(1 − σ) R/F, A = ε ∂log R/∂log F
    # and F the free sources' average delivered price: nothing divided by R, so float32
    # holds rows of any size.
    over_weight = np.divide(1.0, point.free_weight, out=np.zeros_like(residual), where=residual > 0)
    shares = quantity_weights * point.p_weight[:, None, :].astype(np.float32)
    if len(caps):
        shares[caps.good, caps.importer, caps.exporter] *= ~binding
    shares *= np.minimum(over_weight, SINGLE_MAX)[:, :, None].astype(np.float32)
    sold = (residual[:, None, :].astype(np.float32) @ shares)[:, 0, :].astype(float)  # free sales
    amplified = market.elasticity[:, None] * point.amplification
    c = sigma * (1 + amplified) * residual
    d = np.divide(
        amplified * (1 - sigma) * residual,
        point.free_price,
        out=np.zeros_like(c),
        where=residual > 0,
    )
    mix = wedge * price[:, None, :].astype(np.float32)  # delivered prices q
    mix *= _within_single(d)[:, :, None]
    mix += _within_single(c)[:, :, None]
    mix *= shares
    jacobian = (shares.transpose(0, 2, 1) @ mix).astype(float)  # (G, J, J)
    if binding.any():
        # Σ_i x_ij ε ∂log R_i/∂(capped value) · (tonnes at the cap · q_ik), over binding caps
        # (x_ij = s_ij R_i).
        entry = (caps.good, caps.importer, caps.exporter)
        capped_value = caps.tonnes * binding * price[caps.good, caps.exporter] * market.wedge[entry]
        reply = market.elasticity[caps.good] * point.cap_response[caps.good, caps.importer]
        reply *= residual[caps.good, caps.importer]
        by_column = np.zeros((n_goods, residual.shape[1], caps.columns.shape[1]))
        np.add.at(by_column, (caps.good, caps.importer, caps.slot), reply * capped_value)
        goods = np.arange(n_goods)[:, None]
        np.add.at(
            jacobian,
            (goods, slice(None), caps.columns),
            (shares.transpose(0, 2, 1) @ by_column.astype(np.float32)).transpose(0, 2, 1),
        )
    diagonal = jacobian.reshape(n_goods, -1)[:, :: n_exporters + 1]  # a view
    diagonal -= sigma * sold
    eta = np.where(at_limit, 0.0, market.supply_elasticity[:, None])
    jacobian /= np.maximum(point.sales, 1e-300)[:, :, None]
    diagonal -= eta
    # Exporters that do not move: identity rows and columns, nothing to solve for them
    # (among them those selling only at caps at their limit: no price moves their excess).
    fixed = ~live | (point.sales <= 0) | ((sold <= 0) & (eta <= 0))
    np.copyto(jacobian, 0.0, where=fixed[:, :, None])
    np.copyto(jacobian, 0.0, where=fixed[:, None, :])
    diagonal += fixed
    rhs = np.where(fixed, 0.0, -excess)
    try:
        step = np.linalg.solve(jacobian, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        step = _solve_by_run(jacobian, rhs, runs)
    good = np.isfinite(step).all(axis=1, keepdims=True)
    return step if good.all() else np.where(good, step, fallback())


def clear(
    market: Market, start: np.ndarray | None = None, tolerance: float = TOLERANCE
) -> Clearing:
    """Find producer prices at which every exporter sells what it supplies.

    Most economies make none of a given good; they sell nothing and their price does not
    move, so the clearing runs on each good's exporters that can sell (the K ≤ J columns
    of ``_sellers``) and the answer is spread back over all J.
    """
    narrowed = _Narrowed.of(market, start)
    with one_blas_thread():
        solved = _solve(narrowed.market, narrowed.price, tolerance)
    return narrowed.widen(_run_of(solved, 0, 1))


def clear_together(
    requests: list[tuple[Market, np.ndarray | None]], tolerance: float = TOLERANCE
) -> list[Clearing]:
    """``clear`` each (market, start) of many runs of one world, as one call where it can.

    A sweep's runs step in lockstep (model/research/lockstep.py) and hand their markets
    here together: each numpy call of an iteration then works for all of them, where one
    run's calls are too small to cost more than their overhead. Markets of the same shape,
    parameters and sellers' count are stacked along the goods axis; each run stops at its
    own convergence (``_solve``'s ``runs``), so every run's clearing is bit for bit the
    one ``clear`` gives it alone (tests/test_markets.py). Markets with export caps clear
    alone (their sparse caps are not stacked).
    """
    narrowed = [_Narrowed.of(market, start) for market, start in requests]
    groups: dict[tuple, list[int]] = {}
    for n, item in enumerate(narrowed):
        groups.setdefault(item.batch_key(), []).append(n)
    results: list[Clearing | None] = [None] * len(requests)
    with one_blas_thread():
        for key, members in groups.items():
            if key is None or len(members) == 1:
                for n in members:
                    solved = _solve(narrowed[n].market, narrowed[n].price, tolerance)
                    results[n] = narrowed[n].widen(_run_of(solved, 0, 1))
                continue
            parts = [narrowed[n] for n in members]
            solved = _solve(
                _stacked([part.market for part in parts]),
                np.concatenate([part.price for part in parts]),
                tolerance,
                runs=len(parts),
            )
            for run, (n, part) in enumerate(zip(members, parts, strict=True)):
                results[n] = part.widen(_run_of(solved, run, len(parts)))
    return results


def clear_each(work: Generator, tolerance: float = TOLERANCE):
    """Run ``work``, a generator handing out (market, start) requests and taking each one's
    ``Clearing`` back (economy.clearings, World.quarter), clearing each alone; its result."""
    try:
        request = next(work)
        while True:
            market, start = request
            request = work.send(clear(market, start, tolerance))
    except StopIteration as finished:
        return finished.value


STACKED_FIELDS = (
    "weights",
    "wedge",
    "demand_ref",
    "index_ref",
    "elasticity",
    "adjustment",
    "capacity",
    "limit",
    "supply_elasticity",
    "sigma",
    "cost",
    "choke",
)


def _stacked(markets: list[Market]) -> Market:
    """Markets of equal shape as one, run after run along the goods axis."""
    first = markets[0]
    fields = {
        name: np.concatenate([getattr(market, name) for market in markets])
        for name in STACKED_FIELDS
        if np.ndim(getattr(first, name))  # a number (or None) is the same in all: the key
    }
    return dataclasses.replace(first, **fields)


def _run_of(solved: Clearing, run: int, runs: int) -> Clearing:
    """One run's part of a stacked clearing."""
    n_goods = solved.price.shape[0] // runs
    part = slice(run * n_goods, (run + 1) * n_goods)
    return Clearing(
        solved.price[part],
        solved.index[part],
        solved.flows[part],
        solved.demand[part],
        solved.unmet[part],
        int(solved.iterations[run]),
        bool(solved.converged[run]),
    )


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


_one_thread = threading.Lock()
_one_thread_users = 0  # clearings under way in any thread
_one_thread_limiter = None


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread while clearing: its matrices are small, threads waiting
    on a busy machine cost ten times the work (measured: 6.2 against 0.5 CPU s for a
    200 × 16 outage), and one thread sums in one order, so results do not depend on load.

    The limit is the process's: the first clearing to start sets it and the last to end
    (in any thread: a class server clears in several) restores it. Re-entrant, so a
    quarter or a look-ahead's projection takes it once around all its clearings (setting
    and restoring it costs about 50 µs a time). OpenBLAS 0.3.34 (numpy 2.5's) ignores a
    limit set from a thread other than the main one, so a clearing that starts first in
    a server's worker thread runs BLAS as it finds it.
    """
    global _one_thread_users, _one_thread_limiter
    with _one_thread:
        if _one_thread_users == 0:
            _one_thread_limiter = _blas().limit(limits=1, user_api="blas")
        _one_thread_users += 1
    try:
        yield
    finally:
        with _one_thread:
            _one_thread_users -= 1
            if _one_thread_users == 0:
                _one_thread_limiter.restore_original_limits()
                _one_thread_limiter = None


def _sellers(active: np.ndarray) -> np.ndarray:
    """(G, K) exporter columns of each good, those that can sell first (in their order),
    K the most sellers of any good: the other columns sell nothing."""
    if active.shape[1] == 0:
        return np.zeros((active.shape[0], 0), int)
    order = np.argsort(~active, axis=1, kind="stable")
    return order[:, : max(int(active.sum(axis=1).max(initial=0)), 1)]


def _flat_index(shape: tuple[int, int, int], columns: np.ndarray) -> np.ndarray:
    """(G, I, K) positions in a (G, I, J) array of every importer's pair with ``columns``:
    one index for all the takes and puts of a clearing (take_along_axis builds its own
    each time, at seven times the cost of a take)."""
    n_goods, n_importers, n_exporters = shape
    return (
        np.arange(n_goods)[:, None, None] * (n_importers * n_exporters)
        + np.arange(n_importers)[None, :, None] * n_exporters
        + columns[:, None, :]
    )


@dataclass(frozen=True)
class Sellers:
    """Each good's exporters that can sell, as indices (read-only arrays)."""

    columns: np.ndarray  # (G, K) their columns (``_sellers``)
    at: np.ndarray  # (G, K) their positions in a flat (G, J) array
    flat: np.ndarray  # (G, I, K) their pairs' positions in a flat (G, I, J) array


@functools.lru_cache(maxsize=64)
def _sellers_of_pattern(pattern: bytes, shape: tuple[int, int, int]) -> Sellers:
    n_goods, _, n_exporters = shape
    columns = _sellers(np.frombuffer(pattern, bool).reshape(n_goods, n_exporters))
    at = np.arange(n_goods)[:, None] * n_exporters + columns
    found = Sellers(columns, at, _flat_index(shape, columns))
    for array in vars(found).values():
        array.flags.writeable = False
    return found


def sellers_of(active: np.ndarray, shape: tuple[int, int, int]) -> Sellers:
    """``Sellers`` of a (G, I, J) market whose exporters that can sell are ``active`` (G, J),
    kept per pattern: a run's stages keep theirs quarter after quarter, and finding them
    cost a sixth of a quiet clearing."""
    return _sellers_of_pattern(active.tobytes(), shape)


def _take_columns(market: Market, sellers: Sellers) -> Market:
    """The same market restricted to each good's ``sellers``."""
    shape, flat, at = market.weights.shape, sellers.flat, sellers.at

    def by_pair(x):
        return np.take(x if x.shape == shape else np.broadcast_to(x, shape), flat)

    def by_exporter(x):
        return np.take(x if x.shape == shape[::2] else np.broadcast_to(x, shape[::2]), at)

    caps = None if market.caps is None else by_pair(market.caps)
    return dataclasses.replace(
        market,
        weights=by_pair(market.weights),
        wedge=by_pair(market.wedge),
        capacity=by_exporter(market.capacity),
        limit=by_exporter(market.limit),
        cost=None if market.cost is None else by_exporter(market.cost),
        caps=caps if caps is not None and np.isfinite(caps).any() else None,
    )


@dataclass
class _Narrowed:
    """A market restricted to each good's exporters that can sell, and how to widen back."""

    market: Market  # (G, I, K)
    price: np.ndarray  # (G, K) the start
    whole: Market
    start: np.ndarray  # (G, J) the start, within the floor and the ceiling
    active: np.ndarray  # (G, J) exporters that can sell
    sellers: Sellers

    @classmethod
    def of(cls, market: Market, start: np.ndarray | None) -> "_Narrowed":
        n_goods, _, n_exporters = market.weights.shape
        price = np.ones((n_goods, n_exporters)) if start is None else np.asarray(start, float)
        price = np.minimum(np.maximum(price, market.floor), market.choke)  # np.clip, faster
        active = np.minimum(market.capacity, market.limit) > 0
        sellers = sellers_of(active, market.weights.shape)
        narrow = _take_columns(market, sellers)
        return cls(narrow, price.take(sellers.at), market, price, active, sellers)

    def batch_key(self) -> tuple | None:
        """Markets with equal keys stack into one ``_solve``: arrays of one shape, the
        numbers a market may give as one (``Market``) equal. None: it clears alone."""
        market = self.market
        if market.caps is not None:
            return None
        either = (market.sigma, market.choke, market.cost)  # numbers, arrays (cost: or None)
        return (
            market.weights.shape,
            market.utilisation,
            market.floor,
            *(np.shape(value) if np.ndim(value) else value for value in either),
        )

    def widen(self, narrow: Clearing) -> Clearing:
        market, active, sellers = self.whole, self.active, self.sellers
        price = self.start.copy()
        price.put(sellers.at, narrow.price)
        # An exporter whose capacity is all out of action is sold out: priced at the ceiling.
        price = np.where((market.capacity > 0) & ~active, market.choke, price)
        flows = np.zeros(market.weights.shape)
        flows.put(sellers.flat, narrow.flows)
        return Clearing(
            price,
            narrow.index,
            flows,
            narrow.demand,
            narrow.unmet,
            narrow.iterations,
            narrow.converged,
        )


def _solve(market: Market, price: np.ndarray, tolerance: float, runs: int = 1) -> Clearing:
    """The clearing proper, from ``price`` (already within the floor and the ceiling).

    ``runs`` markets stacked along the goods axis (``clear_together``) clear as each would
    alone: every good's iteration reads only its own rows, and a run whose markets have
    cleared leaves the arrays with its clearing while the others go on (alone, its loop
    would have stopped there). Iterations and convergence come back per run, (runs,) each."""
    n_goods, n_importers, n_exporters = market.weights.shape
    sigma = _by_good(market.sigma, n_goods)  # (G, 1): broadcasts over exporters
    # Power terms of the wedge once per call: delivered q = p·w, so q^x = p^x · w^x.
    capacity = np.minimum(market.capacity, market.limit)
    active = capacity > 0  # (G, J) exporters that can sell; buyers do not wait on the others
    quantity_weights = np.where(
        active[:, None, :], market.weights * market.wedge ** (-sigma[:, :, None]), 0.0
    )
    value_weights = quantity_weights * market.wedge  # a w^(1-σ)
    single_weights = None  # a w^-σ and w in float32 for the Newton step, once one is needed
    caps = Caps.from_dense(market.caps)
    entry = (caps.good, caps.importer, caps.exporter)
    eps = market.elasticity[:, None]
    eta = market.supply_elasticity[:, None]
    # What does not change between iterations, once per call: each iteration is some sixty
    # numpy calls on small arrays, whose cost is the call, not the arithmetic.
    minus_sigma = -sigma
    unreached = market.choke * market.index_ref  # the index of an importer with no source
    potential = market.capacity * market.utilisation  # output at the base price and cost
    full = capacity * (1 - 1e-12)  # output at which an exporter is at its limit
    near_floor, near_ceiling = market.floor * (1 + 1e-9), market.choke * (1 - 1e-9)

    step_scale = np.ones((n_goods, n_exporters))
    last_sign = np.zeros((n_goods, n_exporters))
    last_move = np.zeros((n_goods, n_exporters))
    base_price, base_norm = price, np.full(n_goods, np.inf)  # the line search's last point
    direction = np.zeros((n_goods, n_exporters))
    length = np.ones(n_goods)
    was_flat = np.zeros((n_goods, n_exporters), bool)
    last_prices = (price, price)  # the prices one and two iterations back
    last_excess = np.zeros((n_goods, n_exporters))  # each exporter's, one iteration back
    full_newton = n_exporters <= FULL_NEWTON_EXPORTERS
    # Stacked runs whose markets have cleared leave the arrays (``finished`` keeps their
    # clearing); the others go on with fewer rows. Only markets without caps are stacked.
    per_run = n_goods // runs
    alive = np.arange(runs)  # the runs still in the arrays
    rows = np.arange(n_goods)  # each row's place in the stacked market
    finished: list[tuple] = []
    run_iterations = np.full(runs, MAX_ITERATIONS)
    converged = np.zeros(runs, bool)
    iterations = 0
    while iterations < MAX_ITERATIONS:
        iterations += 1
        p_weight = price**minus_sigma
        weight = (quantity_weights @ p_weight[:, :, None])[:, :, 0]  # Σ_j a q^-σ
        value = (value_weights @ (p_weight * price)[:, :, None])[:, :, 0]  # Σ_j a q^(1-σ)
        sourced = weight > 0
        index = np.where(sourced, value / np.where(sourced, weight, 1.0), unreached)
        # Demand: B, what answers the price index, plus stock purchases or releases.
        base = market.demand_ref * (index / market.index_ref) ** eps
        quantity = np.maximum(base + market.adjustment, 0.0)
        residual = np.where(sourced, quantity, 0.0)  # tonnes split over free sources
        free_weight = np.where(sourced, weight, 1.0)
        unmet_rows = np.where(sourced, 0.0, quantity)
        binding = np.zeros(len(caps), bool)
        if len(caps):
            entry_weight = quantity_weights[entry] * p_weight[caps.good, caps.exporter]
            entry_value = entry_weight * price[caps.good, caps.exporter] * market.wedge[entry]
            rows = split_capped_rows(
                market,
                caps,
                weight[caps.rows],
                value[caps.rows],
                entry_weight,
                entry_value,
                index[caps.rows],
            )
            index[caps.rows], quantity[caps.rows] = rows.index, rows.demand
            residual[caps.rows] = rows.residual
            free_weight[caps.rows] = np.where(rows.free_weight > 0, rows.free_weight, 1.0)
            unmet_rows[caps.rows] = rows.unmet
            residual[caps.rows] = np.where(rows.free_weight > 0, rows.residual, 0.0)
            binding = rows.binding
        # x_ij = a w^-σ p_j^-σ · residual_i / free_weight_i for free sources.
        pull = residual / free_weight
        sold = p_weight * (pull[:, None, :] @ quantity_weights)[:, 0, :]
        uncapped = sold  # what would be sold if no quota bound
        capped_sales = np.zeros_like(sold)  # the rows of the runs still in the arrays
        free_sales = sold
        if len(caps):
            sold = sold.copy()
            free_entry = entry_weight * pull[caps.good, caps.importer]
            taken = np.where(binding, free_entry, 0.0)
            np.subtract.at(sold, (caps.good, caps.exporter), taken - caps.tonnes * binding)
            np.add.at(capped_sales, (caps.good, caps.exporter), caps.tonnes * binding)
            # Summed over the sources left free, not as sold − capped: that difference
            # cancels to rounding, large where quotas are tight, when nothing is free.
            free_weights = quantity_weights.copy()
            free_weights[entry] *= ~binding
            free_sales = p_weight * (pull[:, None, :] @ free_weights)[:, 0, :]
        # Supply: along the cost curve, up to the limit. The curve is base utilisation at
        # the base price and cost; it shifts with the exporter's unit cost (a refiner
        # paying twice for ore needs a higher price for the same output).
        relative = price if market.cost is None else price / market.cost
        curve = potential * relative**eta  # what producers would make with no limit
        offered = np.minimum(curve, capacity)
        excess = np.log(np.maximum(sold, 1e-300)) - np.log(np.maximum(offered, 1e-300))
        floored = (price <= near_floor) & (excess < 0)
        ceilinged = (price >= near_ceiling) & (excess > 0)
        live = active & ~floored & ~ceilinged
        # An exporter nobody can buy from (every buyer with demand banned, none at home)
        # sells nothing at any price: no price clears it, and Newton cannot move it (no
        # sales, no slope), so it does not hold the others' convergence back.
        unsold = live & (sold <= 1e-12 * offered)
        if unsold.any():
            open_to = quantity_weights > 0
            if len(caps):
                open_to[entry] &= caps.tonnes > 0
            reachable = (open_to & (quantity > 0)[:, :, None]).any(axis=1)
            live &= ~(unsold & ~reachable)
        unsettled = np.abs(np.where(live, excess, 0.0)) > tolerance
        settled = ~unsettled.reshape(len(alive), -1).any(axis=1)
        run_iterations[alive[settled]] = iterations
        converged[alive[settled]] = True
        if settled.all() or iterations == MAX_ITERATIONS:
            break  # at the last, report the flows at these prices rather than move once more
        gone = np.repeat(settled, per_run) if settled.any() else None
        if gone is not None:
            shipped = _shipped(
                quantity_weights[gone],
                p_weight[gone],
                pull[gone],
                _NO_CAPS,
                binding,
                offered[gone],
                active[gone],
                unmet_rows[gone],
            )
            finished.append((rows[gone], price[gone], index[gone], quantity[gone], *shipped))

        # What only a step reads, not the test above (the last iteration takes none).
        # How the tonnes left for free sources answer their price F, for the Newton step:
        # R = B(P) + stock change − C, P = (capped value + R F)/(C + R) with B the demand
        # that answers the price and C the tonnes at binding caps, so
        # ∂log R/∂log F = ε B F / (P (C + R) − (F − P) ε B)  (ε B/R without caps).
        free_price, bought = index, residual
        if len(caps):
            base = market.demand_ref * (index / market.index_ref) ** eps  # at the new index
            free_price, bought = index.copy(), residual.copy()
            free_price[caps.rows] = rows.free_price
            bought[caps.rows] += rows.capped
        responsive = np.where(quantity > 0, base, 0.0)
        denominator = index * bought - (free_price - index) * eps * responsive
        amplification = np.divide(
            responsive * free_price,
            denominator,
            out=np.zeros_like(denominator),
            where=denominator > 0,
        )
        cap_response = None  # read only where caps bind
        if len(caps):
            cap_response = np.divide(
                amplification,
                free_price * residual,
                out=np.zeros_like(denominator),
                where=free_price * residual > 0,
            )
        at_limit = offered >= full  # at the limit: no more at any price
        pinned = at_limit.copy() if len(caps) else at_limit
        # At its limit an exporter's supply cannot rise with the price, but it falls with
        # it below: one that sells only at its buyers' quotas, and less than it offers, has
        # no other slope, and without it its price would never move.
        quota_bound = free_sales <= 1e-12 * sold
        at_limit &= ~((excess < 0) & quota_bound)
        # ... and one asked at quotas for more than it makes rises along its supply curve
        # while it can; at its limit it has no slope while they bind: its price moves by
        # what its buyers would take without them (they turn away at σ as it rises), at
        # least by its excess at σ, until a quota stops binding.
        short = quota_bound & (excess > 0)
        short_move = None
        if short.any():
            short_move = np.log(np.maximum(uncapped, 1e-300) / np.maximum(offered, 1e-300))
            short_move /= sigma
        # One at its limit that sells only at quotas, less than it makes (``glut``), has no
        # slope either until its price falls to where its cost curve meets those sales.
        glut = quota_bound & (excess < 0) & pinned & (eta > 0) if len(caps) else None
        glut_move = None
        if glut is not None and glut.any():
            glut_move = np.log(np.maximum(sold, 1e-300) / np.maximum(curve, 1e-300))
            glut_move /= np.where(eta > 0, eta, 1.0)

        point = Point(
            price,
            p_weight,
            pull,
            residual,
            free_price,
            amplification,
            cap_response,
            sold,
            binding,
            excess,
            live,
            at_limit,
            free_weight,
            index,
            offered,
            capped_sales,
            entry_weight if len(caps) else np.zeros(0),
        )
        fallback = functools.partial(
            single_moves, market, caps, quantity_weights, value_weights, point
        )
        if full_newton:
            # Newton on each good's whole system, with a backtracking line search on its
            # Σ excess²: a step that does not reduce it enough (kinks: caps that start or
            # stop binding, limits, the price band) is halved from the last point accepted.
            # An exporter with no slope at all (``flat``: supply pinned at its limit, sales
            # at the caps, asked for more than it makes or for less) shows no progress to
            # a line search: it is left out of the norm and takes its own move whole, from
            # where it stands, every iteration, while the line search moves the others.
            # A good whose flat exporters change starts its search afresh (its norm left
            # out or took in an excess the last accepted point's did not).
            flat = None  # only quotas make an exporter flat
            if len(caps):
                flat = live & pinned & (short | glut)
                base_norm = np.where((flat != was_flat).any(axis=1), np.inf, base_norm)
                flat_before, was_flat = was_flat, flat
            counted = live if flat is None else live & ~flat
            norm = (np.where(counted, excess, 0.0) ** 2).sum(axis=1)
            accept = (norm <= (1 - 1e-4 * length) * base_norm) | (length <= MIN_STEP_LENGTH)
            if accept.any():
                if single_weights is None:
                    single_weights = (
                        quantity_weights.astype(np.float32),
                        market.wedge.astype(np.float32),
                    )
                move = newton_move(market, sigma, single_weights, caps, point, fallback, len(alive))
                newton = np.where(live, move, 0)
                if flat is not None:
                    newton = np.where(flat, 0.0, newton)  # moved apart, below
                biggest = np.abs(newton).max(axis=1, keepdims=True)
                newton *= np.minimum(1.0, MAX_LOG_STEP / np.maximum(biggest, 1e-300))
                direction = np.where(accept[:, None], newton, direction)
                base_price = np.where(accept[:, None], price, base_price)
                base_norm = np.where(accept, norm, base_norm)
            length = np.where(accept, 1.0, length * 0.5)
            moved = base_price * np.exp(length[:, None] * direction)
            if flat is not None and flat.any():
                jump = 0.0
                if short_move is not None:  # up, at least as far as its excess at σ says
                    jump = np.where(short, np.maximum(short_move, excess / sigma), 0.0)
                if glut_move is not None:
                    jump = np.where(glut, glut_move, jump)
                jump = np.clip(jump, -MAX_LOG_STEP, MAX_LOG_STEP)
                # One whose excess changed sign since the last iteration stepped over its
                # clearing price (a Newton step past the point where its free buyers stop
                # buying, from which a glut's move falls as far back): it goes back at
                # most halfway, a bisection, instead of swinging between the two.
                back = np.log(last_prices[0] / price)
                crossed = (excess * last_excess < 0) & (jump * back > 0)
                jump = np.where(crossed, np.clip(jump, -np.abs(back) / 2, np.abs(back) / 2), jump)
                moved = np.where(flat, price * np.exp(jump), moved)
                base_price = np.where(flat, moved, base_price)
                direction = np.where(flat, 0.0, direction)
            if flat is not None:
                # A price can swing for ever between two points under quotas: a refiner at
                # its limit that sells almost only at its buyers' quotas jumps up (flat,
                # short) to where one quota stops binding, and Newton's step on its few
                # free sales sends it back down, each move capped at MAX_LOG_STEP; the
                # flat set changes every time, so the line search restarts every time. The
                # price of an exporter flat now or last time, back exactly where it stood
                # two iterations ago after moving, goes halfway between the two (in log).
                before, before_last = last_prices
                swing = np.abs(np.log(price / before)) > SWING  # not a last digit's dither
                cycling = live & (flat | flat_before) & swing & (price == before_last)
                if cycling.any():
                    moved = np.where(cycling, np.sqrt(price * before), moved)
                    base_price = np.where(cycling, moved, base_price)
                    direction = np.where(cycling, 0.0, direction)
                last_prices = (price, before)
            last_excess = excess
            price = moved
        else:
            # Halve an exporter's step when its excess changes sign and cut it when only its
            # move does (fixed steps make 2-cycles); let it grow back while neither flips.
            move = fallback() if short_move is None else np.where(short, short_move, fallback())
            sign = np.sign(excess)
            excess_flipped = sign * last_sign < 0
            move_flipped = np.sign(move) * np.sign(last_move) < 0
            step_scale = np.where(
                excess_flipped,
                step_scale * 0.5,
                np.where(move_flipped, step_scale * 0.7, np.minimum(step_scale * 1.5, 1.0)),
            )
            last_sign = sign
            move = np.clip(move * step_scale, -MAX_LOG_STEP, MAX_LOG_STEP)
            last_move = np.where(live, move, 0.0)
            price = np.where(live, price * np.exp(move), price)
        price = np.minimum(np.maximum(price, market.floor), market.choke)  # np.clip, faster
        if gone is not None:  # the runs that cleared leave
            keep = ~gone
            alive, rows, market = alive[~settled], rows[keep], _rows_of(market, keep)
            (
                sigma, minus_sigma, eps, eta, capacity, active, full, potential, unreached,
                quantity_weights, value_weights, price, base_price, base_norm, direction,
                length, step_scale, last_sign, last_move, last_excess, was_flat,
            ) = (
                x[keep]
                for x in (
                    sigma, minus_sigma, eps, eta, capacity, active, full, potential, unreached,
                    quantity_weights, value_weights, price, base_price, base_norm, direction,
                    length, step_scale, last_sign, last_move, last_excess, was_flat,
                )
            )  # fmt: skip
            last_prices = tuple(x[keep] for x in last_prices)
            near_ceiling = near_ceiling[keep] if np.ndim(near_ceiling) else near_ceiling
            if single_weights is not None:
                single_weights = tuple(x[keep] for x in single_weights)

    flows, unmet = _shipped(
        quantity_weights, p_weight, pull, caps, binding, offered, active, unmet_rows
    )
    if finished:  # every run's rows back in their places
        parts = [*finished, (rows, price, index, quantity, flows, unmet)]
        price, index, quantity, flows, unmet = (
            _in_place(n_goods, [part[0] for part in parts], [part[n] for part in parts])
            for n in range(1, 6)
        )
    return Clearing(price, index, flows, quantity, unmet, run_iterations, converged)


def _shipped(quantity_weights, p_weight, pull, caps, binding, offered, active, unmet_rows):
    """The flows at an iteration's prices, and the tonnes wanted but not shipped.

    An exporter at the price ceiling rations its buyers pro rata; never ship more than an
    exporter offers, even if the loop stopped short.
    """
    flows = quantity_weights * p_weight[:, None, :] * pull[:, :, None]
    if len(caps):
        entry = (caps.good, caps.importer, caps.exporter)
        flows[entry] = np.where(binding, caps.tonnes, flows[entry])
    shipped = flows.sum(axis=1)
    ration = np.where(shipped > offered, offered / np.maximum(shipped, 1e-300), 1.0)
    wanted_flows = flows
    flows = np.where(active[:, None, :], flows * ration[:, None, :], 0.0)
    return flows, (wanted_flows - flows).sum(axis=2) + unmet_rows


def _in_place(n_rows: int, rows: list[np.ndarray], parts: list[np.ndarray]) -> np.ndarray:
    """Parts of an array, each for its ``rows``, as one array of ``n_rows`` rows."""
    whole = np.empty((n_rows, *parts[0].shape[1:]))
    for at, part in zip(rows, parts, strict=True):
        whole[at] = part
    return whole


def _rows_of(market: Market, keep: np.ndarray) -> Market:
    """A stacked market without its runs that cleared: the goods rows ``keep``."""
    fields = {name: getattr(market, name) for name in STACKED_FIELDS}
    return dataclasses.replace(
        market, **{name: value[keep] for name, value in fields.items() if np.ndim(value)}
    )
