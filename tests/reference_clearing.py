"""A plain-Python market clearing to check ``model.markets.clear`` against.

Written for clarity, not speed: Python floats and loops over goods, importers and
exporters; numpy only to read the market and return arrays. The economics is that of
markets.py (see its docstring). The way to the equilibrium is different on purpose.

Goods clear independently. Within a good, demand for exporter j falls as its own price
rises and rises with its rivals' prices (sources are gross substitutes, σ > |ε|), and its
supply rises with its price. So:

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

from model.markets import Clearing, Market

TOLERANCE = 1e-10  # |log(demand/supply)| at which an exporter counts as clear
MAX_SWEEPS = 1000
ROOT_STEPS = 200  # regula falsi converges in far fewer; this only guards against a stall
AT_BOUND = 1e-9  # a price this close (relative) to the floor or choke is at it, as in markets.py


def clear_reference(market: Market, start: np.ndarray | None = None) -> Clearing:
    """Producer prices at which every exporter of every good sells what it supplies."""
    G, I, J = market.weights.shape
    start = np.ones((G, J)) if start is None else np.asarray(start, dtype=float)
    price, index = np.zeros((G, J)), np.zeros((G, I))
    flows, demand, unmet = np.zeros((G, I, J)), np.zeros((G, I)), np.zeros((G, I))
    iterations, converged = 0, True
    for g in range(G):
        good = Good(market, g)
        prices = [min(max(p, good.floor), good.choke) for p in start[g].tolist()]
        sweeps, settled = good.clear(prices)
        iterations = max(iterations, sweeps)
        converged = converged and settled
        price[g] = prices
        index[g], demand[g], flows[g], unmet[g] = good.outcome(prices)
    return Clearing(price, index, flows, demand, unmet, iterations, converged)


class Good:
    """The market of one good, as Python lists: importers i, exporters j."""

    def __init__(self, market: Market, g: int):
        self.sigma = float(market.sigma)
        self.floor, self.choke = float(market.floor), float(market.choke)
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
        caps = market.caps[g] if market.caps is not None else np.full(market.weights[g].shape, np.inf)
        self.cap = caps.tolist()
        self.importers = range(len(self.weight))
        self.exporters = range(len(self.capacity))
        self.active = [min(self.capacity[j], self.limit[j]) > 0 for j in self.exporters]

        # Per source, the price-free part of a q^(1-σ) = a w^(1-σ) p^(1-σ): over all
        # sources (the unconstrained bundle) and over uncapped ones only.
        s = self.sigma
        self.term = [[self.weight[i][j] * self.wedge[i][j] ** (1 - s) for j in self.exporters]
                     for i in self.importers]
        self.free_term = [[self.term[i][j] if self.cap[i][j] == math.inf else 0.0
                           for j in self.exporters] for i in self.importers]
        self.capped_row = [any(c < math.inf for c in self.cap[i]) for i in self.importers]
        self.quotas = [[j for j in self.exporters if 0 < self.cap[i][j] < math.inf]
                       for i in self.importers]

    # --- the two sides of the market -----------------------------------------------------
    def supply(self, j: int, p: float) -> float:
        wanted = self.capacity[j] * self.utilisation * p**self.supply_elasticity
        return min(wanted, self.capacity[j], self.limit[j])

    def demand(self, i: int, index: float) -> float:
        wanted = self.demand_ref[i] * (index / self.index_ref[i]) ** self.elasticity
        return max(wanted + self.adjustment[i], 0.0)

    def bundles(self, i: int, prices: list[float]) -> tuple[float, float]:
        """Σ_j a q^(1-σ) of importer i over all sources, and over its uncapped sources."""
        s = self.sigma
        every = free = 0.0
        for j in self.exporters:
            power = prices[j] ** (1 - s)
            every += self.term[i][j] * power
            free += self.free_term[i][j] * power
        return every, free

    def importer(self, i: int, every: float, free: float, prices: list[float]):
        """Importer i's price index P, its demand D(P), and whether it is rationed.

        Without caps, P = (Σ a q^(1-σ))^(1/(1-σ)). With caps, a capped source is priced at
        its shadow price and P solves Σ a (q̃/P)^(1-σ) = 1, between the unconstrained
        index and the choke price; if even the choke price is too low, the importer is
        rationed there.
        """
        s = self.sigma
        choke = self.choke * self.index_ref[i]
        lowest = every ** (1 / (1 - s)) if every > 0 else choke
        if not self.capped_row[i]:
            return lowest, self.demand(i, lowest), every <= 0
        highest = max(choke, lowest)

        def shortfall(log_index):
            return self.bundle_total(i, math.exp(log_index), free, prices) - 1.0

        if shortfall(math.log(highest)) < 0:
            return highest, self.demand(i, highest), True
        if not self.quotas[i]:
            # Only bans: banned sources are simply out of the bundle.
            index = max(free ** (1 / (1 - s)), lowest)
        elif shortfall(math.log(lowest)) >= 0:
            index = lowest
        else:
            index = math.exp(find_root(shortfall, math.log(lowest), math.log(highest)))
        return index, self.demand(i, index), False

    def bundle_total(self, i: int, index: float, free: float, prices: list[float]) -> float:
        """Σ_j a (q̃_ij/P)^(1-σ) with capped sources at their shadow price."""
        s = self.sigma
        total = free * index ** (s - 1)
        wanted = self.demand(i, index)
        for j in self.quotas[i]:
            a = self.weight[i][j]
            term = a * (prices[j] * self.wedge[i][j] / index) ** (1 - s)
            if a > 0 and wanted > 0:
                # the delivered price at which i wants exactly the cap: q̃/P = (a D/cap)^(1/σ)
                term = min(term, a * (a * wanted / self.cap[i][j]) ** ((1 - s) / s))
            total += term
        return total

    def wanted(self, i: int, j: int, p: float, index: float, demand: float) -> float:
        """Tonnes importer i wants from exporter j: a (q/P)^-σ D, at most the cap."""
        a = self.weight[i][j]
        if a == 0 or demand == 0:
            return 0.0
        x = a * (p * self.wedge[i][j] / index) ** -self.sigma * demand
        return min(x, self.cap[i][j])

    def sales(self, prices: list[float]) -> list[float]:
        """Tonnes wanted from each exporter at ``prices``."""
        sold = [0.0] * len(self.capacity)
        for i in self.importers:
            every, free = self.bundles(i, prices)
            index, demand, _ = self.importer(i, every, free, prices)
            for j in self.exporters:
                sold[j] += self.wanted(i, j, prices[j], index, demand)
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
            excess = math.inf if offered == 0 else -math.inf if sold[j] == 0 else math.log(
                sold[j] / offered
            )
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
        interior = [j for j in self.exporters
                    if self.active[j] and self.floor < prices[j] < self.choke]
        if not interior:
            return
        before = {j: prices[j] for j in interior}

        def excess(log_factor):
            for j in interior:
                prices[j] = min(max(before[j] * math.exp(log_factor), self.floor), self.choke)
            sold = self.sales(prices)
            return relative_excess(sum(sold[j] for j in interior),
                                   sum(self.supply(j, prices[j]) for j in interior))

        lowest = math.log(self.floor / max(before.values()))
        highest = math.log(self.choke / min(before.values()))
        excess(settle_between(excess, lowest, highest))

    def sweep(self, prices: list[float]) -> None:
        """Solve each exporter's price in turn, the others held (Gauss–Seidel)."""
        s = self.sigma
        bundles = [self.bundles(i, prices) for i in self.importers]
        for j in self.exporters:
            # Each importer's bundle without source j, so a trial price of j costs O(I).
            power = prices[j] ** (1 - s)
            rest = [(every - self.term[i][j] * power, free - self.free_term[i][j] * power)
                    for i, (every, free) in enumerate(bundles)]
            buyers = [i for i in self.importers if self.weight[i][j] > 0 and self.cap[i][j] > 0]

            def excess(log_price, j=j, rest=rest, buyers=buyers):
                p = prices[j] = math.exp(log_price)
                power = p ** (1 - s)
                sold = 0.0
                for i in buyers:
                    every = rest[i][0] + self.term[i][j] * power
                    free = rest[i][1] + self.free_term[i][j] * power
                    index, demand, _ = self.importer(i, every, free, prices)
                    sold += self.wanted(i, j, p, index, demand)
                return relative_excess(sold, self.supply(j, p))

            old = prices[j]
            lowest, highest = math.log(self.floor), math.log(self.choke)
            if not self.active[j] and excess(lowest) == 0:
                prices[j] = old  # neither supply nor buyers at any price: any price clears
            else:
                excess(settle_between(excess, lowest, highest))
            power = prices[j] ** (1 - s)
            bundles = [(every + self.term[i][j] * power, free + self.free_term[i][j] * power)
                       for i, (every, free) in enumerate(rest)]

    def outcome(self, prices: list[float]):
        """Index, demand, flows and unmet demand per importer at the equilibrium prices.

        An exporter asked for more than it offers (at the ceiling) rations its buyers pro
        rata; an importer rationed at the choke price misses the rest of its demand.
        """
        I, J = len(self.weight), len(self.capacity)
        index, demand, unmet = [0.0] * I, [0.0] * I, [0.0] * I
        wanted = [[0.0] * J for _ in self.importers]
        rationed = [False] * I
        for i in self.importers:
            every, free = self.bundles(i, prices)
            index[i], demand[i], rationed[i] = self.importer(i, every, free, prices)
            for j in self.exporters:
                wanted[i][j] = self.wanted(i, j, prices[j], index[i], demand[i])
        flows = [[0.0] * J for _ in self.importers]
        for j in self.exporters:
            asked = sum(wanted[i][j] for i in self.importers)
            offered = self.supply(j, prices[j])
            scale = offered / asked if asked > offered else 1.0
            for i in self.importers:
                flows[i][j] = wanted[i][j] * scale if self.active[j] else 0.0
        for i in self.importers:
            unmet[i] = sum(wanted[i][j] - flows[i][j] for j in self.exporters)
            if rationed[i]:
                unmet[i] += max(demand[i] - sum(wanted[i]), 0.0)
        return index, demand, flows, unmet


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

    Regula falsi, Illinois variant (the end that stays put has its value halved), with a
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
