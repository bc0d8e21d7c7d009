"""A plain-Python market clearing to check ``model.engine.markets.clear`` against.

Written for clarity, not speed: Python floats and loops over goods, importers and
exporters; numpy only to read the market and return arrays. The economics is that of
markets.py; the way to the equilibrium is different on purpose.

Two demand systems, both Armington over delivered prices q_ij = p_j · wedge_ij:

* ``"shares"`` (what markets.py clears): an importer splits its demand in tonnes by the
  shares s_ij = a_ij q_ij^-σ / Σ_k a_ik q_ik^-σ; its price index is the average price it
  pays, and its demand D_i = max(D_ref (P/P_ref)^ε + adjustment, 0) falls with it. A cap
  binds when a source's share of what is left exceeds it: that source gives its cap and
  the rest is split over the free sources (water-filling); with no free source left, the
  rest is unmet.
* ``"bundle"`` (the CES price index): P_i = (Σ_j a q^(1-σ))^(1/(1-σ)) and
  x_ij = a (q/P)^-σ D_i, so D is a CES bundle rather than tonnes. A capped source is priced
  at its shadow price: P solves Σ_j a (q̃/P)^(1-σ) = 1 with q̃ = max(q, P (a D/cap)^(1/σ)),
  up to the choke price choke·P_ref, where the importer is rationed.

Goods clear independently. Within a good, demand for exporter j falls as its own price
rises and rises with its rivals' prices (sources are gross substitutes), and its supply
S_j = min(capacity·utilisation·p^η, capacity, limit) rises with its price. So:

* each exporter's price is solved exactly with the other prices held — a root of its
  excess demand in log price, bracketed by the floor and the choke price (nonlinear
  Gauss–Seidel);
* before each sweep, the prices of all interior exporters move by one common factor,
  solved the same way. This removes the slow mode of Gauss–Seidel alone: together, a
  good's exporters face only the small demand elasticity.

An exporter is done when |log(demand/supply)| < TOLERANCE, or it is at the floor with
excess supply, or at the ceiling with excess demand — which includes an exporter that
has nothing to sell but still has buyers.
"""

import math

import numpy as np

from model.engine.markets import Clearing, Market, ceiling

DEMAND = "shares"  # the demand system markets.py clears
TOLERANCE = 1e-9  # |log(demand/supply)| at which an exporter counts as clear
MAX_SWEEPS = 1000
ROOT_STEPS = 200  # regula falsi converges in far fewer; this only guards against a stall
AT_BOUND = 1e-9  # a price this close (relative) to the floor or choke is at it, as in markets.py


def clear_reference(
    market: Market, start: np.ndarray | None = None, demand: str = DEMAND
) -> Clearing:
    """Producer prices at which every exporter of every good sells what it supplies."""
    goods, importers, exporters = market.weights.shape
    start = np.ones((goods, exporters)) if start is None else np.asarray(start, dtype=float)
    price, index = np.zeros((goods, exporters)), np.zeros((goods, importers))
    flows = np.zeros((goods, importers, exporters))
    wanted, unmet = np.zeros((goods, importers)), np.zeros((goods, importers))
    iterations, converged = 0, True
    for g in range(goods):
        good = one_good(market, g, demand)
        prices = [min(max(p, good.floor), good.choke) for p in start[g].tolist()]
        sweeps, settled = good.clear(prices)
        iterations = max(iterations, sweeps)
        converged = converged and settled
        price[g] = prices
        index[g], wanted[g], flows[g], unmet[g] = good.outcome(prices)
    return Clearing(price, index, flows, wanted, unmet, iterations, converged)


def one_good(market: Market, g: int, demand: str = DEMAND) -> "Good":
    """Good g of ``market`` under a demand system, ``"shares"`` or ``"bundle"``."""
    return {"shares": SharesGood, "bundle": BundleGood}[demand](market, g)


class Good:
    """The market of one good, as Python lists: importers i, exporters j.

    A demand system (subclass) says how an importer buys at given producer prices:
    ``sums`` are the per-importer totals over sources a trial price of one exporter only
    shifts, and ``importer`` turns them into a ``Row``.
    """

    def __init__(self, market: Market, g: int):
        self.sigma = float(np.broadcast_to(market.sigma, market.weights.shape[:1])[g])
        self.floor, self.choke = float(market.floor), float(ceiling(market)[g, 0])
        self.utilisation = float(market.utilisation)
        self.elasticity = float(market.elasticity[g])
        self.supply_elasticity = float(market.supply_elasticity[g])
        self.weight = market.weights[g].tolist()
        self.wedge = market.wedge[g].tolist()
        self.demand_ref = market.demand_ref[g].tolist()
        self.index_ref = market.index_ref[g].tolist()
        self.adjustment = market.adjustment[g].tolist()
        self.capacity = market.capacity[g].tolist()
        self.limit = market.limit[g].tolist()
        self.cost = [1.0] * len(self.capacity) if market.cost is None else market.cost[g].tolist()
        no_caps = np.full(market.weights[g].shape, np.inf)
        self.cap = (no_caps if market.caps is None else market.caps[g]).tolist()
        self.importers = range(len(self.weight))
        self.exporters = range(len(self.capacity))
        self.active = [min(self.capacity[j], self.limit[j]) > 0 for j in self.exporters]
        self.capped = [
            [j for j in self.exporters if self.cap[i][j] < math.inf] for i in self.importers
        ]

    # --- the two sides of the market -----------------------------------------------------
    def supply(self, j: int, p: float) -> float:
        wanted = self.capacity[j] * self.utilisation * (p / self.cost[j]) ** self.supply_elasticity
        return min(wanted, self.capacity[j], self.limit[j])

    def demand(self, i: int, index: float) -> float:
        wanted = self.demand_ref[i] * (index / self.index_ref[i]) ** self.elasticity
        return max(wanted + self.adjustment[i], 0.0)

    def sums(self, i: int, prices: list[float]) -> tuple[float, float]:
        total = (0.0, 0.0)
        for j in self.exporters:
            total = add(total, self.terms(i, j, prices[j]))
        return total

    def sales(self, prices: list[float]) -> list[float]:
        """Tonnes wanted from each exporter at ``prices``."""
        sold = [0.0] * len(self.capacity)
        for i in self.importers:
            row = self.importer(i, self.sums(i, prices), prices)
            for j in self.exporters:
                sold[j] += row.wanted(j, prices[j])
        return sold

    # --- the equilibrium -----------------------------------------------------------------
    def settled(self, prices: list[float]) -> bool:
        """Is every exporter clear, or at the floor with excess supply, or at the ceiling
        with excess demand?"""
        sold = self.sales(prices)
        for j in self.exporters:
            offered = self.supply(j, prices[j])
            if sold[j] == offered:
                continue
            if offered == 0:
                excess = math.inf
            elif sold[j] == 0:
                excess = -math.inf
            else:
                excess = math.log(sold[j] / offered)
            floored = prices[j] <= self.floor * (1 + AT_BOUND) and excess < 0
            ceilinged = prices[j] >= self.choke * (1 - AT_BOUND) and excess > 0
            if not (abs(excess) < TOLERANCE or floored or ceilinged):
                return False
        return True

    def clear(self, prices: list[float]) -> tuple[int, bool]:
        """Move ``prices`` (in place) to the equilibrium; returns sweeps and whether settled."""
        for sweep in range(MAX_SWEEPS):
            if self.settled(prices):
                return sweep, True
            self.common_level(prices)
            self.sweep(prices)
        return MAX_SWEEPS, self.settled(prices)

    def common_level(self, prices: list[float]) -> None:
        """Scale the prices of all active exporters strictly between the bounds by one
        factor, chosen so that together they sell what they supply."""
        interior = [
            j for j in self.exporters if self.active[j] and self.floor < prices[j] < self.choke
        ]
        if not interior:
            return
        before = {j: prices[j] for j in interior}

        def excess(log_factor):
            for j in interior:
                prices[j] = min(max(before[j] * math.exp(log_factor), self.floor), self.choke)
            sold = self.sales(prices)
            return relative_excess(
                sum(sold[j] for j in interior), sum(self.supply(j, prices[j]) for j in interior)
            )

        lowest = math.log(self.floor / max(before.values()))
        highest = math.log(self.choke / min(before.values()))
        excess(settle_between(excess, lowest, highest))

    def sweep(self, prices: list[float]) -> None:
        """Solve each exporter's price in turn, the others held (Gauss–Seidel)."""
        sums = [self.sums(i, prices) for i in self.importers]
        for j in self.exporters:
            # Each importer's sums without source j, so a trial price of j costs O(I).
            rest = [subtract(sums[i], self.terms(i, j, prices[j])) for i in self.importers]
            buyers = [i for i in self.importers if self.weight[i][j] > 0 and self.cap[i][j] > 0]

            def excess(log_price, j=j, rest=rest, buyers=buyers):
                p = prices[j] = math.exp(log_price)
                sold = 0.0
                for i in buyers:
                    row = self.importer(i, add(rest[i], self.terms(i, j, p)), prices)
                    sold += row.wanted(j, p)
                return relative_excess(sold, self.supply(j, p))

            old = prices[j]
            lowest, highest = math.log(self.floor), math.log(self.choke)
            if not self.active[j] and excess(lowest) == 0:
                prices[j] = old  # neither supply nor buyers at any price: any price clears
            else:
                excess(settle_between(excess, lowest, highest))
            sums = [add(rest[i], self.terms(i, j, prices[j])) for i in self.importers]

    def outcome(self, prices: list[float]):
        """Index, demand, flows and unmet demand per importer at the equilibrium prices.

        An exporter asked for more than it offers (at the ceiling) rations its buyers pro
        rata; what an importer's sources cannot give it is unmet as well.
        """
        n = len(self.weight)
        index, demand, unmet = [0.0] * n, [0.0] * n, [0.0] * n
        wanted = [[0.0] * len(self.capacity) for _ in self.importers]
        for i in self.importers:
            row = self.importer(i, self.sums(i, prices), prices)
            index[i], demand[i], unmet[i] = row.index, row.demand, row.unmet
            for j in self.exporters:
                wanted[i][j] = row.wanted(j, prices[j])
        flows = [[0.0] * len(self.capacity) for _ in self.importers]
        for j in self.exporters:
            asked = sum(wanted[i][j] for i in self.importers)
            offered = self.supply(j, prices[j])
            scale = offered / asked if asked > offered else 1.0
            for i in self.importers:
                flows[i][j] = wanted[i][j] * scale if self.active[j] else 0.0
        for i in self.importers:
            unmet[i] += sum(wanted[i][j] - flows[i][j] for j in self.exporters)
        return index, demand, flows, unmet


class Row:
    """How one importer buys at given prices: its index, demand and unmet tonnes, and
    what it wants from each source (``pull`` per unit of a q^-σ, or its cap)."""

    def __init__(
        self,
        good: Good,
        i: int,
        index: float,
        demand: float,
        pull: float,
        unmet: float = 0.0,
        fixed: dict[int, float] | None = None,
    ):
        self.good, self.i = good, i
        self.index, self.demand, self.pull, self.unmet = index, demand, pull, unmet
        self.fixed = fixed or {}  # tonnes from sources held at their cap

    def wanted(self, j: int, p: float) -> float:
        if j in self.fixed:
            return self.fixed[j]
        good = self.good
        a = good.weight[self.i][j]
        if a == 0 or self.pull == 0:
            return 0.0
        return min(a * (p * good.wedge[self.i][j]) ** -good.sigma * self.pull, good.cap[self.i][j])


class SharesGood(Good):
    """Demand in tonnes, split by Armington shares; caps bind by water-filling.

    ``sums`` run over an importer's uncapped sources only; its capped sources (a short
    list) are added one by one, so a banned source is never subtracted from a sum it
    dominates (at the floor price its a q^-σ can be 10⁵ times the others').
    """

    def source(self, i: int, j: int, p: float) -> tuple[float, float]:
        """Source j's a q^-σ and a q^(1-σ): the weight and value of its share."""
        weight = self.weight[i][j] * (p * self.wedge[i][j]) ** -self.sigma
        return weight, weight * p * self.wedge[i][j]

    def terms(self, i: int, j: int, p: float) -> tuple[float, float]:
        return self.source(i, j, p) if self.cap[i][j] == math.inf else (0.0, 0.0)

    def importer(self, i: int, sums: tuple[float, float], prices: list[float]) -> Row:
        every = sums
        for j in self.capped[i]:
            every = add(every, self.source(i, j, prices[j]))
        weight, value = every
        sourced = weight > 1e-300
        index = value / weight if sourced else self.choke * self.index_ref[i]
        if not self.capped[i]:
            demand = self.demand(i, index)
            if not sourced:
                return Row(self, i, index, demand, 0.0, unmet=demand)
            return Row(self, i, index, demand, demand / weight)
        if self.not_banned(i, sums, prices)[0] > 1e-300:
            index = self.price_paid(i, sums, prices)
        # else every source bans it: the index stays at the average price of the sources
        demand = self.demand(i, index)
        fill = self.fill(i, sums, demand, prices)
        if not fill.served:
            return Row(self, i, index, demand, 0.0, unmet=fill.residual, fixed=fill.at_cap)
        return Row(self, i, index, demand, fill.residual / fill.free_weight, fixed=fill.at_cap)

    def not_banned(self, i: int, sums: tuple[float, float], prices: list[float]):
        """Σ a q^-σ and Σ a q^(1-σ) over the sources that do not ban importer i."""
        total = sums
        for j in self.capped[i]:
            if self.cap[i][j] > 0:
                total = add(total, self.source(i, j, prices[j]))
        return total

    def price_paid(self, i: int, sums: tuple[float, float], prices: list[float]) -> float:
        """The index P of a capped importer: the average price it pays when it wants D(P).

        That average F(P) lies between the cheapest and dearest source, and
        log F − log P falls as P rises (d log F / d log P = ε (q_free/F − 1) < 1), so the
        root is unique. Where it wants nothing, F is the limit of a small purchase (the
        average of the sources not banning it, as an uncapped importer's index is its
        sources' average whatever it buys): without that, every price at which it wants
        nothing would be a root. With bans only, P is the average over the uncapped sources.
        """
        if sums[0] > 1e-300 and all(self.cap[i][j] == 0 for j in self.capped[i]):
            return sums[1] / sums[0]
        delivered = [prices[j] * self.wedge[i][j] for j in self.exporters if self.weight[i][j] > 0]

        def gap(log_index):
            fill = self.fill(i, sums, self.demand(i, math.exp(log_index)), prices)
            if fill.bought > 0:
                paid = fill.paid / fill.bought
            else:  # it wants nothing: the limit of a small purchase, from sources not banning it
                weight, value = self.not_banned(i, sums, prices)
                paid = value / weight
            return math.log(paid) - log_index

        return math.exp(settle_between(gap, math.log(min(delivered)), math.log(max(delivered))))

    def fill(self, i: int, sums: tuple[float, float], demand: float, prices: list[float]):
        """Which caps bind for ``demand`` tonnes: a source whose share of what is left
        exceeds its cap gives its cap, and the rest is shared again over the free sources."""
        at_cap: dict[int, float] = {}
        while True:
            free_weight, free_value = sums
            for j in self.capped[i]:
                if j not in at_cap:
                    free_weight, free_value = add(
                        (free_weight, free_value), self.source(i, j, prices[j])
                    )
            residual = max(demand - sum(at_cap.values()), 0.0)
            grown = [
                j
                for j in self.capped[i]
                if j not in at_cap
                and residual > 0
                and (
                    free_weight <= 1e-300
                    or self.source(i, j, prices[j])[0] / free_weight * residual > self.cap[i][j]
                )
            ]
            for j in grown:
                at_cap[j] = self.cap[i][j]
            if not grown:
                return Fill(self, i, at_cap, free_weight, free_value, residual, prices)


class Fill:
    """An importer's purchases once its binding caps are known."""

    def __init__(self, good, i, at_cap, free_weight, free_value, residual, prices):
        self.at_cap, self.free_weight, self.residual = at_cap, free_weight, residual
        self.served = free_weight > 1e-300
        self.bought = sum(at_cap.values()) + (residual if self.served else 0.0)
        self.paid = sum(tonnes * prices[j] * good.wedge[i][j] for j, tonnes in at_cap.items())
        if self.served:
            self.paid += residual * free_value / free_weight


class BundleGood(Good):
    """Demand as a CES bundle with a CES price index; capped sources at shadow prices."""

    def terms(self, i: int, j: int, p: float) -> tuple[float, float]:
        """Source j's a q^(1-σ), over all sources and over uncapped ones."""
        term = self.weight[i][j] * (p * self.wedge[i][j]) ** (1 - self.sigma)
        return term, term if self.cap[i][j] == math.inf else 0.0

    def importer(self, i: int, sums: tuple[float, float], prices: list[float]) -> Row:
        """P = (Σ a q^(1-σ))^(1/(1-σ)) without caps. With caps, P solves
        Σ a (q̃/P)^(1-σ) = 1 between the unconstrained index and the choke price; if even
        the choke price is too low, the importer is rationed there."""
        every, free = sums
        s = self.sigma
        choke = self.choke * self.index_ref[i]
        lowest = every ** (1 / (1 - s)) if every > 0 else choke
        rationed = every <= 0
        if self.capped[i]:
            highest = max(choke, lowest)
            quotas = [j for j in self.capped[i] if self.cap[i][j] > 0]

            def shortfall(log_index):
                return self.bundle_total(i, math.exp(log_index), free, quotas, prices) - 1.0

            rationed = shortfall(math.log(highest)) < 0
            if rationed:
                index = highest
            elif not quotas:
                index = max(free ** (1 / (1 - s)), lowest)  # bans only: out of the bundle
            elif shortfall(math.log(lowest)) >= 0:
                index = lowest
            else:
                index = math.exp(find_root(shortfall, math.log(lowest), math.log(highest)))
        else:
            index = lowest
        demand = self.demand(i, index)
        row = Row(self, i, index, demand, index**s * demand)
        if rationed:
            row.unmet = max(demand - sum(row.wanted(j, prices[j]) for j in self.exporters), 0.0)
        return row

    def bundle_total(self, i, index, free, quotas, prices) -> float:
        """Σ_j a (q̃_ij/P)^(1-σ), with sources under a quota at their shadow price."""
        s = self.sigma
        total = free * index ** (s - 1)
        wanted = self.demand(i, index)
        for j in quotas:
            a = self.weight[i][j]
            term = a * (prices[j] * self.wedge[i][j] / index) ** (1 - s)
            if a > 0 and wanted > 0:
                # the delivered price at which i wants exactly the cap: q̃/P = (a D/cap)^(1/σ)
                term = min(term, a * (a * wanted / self.cap[i][j]) ** ((1 - s) / s))
            total += term
        return total


def add(x: tuple[float, float], y: tuple[float, float]) -> tuple[float, float]:
    return x[0] + y[0], x[1] + y[1]


def subtract(x: tuple[float, float], y: tuple[float, float]) -> tuple[float, float]:
    return x[0] - y[0], x[1] - y[1]


def relative_excess(sold: float, offered: float) -> float:
    """(demand − supply)/(demand + supply): same sign as log(demand/supply), but bounded."""
    total = sold + offered
    return (sold - offered) / total if total > 0 else 0.0


def settle_between(excess, lowest: float, highest: float) -> float:
    """The x in [lowest, highest] where a decreasing ``excess`` crosses zero, or the bound
    it stays beyond (excess supply at the lowest price, excess demand at the highest)."""
    at_lowest = excess(lowest)
    if at_lowest <= 0:
        return lowest
    at_highest = excess(highest)
    if at_highest >= 0:
        return highest
    return find_root(excess, lowest, highest, at_lowest, at_highest)


def find_root(f, lo: float, hi: float, f_lo: float | None = None, f_hi: float | None = None):
    """Root of a monotone f between lo and hi, where f changes sign.

    Regula falsi, Illinois variant (the end kept twice has its value halved), with a
    bisection step whenever the secant point would not move.
    """
    f_lo = f(lo) if f_lo is None else f_lo
    f_hi = f(hi) if f_hi is None else f_hi
    kept = 0  # which end was kept last: -1 low, +1 high
    best, best_f = (lo, f_lo) if abs(f_lo) <= abs(f_hi) else (hi, f_hi)
    for _ in range(ROOT_STEPS):
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not lo < x < hi:
            x = 0.5 * (lo + hi)
        if not lo < x < hi:
            break  # the bracket is as narrow as floats allow
        fx = f(x)
        if abs(fx) < abs(best_f):
            best, best_f = x, fx
        if fx == 0:
            break
        if (fx > 0) == (f_lo > 0):
            lo, f_lo = x, fx
            if kept == 1:
                f_hi *= 0.5
            kept = 1
        else:
            hi, f_hi = x, fx
            if kept == -1:
                f_lo *= 0.5
            kept = -1
        if hi - lo <= 4e-16 * max(abs(lo), abs(hi), 1.0):
            break
    return best


def off_balance(market, result):
    """(good, exporter, price, log(sold/offered)) by this reference's own demand and supply
    at ``result``'s prices, for every exporter whose market does not clear exactly and
    that is not held at the price floor (selling less) or the ceiling (selling more)."""
    for g in range(len(result.price)):
        good = one_good(market, g)
        prices = result.price[g].tolist()
        sold = good.sales(prices)
        for j, p in enumerate(prices):
            offered = good.supply(j, p)
            if sold[j] == offered:
                continue
            excess = math.log(max(sold[j], 1e-300) / max(offered, 1e-300))
            floored = p <= good.floor * (1 + 1e-9) and excess < 0
            ceilinged = p >= good.choke * (1 - 1e-9) and excess > 0
            if not (floored or ceilinged):
                yield g, j, p, excess
