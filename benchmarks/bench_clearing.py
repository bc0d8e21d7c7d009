"""How fast the markets clear: the bundled baseline, synthetic worlds up to 200 × 40, the
plain-Python reference for scale, growth with the number of economies, peak memory.

    .venv/bin/python benchmarks/bench_clearing.py [--quick] [--repeat N]

Each timing is the median of N runs after one untimed warm-up (time.perf_counter); the
speed of the vectorised clearing is reported as a ratio against the reference clearing
run in the same process. ``--quick`` is a smoke run: one repetition, no warm-up, and the
reference only on the smallest world. See benchmarks/README.md for what each figure means.
"""

import argparse
import dataclasses
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from model.engine.markets import Market, clear  # noqa: E402
from model.engine.world import World  # noqa: E402
from support.reference_clearing import clear_reference  # noqa: E402
from support.synthetic import synthetic_market  # noqa: E402

ECONOMIES = (20, 54, 200)
GOODS = (16, 40)
REFERENCE_SIZES = ((20, 16), (54, 16))
CASES = ("quiet", "outage", "bans", "bans, next quarter")
REFERENCE_CASES = ("outage", "bans")
SLOW = 1.0  # s: a case slower than this is timed fewer times
SLOW_REPEAT = 3
QUARTER_GROWTH = 1.007  # demand growth in one quarter (~2.8 %/yr, world_2024's REE growth)

# Targets from the performance brief.
BASELINE_STEP_MS = 10.0
STEP_54_MS = 30.0  # a 54-economy step; the 54 × 16 clearing stands in for it
COLD_200_40_BANS_MS = 400.0
SPEEDUP_54_16 = 25.0
GROWTH_EXPONENT = 2.0


def machine() -> str:
    """CPU model, cores, Python and numpy versions: the line every result is read against."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, {platform.system()} {platform.machine()}")


def code_version(*paths: str) -> str:
    """The commit measured, and which of ``paths`` differ from it (others edit the tree too)."""
    paths = paths or ("model/engine/markets.py",)
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", *paths], cwd=root,
                                 capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    modified = sorted({line[3:] for line in changed if line.strip()})
    return f"{commit}{' with ' + ', '.join(modified) + ' modified' if modified else ''}"


def median_time(run, repeat: int, warmup: bool = True):
    """Median seconds of ``repeat`` calls of ``run()`` (fewer when slow), its last result, N."""
    if warmup:
        began = time.perf_counter()
        run()
        if time.perf_counter() - began > SLOW:
            repeat = min(repeat, SLOW_REPEAT)
    times, result = [], None
    for _ in range(max(repeat, 1)):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result, len(times)


# --- (a) the bundled baseline scenario -------------------------------------------------------
class TimedWorld(World):
    """A World that also times the market clearing inside each step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clear_seconds: list[float] = []

    def clear(self, step: int):  # a generator, as World.clear (run alone: no pause inside)
        began = time.perf_counter()
        yield from super().clear(step)
        self.clear_seconds.append(time.perf_counter() - began)


def time_baseline(scenario: str = "baseline", steps: int = 20, warmup: int = 2) -> dict:
    """Median wall time of a whole step and of its market clearing, over ``steps`` steps."""
    world = TimedWorld(scenario)
    for _ in range(warmup):
        world.step()
    world.clear_seconds.clear()
    step_seconds, iterations = [], []
    for _ in range(steps):
        began = time.perf_counter()
        world.step()
        step_seconds.append(time.perf_counter() - began)
        iterations.append(world.outcome.iterations)
    economies, goods = world.data.production0.shape
    return {
        "economies": economies,
        "goods": goods,
        "steps": steps,
        "step_ms": 1e3 * statistics.median(step_seconds),
        "clear_ms": 1e3 * statistics.median(world.clear_seconds),
        "max_iterations": max(iterations),
    }


# --- (b) synthetic worlds ---------------------------------------------------------------------
def cases(n_economies: int, n_goods: int, seed: int = 0) -> dict[str, Market]:
    """The markets timed at one size, all started from base prices (a cold start).

    quiet: the calibrated market, already clear at base prices (one iteration: overhead).
    outage: the biggest producer of each good can make half its capacity.
    bans: the biggest producer of each good bans exports to every other economy, and the
    second biggest can make half its capacity.
    """
    quiet = synthetic_market(np.random.default_rng(seed), n_economies, n_goods)
    outage = synthetic_market(np.random.default_rng(seed), n_economies, n_goods, shock=0.5)
    bans = synthetic_market(np.random.default_rng(seed), n_economies, n_goods, bans=True)
    second = np.argsort(bans.capacity, axis=1)[:, -2]
    limit = bans.limit.copy()
    limit[np.arange(n_goods), second] *= 0.5
    return {"quiet": quiet, "outage": outage, "bans": dataclasses.replace(bans, limit=limit)}


def next_quarter(market: Market) -> Market:
    return dataclasses.replace(market, demand_ref=market.demand_ref * QUARTER_GROWTH)


def time_clearing(economies=ECONOMIES, goods=GOODS, repeat: int = 5, warmup: bool = True):
    """One row per (case, economies, goods): median ms of one ``clear``, N, iterations."""
    rows = []
    for n_goods in goods:
        for n_economies in economies:
            markets = cases(n_economies, n_goods)
            results = {}
            for name in CASES:
                if name == "bans, next quarter":
                    # The quarter after the bans, warm-started from their equilibrium.
                    market, start = next_quarter(markets["bans"]), results["bans"].price
                else:
                    market, start = markets[name], None
                seconds, result, n = median_time(lambda m=market, s=start: clear(m, s),
                                                 repeat, warmup)
                results[name] = result
                rows.append({"case": name, "economies": n_economies, "goods": n_goods,
                             "ms": 1e3 * seconds, "n": n, "iterations": result.iterations,
                             "converged": result.converged})
    return rows


# --- (c) against the plain-Python reference -----------------------------------------------------
def compare_reference(sizes=REFERENCE_SIZES, names=REFERENCE_CASES, repeat: int = 5,
                      warmup: bool = True):
    """Vectorised vs reference on the same markets: times, speed ratio, price agreement."""
    rows = []
    for n_economies, n_goods in sizes:
        markets = cases(n_economies, n_goods)
        for name in names:
            market = markets[name]
            fast, vectorised, n = median_time(lambda m=market: clear(m), repeat, warmup)
            began = time.perf_counter()
            reference = clear_reference(market)
            slow = time.perf_counter() - began
            gap = np.abs(np.log(vectorised.price / reference.price)).max()
            rows.append({"case": name, "economies": n_economies, "goods": n_goods,
                         "vectorised_ms": 1e3 * fast, "n": n, "reference_s": slow,
                         "speedup": slow / fast, "price_gap": float(gap),
                         "converged": vectorised.converged and reference.converged})
    return rows


# --- (d) growth with the number of economies ---------------------------------------------------
def growth_exponent(sizes, values) -> float:
    """Least-squares slope of log(value) against log(size): cost ∝ size^slope."""
    x, y = np.log(np.asarray(sizes, float)), np.log(np.asarray(values, float))
    return float(np.polyfit(x, y, 1)[0])


def growth(rows) -> list[dict]:
    """Exponent of time (and of time per iteration) in the number of economies."""
    out = []
    for n_goods in sorted({row["goods"] for row in rows}):
        for name in CASES:
            series = sorted((row["economies"], row["ms"], row["iterations"]) for row in rows
                            if row["case"] == name and row["goods"] == n_goods)
            if len(series) < 2:
                continue
            sizes, ms, iterations = zip(*series, strict=True)
            per_iteration = [t / k for t, k in zip(ms, iterations, strict=True)]
            out.append({"case": name, "goods": n_goods, "economies": sizes,
                        "time": growth_exponent(sizes, ms),
                        "per_iteration": growth_exponent(sizes, per_iteration)})
    return out


# --- (e) memory ----------------------------------------------------------------------------------
def peak_memory(n_economies: int = 200, n_goods: int = 40, name: str = "bans") -> dict:
    """Peak bytes traced (tracemalloc, numpy included) during one ``clear``."""
    market = cases(n_economies, n_goods)[name]
    tracemalloc.start()
    tracemalloc.reset_peak()
    clear(market)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    array = n_goods * n_economies * n_economies * 8  # one (G, I, J) float64 array
    return {"case": name, "economies": n_economies, "goods": n_goods, "peak_mb": peak / 1e6,
            "arrays": peak / array}


# --- the report ----------------------------------------------------------------------------------
def table(headers, rows) -> str:
    """A Markdown table, columns padded to their widest cell."""
    widths = [max(len(str(h)), *(len(str(r[k])) for r in rows)) for k, h in enumerate(headers)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ratio = value / target
    met = ratio <= 1 if lower_is_better else ratio >= 1
    return f"{ratio:.2f}× target, {'met' if met else 'MISSED'}"


def find(rows, **keys):
    return next(row for row in rows if all(row[k] == v for k, v in keys.items()))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition each, a smoke run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (median)")
    args = parser.parse_args(argv)
    repeat, warmup = (1, False) if args.quick else (args.repeat, True)
    print(f"# Market clearing benchmarks — {datetime.date.today()}")
    print(f"machine: {machine()}")
    print(f"code: {code_version()}")
    print(f"median of {repeat} after a warm-up ({SLOW_REPEAT} if a run takes > {SLOW:.0f} s)"
          if warmup else "quick: one run each, no warm-up")

    base = time_baseline(steps=5 if args.quick else 20, warmup=1 if args.quick else 2)
    print(f"\n## (a) bundled baseline scenario ({base['economies']} economies × "
          f"{base['goods']} goods, median of {base['steps']} steps)")
    print(table(["figure", "ms", "target"], [
        ["whole step", f"{base['step_ms']:.1f}",
         f"≤ {BASELINE_STEP_MS:.0f} ms: {verdict(base['step_ms'], BASELINE_STEP_MS)}"],
        ["of which clearing (3 stages)", f"{base['clear_ms']:.1f}",
         f"max {base['max_iterations']} iterations"],
    ]))

    rows = time_clearing(repeat=repeat, warmup=warmup)
    print("\n## (b) one clear on synthetic worlds (cold start unless noted)")
    print(table(["case", "economies × goods", "median ms", "N", "iterations", "converged"], [
        [r["case"], f"{r['economies']} × {r['goods']}", f"{r['ms']:.1f}", r["n"],
         r["iterations"], "yes" if r["converged"] else "NO"] for r in rows]))
    stand_in = find(rows, case="bans, next quarter", economies=54, goods=16)
    cold = find(rows, case="bans", economies=200, goods=40)
    print(f"54-economy step ≤ {STEP_54_MS:.0f} ms (stand-in: 54 × 16 'bans, next quarter'): "
          f"{stand_in['ms']:.1f} ms, {verdict(stand_in['ms'], STEP_54_MS)}")
    print(f"cold clearing 200 × 40 with bans ≤ {COLD_200_40_BANS_MS:.0f} ms: "
          f"{cold['ms']:.1f} ms, {verdict(cold['ms'], COLD_200_40_BANS_MS)}")

    sizes = REFERENCE_SIZES[:1] if args.quick else REFERENCE_SIZES
    comparison = compare_reference(sizes, repeat=repeat, warmup=warmup)
    print("\n## (c) vectorised against the plain-Python reference (reference timed once)")
    print(table(["case", "economies × goods", "vectorised ms", "reference s", "speed-up",
                 "max |log p gap|", "both converged"], [
        [r["case"], f"{r['economies']} × {r['goods']}", f"{r['vectorised_ms']:.1f}",
         f"{r['reference_s']:.2f}", f"{r['speedup']:.0f}×", f"{r['price_gap']:.1e}",
         "yes" if r["converged"] else "NO"] for r in comparison]))
    for r in comparison:
        if (r["economies"], r["goods"]) == (54, 16):
            print(f"speed-up at 54 × 16 '{r['case']}' ≥ {SPEEDUP_54_16:.0f}×: {r['speedup']:.0f}×, "
                  f"{verdict(r['speedup'], SPEEDUP_54_16, lower_is_better=False)}")

    print("\n## (d) growth with the number of economies (exponent of a fit over "
          f"{', '.join(map(str, ECONOMIES))})")
    print(table(["case", "goods", "time ∝ N^", "time per iteration ∝ N^", "target ≤ N²"], [
        [g["case"], g["goods"], f"{g['time']:.2f}", f"{g['per_iteration']:.2f}",
         "met" if g["time"] <= GROWTH_EXPONENT else "MISSED"] for g in growth(rows)]))

    memory = [peak_memory(200, 40, name) for name in ("quiet", "bans")]
    print("\n## (e) peak memory of one clear (tracemalloc)")
    print(table(["case", "economies × goods", "peak MB", "in (G, I, J) float64 arrays"], [
        [m["case"], f"{m['economies']} × {m['goods']}", f"{m['peak_mb']:.0f}",
         f"{m['arrays']:.1f}"] for m in memory]))


if __name__ == "__main__":
    main()
