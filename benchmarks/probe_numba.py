"""Would a compiled clearing meet the sweep target? A measured answer (issue 16 §1).

    pip install numba          # not a dependency of the project: this probe only
    .venv/bin/python benchmarks/probe_numba.py [--runs 3]

Records every `markets.clear` call of `--runs` passive `baseline` runs of 40 quarters (the
sweep's case: no export caps, 27 economies), then clears the same markets with
`markets.clear` and with a numba kernel of the same method (Newton on each good's whole
system, backtracking line search on Σ excess², the same floor, ceiling, limits and
tolerance; float64 throughout, each good solved on its own), and prints the CPU time per
call, the largest price gap between the two, numba's import and compile times, and what
they make of a 40-quarter run. The kernel's side returns prices only (`markets.clear` also
builds the flows, demand and unmet demand), so its figures flatter numba. Without numba it
says so and stops. See benchmarks/README.md.
"""

import argparse
import importlib.util
import math
import subprocess
import sys
import time

import numpy as np

from model.data.scenario import load_scenario
from model.engine import economy, markets, reference
from model.engine.world import World

REPEATS = 5


def record(runs: int) -> tuple[list, float, float]:
    """The clear calls of ``runs`` baseline runs, and the CPU seconds of a run and of its
    clearings, measured on the same runs."""
    calls, spent = [], [0.0]
    original = economy.clear

    def clear(market, start=None, tolerance=markets.TOLERANCE):
        calls.append((market, np.array(start), tolerance))
        began = time.process_time()
        result = original(market, start=start, tolerance=tolerance)
        spent[0] += time.process_time() - began
        return result

    economy.clear = clear
    try:
        began = time.process_time()
        for seed in range(100, 100 + runs):
            reference._shared.clear()
            World(load_scenario("baseline", {}, steps=40, seed=seed), rng=seed).run()
        run = (time.process_time() - began) / runs
    finally:
        economy.clear = original
    return calls, run, spent[0] / runs


def solve_good(
    qw,
    vw,
    wedge,
    demand_ref,
    index_ref,
    eps,
    adjust,
    capacity,
    limit,
    util,
    eta,
    floor,
    choke,
    sigma,
    cost,
    price,
    tolerance,
    max_iterations,
    max_log_step,
    min_length,
):
    """One good's clearing, in loops for numba to compile: ``markets._solve`` without
    caps (no quotas, the sweep's baseline), float64 throughout."""
    n_i, n_k = qw.shape
    cap = np.minimum(capacity, limit)
    p = price.copy()
    base_p = p.copy()
    direction = np.zeros(n_k)
    base_norm = np.inf
    length = 1.0
    weight = np.zeros(n_i)
    value = np.zeros(n_i)
    index = np.zeros(n_i)
    quantity = np.zeros(n_i)
    residual = np.zeros(n_i)
    free_weight = np.ones(n_i)
    amplification = np.zeros(n_i)
    pull = np.zeros(n_i)
    pw = np.zeros(n_k)
    sold = np.zeros(n_k)
    offered = np.zeros(n_k)
    excess = np.zeros(n_k)
    live = np.zeros(n_k, np.bool_)
    at_limit = np.zeros(n_k, np.bool_)
    jac = np.zeros((n_k, n_k))
    rhs = np.zeros(n_k)
    iterations = 0
    converged = False
    while iterations < max_iterations:
        iterations += 1
        for k in range(n_k):
            pw[k] = p[k] ** (-sigma)
        for i in range(n_i):
            w = 0.0
            v = 0.0
            for k in range(n_k):
                w += qw[i, k] * pw[k]
                v += vw[i, k] * pw[k] * p[k]
            weight[i] = w
            value[i] = v
            sourced = w > 0
            index[i] = v / w if sourced else choke * index_ref[i]
            base = demand_ref[i] * (index[i] / index_ref[i]) ** eps
            quantity[i] = max(base + adjust[i], 0.0)
            residual[i] = quantity[i] if sourced else 0.0
            free_weight[i] = w if sourced else 1.0
            responsive = base if quantity[i] > 0 else 0.0
            denominator = index[i] * residual[i]
            amplification[i] = responsive * index[i] / denominator if denominator > 0 else 0.0
            pull[i] = residual[i] / free_weight[i]
        done = True
        for k in range(n_k):
            s = 0.0
            for i in range(n_i):
                s += pull[i] * qw[i, k]
            sold[k] = pw[k] * s
            relative = p[k] / cost[k]
            offered[k] = min(capacity[k] * util * relative**eta, cap[k])
            at_limit[k] = offered[k] >= cap[k] * (1 - 1e-12)
            excess[k] = math.log(max(sold[k], 1e-300)) - math.log(max(offered[k], 1e-300))
            if sold[k] <= 0 and excess[k] < 0:
                at_limit[k] = False
            floored = p[k] <= floor * (1 + 1e-9) and excess[k] < 0
            ceilinged = p[k] >= choke * (1 - 1e-9) and excess[k] > 0
            live[k] = cap[k] > 0 and not floored and not ceilinged
            if live[k] and sold[k] <= 1e-12 * offered[k]:
                reachable = False
                for i in range(n_i):
                    if qw[i, k] > 0 and quantity[i] > 0:
                        reachable = True
                if not reachable:
                    live[k] = False
            if live[k] and abs(excess[k]) > tolerance:
                done = False
        if done:
            converged = True
            break
        if iterations == max_iterations:
            break
        norm = 0.0
        for k in range(n_k):
            if live[k]:
                norm += excess[k] ** 2
        accept = norm <= (1 - 1e-4 * length) * base_norm or length <= min_length
        if accept:
            # Newton: J[j, k] = Σ_i s_ij s_ik (c_i + d_i q_ik) / sales_j, minus σ and η
            # on the diagonal, over live exporters.
            jac[:, :] = 0.0
            for j in range(n_k):
                rhs[j] = 0.0
            for i in range(n_i):
                if residual[i] <= 0:
                    continue
                amplified = eps * amplification[i]
                c = sigma * (1 + amplified) * residual[i]
                d = amplified * (1 - sigma) * residual[i] / index[i]
                over = 1.0 / free_weight[i]
                for j in range(n_k):
                    sj = qw[i, j] * pw[j] * over
                    if sj == 0.0:
                        continue
                    for k in range(n_k):
                        sk = qw[i, k] * pw[k] * over
                        jac[j, k] += sj * sk * (c + d * wedge[i, k] * p[k])
                    jac[j, j] -= sigma * sj * residual[i]
            for j in range(n_k):
                fixed = (not live[j]) or sold[j] <= 0
                for k in range(n_k):
                    jac[j, k] /= max(sold[j], 1e-300)
                jac[j, j] -= 0.0 if at_limit[j] else eta
                if fixed:
                    for k in range(n_k):
                        jac[j, k] = 0.0
                        jac[k, j] = 0.0
                rhs[j] = 0.0 if fixed else -excess[j]
            for j in range(n_k):
                fixed = (not live[j]) or sold[j] <= 0
                if fixed:
                    jac[j, j] = 1.0
            step = np.linalg.solve(jac, rhs)
            biggest = 0.0
            for k in range(n_k):
                if not live[k]:
                    step[k] = 0.0
                biggest = max(biggest, abs(step[k]))
            scale = min(1.0, max_log_step / max(biggest, 1e-300))
            for k in range(n_k):
                direction[k] = step[k] * scale
                base_p[k] = p[k]
            base_norm = norm
            length = 1.0
        else:
            length *= 0.5
        for k in range(n_k):
            p[k] = min(max(base_p[k] * math.exp(length * direction[k]), floor), choke)
    return p, iterations, converged


def kernel_clear(solve_good, market, start, tolerance):
    """`markets.clear` for a market without caps, each good solved by the kernel."""
    n_goods, _, n_exporters = market.weights.shape
    price = np.clip(np.array(start, float), market.floor, market.choke)
    active = np.minimum(market.capacity, market.limit) > 0
    sellers = markets.sellers_of(active, market.weights.shape)
    narrow = markets._take_columns(market, sellers)
    sigma = markets._by_good(narrow.sigma, n_goods)[:, 0]
    choke = markets.ceiling(narrow)[:, 0]
    cost = np.ones(narrow.capacity.shape) if narrow.cost is None else narrow.cost
    start_narrow = price.take(sellers.at)
    iterations = 0
    for g in range(n_goods):
        alive = np.minimum(narrow.capacity[g], narrow.limit[g]) > 0
        qw = np.where(alive[None, :], narrow.weights[g] * narrow.wedge[g] ** -sigma[g], 0.0)
        found, used, _ = solve_good(
            qw,
            qw * narrow.wedge[g],
            narrow.wedge[g],
            narrow.demand_ref[g],
            narrow.index_ref[g],
            float(narrow.elasticity[g]),
            narrow.adjustment[g],
            narrow.capacity[g],
            narrow.limit[g],
            float(narrow.utilisation),
            float(narrow.supply_elasticity[g]),
            float(narrow.floor),
            float(choke[g]),
            float(sigma[g]),
            cost[g],
            start_narrow[g],
            tolerance,
            markets.MAX_ITERATIONS,
            markets.MAX_LOG_STEP,
            markets.MIN_STEP_LENGTH,
        )
        start_narrow[g] = found
        iterations = max(iterations, used)
    price.put(sellers.at, start_narrow)
    return np.where((market.capacity > 0) & ~active, market.choke, price), iterations


def import_seconds() -> float:
    """numba's import in a fresh interpreter that has numpy already, median of three."""
    code = (
        "import time, numpy; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"
    )
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return sorted(times)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if importlib.util.find_spec("numba") is None:
        print("numba is not installed: `pip install numba` to run this probe.")
        return
    from numba import njit

    calls, run, clearing = record(args.runs)
    calls = [c for c in calls if c[0].caps is None]
    compiled = njit(solve_good)
    inside = [0.0]  # CPU seconds in the compiled function itself

    def kernel(*arguments):
        began = time.process_time()
        answer = compiled(*arguments)
        inside[0] += time.process_time() - began
        return answer

    began = time.process_time()
    kernel_clear(kernel, *calls[0])
    compile_s = time.process_time() - began

    def timed(clear_one) -> tuple[float, float, list]:
        """Best of REPEATS passes over the calls: CPU per call, and of it in the kernel."""
        best, best_inside, out = math.inf, math.inf, []
        for _ in range(REPEATS):
            inside[0] = 0.0
            began = time.process_time()
            out = [clear_one(m, s, tol) for m, s, tol in calls]
            best = min(best, time.process_time() - began)
            best_inside = min(best_inside, inside[0])
        return best / len(calls), best_inside / len(calls), out

    with markets.one_blas_thread():
        numpy_call, _, numpy_out = timed(lambda m, s, tol: markets.clear(m, s, tol).price)
        kernel_call, compiled_call, kernel_out = timed(
            lambda m, s, tol: kernel_clear(kernel, m, s, tol)[0]
        )
    gap = max(
        float(np.abs(np.log(a) - np.log(b)).max())
        for a, b in zip(numpy_out, kernel_out, strict=True)
    )
    per_run = len(calls) / args.runs
    print(f"{len(calls)} clear calls of {args.runs} baseline runs (no caps), {per_run:.0f} a run")
    print(f"numpy (markets.clear):          {numpy_call * 1e6:5.0f} µs a call")
    print(f"numba kernel, with numpy glue:  {kernel_call * 1e6:5.0f} µs a call")
    print(f"  of which the compiled solves: {compiled_call * 1e6:5.0f} µs a call")
    print(f"largest |log price gap|: {gap:.1e}")
    print(f"numba import: {import_seconds():.2f} s; first call (compile): {compile_s:.1f} s")
    rest = run - clearing
    print(
        f"a 40-quarter run: {run * 1e3:.0f} ms CPU, of which clearing {clearing * 1e3:.0f} ms;"
        f" with the kernel and its glue ≈ {(rest + kernel_call * per_run) * 1e3:.0f} ms, with"
        f" only the compiled solves ≈ {(rest + compiled_call * per_run) * 1e3:.0f} ms, with a"
        f" free clearing {rest * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
