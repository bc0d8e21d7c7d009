"""How fast sweeps run: N runs × S quarters of `baseline` through model.research.sweep with 1 and 2
worker processes, the same runs through mesa.batch_run, and where one run's time goes.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 1000] [--steps 40] [--batch-runs M]
    .venv/bin/python benchmarks/bench_sweep.py --quick     # smoke run: 4 runs × 2 quarters

The sweep is a spec of `baseline` with `replications = N` (N seeds spawned from one master
seed, nothing else varied), run as `minerals sweep` runs it: into an output folder (one
row file per run, then runs.parquet), serially (`--workers 1`, in this process) and on a
spawned process pool of 2. mesa.batch_run runs the same seeds for the same number of steps
(`World(scenario="baseline", rng=seed)`, `max_steps=S`, last-step data only), in this
process and on a Pool of 2; it keeps the World's two model reporters and writes nothing.
Each sweep is timed once, wall clock (time.perf_counter), worker start-up included; the
one-run profile is the median of several runs, each a fresh World. Figures are compared
as ratios within one run of the script. See benchmarks/README.md ("Sweeps").
"""

import argparse
import datetime
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mesa

from model.data.scenario import load_scenario
from model.data.world_data import load_world
from model.engine.world import World
from model.research.sweep import LazyTables, SweepSpec, outcome_function, sweep, write_row

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "baseline"
MASTER_SEED = 2025
KEEP = [  # the outcomes every run computes: the whole fixed catalogue of model.research.sweep
    "mean_score",
    "mean_gdp_index",
    "china_refined_share",
    "non_china_refined_share",
    "world_shortage_share_mean",
    "max_shortage_share",
    "mean_price_index",
    "deals_accepted",
    "breaches",
]
WORKERS = 2
LOAD_SAMPLE_S = 5.0
POOL_START = f"start a pool of {WORKERS} (spawn, imports) until it answers"

# Targets from issue 5, part 6.
TARGET_RUNS, TARGET_STEPS, TARGET_SECONDS = 1000, 40, 60.0
TARGET_SPEEDUP = 1.7


def spec_for(runs: int, steps: int) -> SweepSpec:
    """`baseline` × ``runs`` seeds, ``steps`` quarters each, the whole outcome catalogue."""
    return SweepSpec.model_validate(
        {
            "sweep": {
                "name": "bench",
                "scenario": SCENARIO,
                "steps": steps,
                "replications": runs,
                "seed": MASTER_SEED,
            },
            "outcomes": {"keep": KEEP},
        }
    )


# --- the sweeps ------------------------------------------------------------------------------
class Clock:
    """Wall seconds, CPU seconds (this process and its reaped workers) and the load meanwhile.

    The machine is shared: the 1-minute load average, sampled every few seconds, says how
    many cores other work wanted (it counts our own busy processes too). CPU time is far
    less disturbed by that than wall time, so per-run comparisons are also made on it.
    """

    def __enter__(self) -> "Clock":
        self._stop = threading.Event()
        self._loads = [os.getloadavg()[0]]
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._cpu0, self._wall0 = _cpu_seconds(), time.perf_counter()
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(LOAD_SAMPLE_S):
            self._loads.append(os.getloadavg()[0])

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall0
        self.cpu = _cpu_seconds() - self._cpu0
        self._stop.set()
        self._sampler.join()
        self.load = statistics.mean([*self._loads, os.getloadavg()[0]])


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def time_sweep(spec: SweepSpec, workers: int) -> tuple[Clock, object]:
    """``minerals sweep --workers N`` on ``spec`` into a fresh folder, timed."""
    with tempfile.TemporaryDirectory() as out, Clock() as clock:
        if workers == 1:
            table = sweep(spec, out, executor="serial")
        else:
            table = sweep(spec, out, workers=workers)  # the pool is shut down (reaped) inside
    if not (table["status"] == "ok").all():
        raise RuntimeError(f"a benchmark run failed: {table['error'].dropna().iloc[0]}")
    return clock, table


def time_batch_run(seeds: list[int], steps: int, processes: int) -> tuple[Clock, list[dict]]:
    """mesa.batch_run over World with these seeds, ``steps`` steps each, timed."""
    method = multiprocessing.get_start_method(allow_none=True)
    try:
        with Clock() as clock:
            results = mesa.batch_run(
                World,
                # the scenario's own length would stop the World (running = False) early:
                # baseline is 20 quarters, the sweep runs ``steps`` (a list: one value, not
                # a Scenario taken apart as values to sweep)
                parameters={"scenario": [load_scenario(SCENARIO, [f"steps={steps}"])]},
                number_processes=processes,
                rng=seeds,
                max_steps=steps,
                data_collection_period=-1,
                display_progress=False,
            )
    finally:
        # batch_run forces the "spawn" start method on the whole process: put it back.
        multiprocessing.set_start_method(method, force=True)
    return clock, results


def same_runs(table, results: list[dict]) -> bool:
    """Did batch_run run the same worlds? Its last-step mean price index, seed by seed."""
    ours = dict(zip(table["seed"], table["mean_price_index"], strict=True))
    # batch_run names the seed column after World's keyword: ``seed`` (``rng`` in Mesa's
    # own models without one).
    theirs = {row.get("seed", row.get("rng")): row["mean_price_index"] for row in results}
    return bool(theirs) and all(ours[seed] == value for seed, value in theirs.items())


def measure(runs: int, steps: int, batch_runs: int | None = None, show=None) -> dict:
    """Time every configuration once; ``batch_runs`` (default ``runs``) for batch_run.

    Serial runs first, ours then batch_run, then the pools, so that each pair compared is
    measured minutes apart rather than at both ends of the benchmark. ``show(row)`` is
    called as each configuration finishes.
    """
    spec = spec_for(runs, steps)
    seeds = [run.seed for run in spec.design()]
    batch_seeds = seeds[: batch_runs or runs]
    rows, tables, results = [], [], []
    for processes in (1, WORKERS):
        clock, table = time_sweep(spec, processes)
        rows.append(row("minerals.sweep", processes, runs, steps, clock))
        tables.append(table)
        if show:
            show(rows[-1])
        clock, result = time_batch_run(batch_seeds, steps, processes)
        rows.append(row("mesa.batch_run", processes, len(batch_seeds), steps, clock))
        results.append(result)
        if show:
            show(rows[-1])
    rows.sort(key=lambda r: (r["how"] != "minerals.sweep", r["processes"]))
    return {
        "rows": rows,
        "ratios": ratios(rows),
        "executors_identical": tables[0].equals(tables[1]),
        "batch_run_same_worlds": all(same_runs(tables[0], r) for r in results),
    }


def row(how: str, processes: int, runs: int, steps: int, clock: Clock) -> dict:
    return {
        "how": how,
        "processes": processes,
        "runs": runs,
        "steps": steps,
        "seconds": clock.wall,
        "runs_per_s": runs / clock.wall,
        "ms_per_run": 1e3 * clock.wall / runs,
        "cpu_ms_per_run": 1e3 * clock.cpu / runs,
        "load": clock.load,
    }


def ratios(rows: list[dict]) -> dict[str, float]:
    """Speed-ups of 2 processes over 1; batch_run's time per run over ours (> 1: ours faster)."""
    ms = {(r["how"], r["processes"]): r["ms_per_run"] for r in rows}
    cpu = {(r["how"], r["processes"]): r["cpu_ms_per_run"] for r in rows}
    return {
        "sweep_speedup": ms["minerals.sweep", 1] / ms["minerals.sweep", WORKERS],
        "batch_run_speedup": ms["mesa.batch_run", 1] / ms["mesa.batch_run", WORKERS],
        "batch_run_over_sweep_1": ms["mesa.batch_run", 1] / ms["minerals.sweep", 1],
        "batch_run_over_sweep_2": ms["mesa.batch_run", WORKERS] / ms["minerals.sweep", WORKERS],
        "batch_run_over_sweep_cpu_1": cpu["mesa.batch_run", 1] / cpu["minerals.sweep", 1],
        "batch_run_over_sweep_cpu_2": (
            cpu["mesa.batch_run", WORKERS] / cpu["minerals.sweep", WORKERS]
        ),
    }


# --- one run and the overheads around it -------------------------------------------------------
class TimedWorld(World):
    """A World that also times the market clearing inside each step (wall and CPU)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clear_wall = self.clear_cpu = 0.0

    def clear(self, step: int):  # a generator, as World.clear (run alone: no pause inside)
        wall, cpu = time.perf_counter(), time.process_time()
        yield from super().clear(step)
        self.clear_wall += time.perf_counter() - wall
        self.clear_cpu += time.process_time() - cpu


def profile_run(steps: int, repeat: int = 5) -> dict[str, dict[str, float]]:
    """Median wall and CPU ms of each part of one sweep run, over ``repeat`` fresh runs."""
    parts: dict[str, dict[str, list[float]]] = {}

    def note(name: str, wall: float, cpu: float) -> None:
        part = parts.setdefault(name, {"wall": [], "cpu": []})
        part["wall"].append(1e3 * wall)
        part["cpu"].append(1e3 * cpu)

    def lap(name: str, began: tuple[float, float]) -> tuple[float, float]:
        now = time.perf_counter(), time.process_time()
        note(name, now[0] - began[0], now[1] - began[1])
        return now

    spec = spec_for(repeat + 1, steps)
    with tempfile.TemporaryDirectory() as out:
        for k, run in enumerate(spec.design()):
            began = time.perf_counter(), time.process_time()
            scenario = load_scenario(SCENARIO, steps=steps, seed=run.seed)
            began = lap("read the scenario", began)
            world = TimedWorld(scenario, rng=run.seed)
            began = lap("build the World", began)
            world.run()
            began = lap("run the steps", began)
            note("of which market clearing", world.clear_wall, world.clear_cpu)
            tables = LazyTables(world.recorder)
            values = {name: outcome_function(name)(world, tables) for name in KEEP}
            began = lap("outcomes (the tables they read)", began)
            write_row(Path(out), {"run_id": run.run_id, "seed": run.seed, **values})
            began = lap("write the row file", began)
            world.tables()
            lap("for comparison: all six tables", began)
            if k == 0:  # the first run warms caches (world data, imports): not counted
                parts = {}
    result = {
        name: {clock: statistics.median(ms) for clock, ms in part.items()}
        for name, part in parts.items()
    }
    aside = ("of which market clearing", "for comparison: all six tables")
    result["whole run (the parts above)"] = {
        clock: sum(part[clock] for name, part in result.items() if name not in aside)
        for clock in ("wall", "cpu")
    }
    result["per step"] = {clock: ms / steps for clock, ms in result["run the steps"].items()}
    return result


def overheads(tasks: int = 400) -> dict[str, float]:
    """Costs paid once per worker process or once per task, in ms."""
    began = time.perf_counter()
    load_world.__wrapped__(load_scenario(SCENARIO).world)  # the cache bypassed
    data = 1e3 * (time.perf_counter() - began)
    spec = spec_for(1, 1)
    setup, run = spec.setup, spec.design()[0]
    began = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        # Spawned workers import this script, hence the sweep and the World, first.
        list(pool.map(abs, range(WORKERS * 4)))
        start = 1e3 * (time.perf_counter() - began)
        began = time.perf_counter()
        futures = [pool.submit(repr, (setup, run)) for _ in range(tasks)]  # a row back
        for future in futures:
            future.result()
        per_task = 1e3 * (time.perf_counter() - began) / tasks
    return {
        POOL_START: start,
        "load the world data (once per process, then cached)": data,
        "pool round trip of one task (arguments and row)": per_task,
    }


# --- the report ----------------------------------------------------------------------------------
def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    met = value <= target if lower_is_better else value >= target
    return "met" if met else "MISSED"


def report(measured: dict, profile: dict, costs: dict, runs: int, steps: int) -> list[str]:
    from bench_clearing import table  # the Markdown table of the other benchmarks

    lines = [f"\n## (a) {runs} runs × {steps} quarters of {SCENARIO}, timed once each"]
    lines.append(
        table(
            ["how", "processes", "runs", "wall s", "runs/s", "wall ms/run", "CPU ms/run", "load"],
            [
                [
                    r["how"],
                    r["processes"],
                    r["runs"],
                    f"{r['seconds']:.1f}",
                    f"{r['runs_per_s']:.2f}",
                    f"{r['ms_per_run']:.0f}",
                    f"{r['cpu_ms_per_run']:.0f}",
                    f"{r['load']:.1f}",
                ]
                for r in measured["rows"]
            ],
        )
    )
    lines.append(
        "CPU: this process and its workers; load: mean 1-minute load average meanwhile "
        "(our own busy processes count 1 or 2 of it)."
    )
    q = measured["ratios"]
    lines.append("\n## (b) ratios (per run)")
    lines.append(
        table(
            ["ratio", "wall", "CPU"],
            [
                [
                    f"model.research.sweep: {WORKERS} workers over 1 (speed-up)",
                    f"{q['sweep_speedup']:.2f}×",
                    "",
                ],
                [
                    f"mesa.batch_run: {WORKERS} processes over 1 (speed-up)",
                    f"{q['batch_run_speedup']:.2f}×",
                    "",
                ],
                [
                    "batch_run time / model.research.sweep time, 1 process",
                    f"{q['batch_run_over_sweep_1']:.2f}",
                    f"{q['batch_run_over_sweep_cpu_1']:.2f}",
                ],
                [
                    f"batch_run time / model.research.sweep time, {WORKERS} processes",
                    f"{q['batch_run_over_sweep_2']:.2f}",
                    f"{q['batch_run_over_sweep_cpu_2']:.2f}",
                ],
            ],
        )
    )
    same = {True: "yes", False: "NO"}
    lines.append(
        f"runs tables of 1 and {WORKERS} workers identical: "
        f"{same[measured['executors_identical']]}; batch_run ran the same worlds (last-step "
        f"mean price index, seed by seed): {same[measured['batch_run_same_worlds']]}"
    )
    lines.append(f"\n## (c) one run of {steps} quarters, median over fresh runs")
    lines.append(
        table(
            ["part", "wall ms", "CPU ms"],
            [[name, f"{ms['wall']:.1f}", f"{ms['cpu']:.1f}"] for name, ms in profile.items()],
        )
    )
    lines.append("\n## (d) overheads, wall ms")
    lines.append(table(["cost", "ms"], [[name, f"{ms:.1f}"] for name, ms in costs.items()]))

    rows = {(r["how"], r["processes"]): r for r in measured["rows"]}
    parallel, serial = rows["minerals.sweep", WORKERS], rows["minerals.sweep", 1]
    scale = TARGET_RUNS / runs
    projected = parallel["seconds"] * scale
    # Were the cores ours alone: each worker's runs at the serial CPU cost, plus pool start.
    idle = (serial["cpu_ms_per_run"] * TARGET_RUNS / WORKERS + costs[POOL_START]) / 1e3
    lines.append("\n## (e) targets")
    at_size = runs == TARGET_RUNS and steps == TARGET_STEPS
    how = "measured" if at_size else f"projected from {runs} × {steps}, linearly in runs"
    comparable = steps == TARGET_STEPS
    lines.append(
        f"{TARGET_RUNS} × {TARGET_STEPS} with {WORKERS} workers ≤ {TARGET_SECONDS:.0f} s: "
        f"{projected:.1f} s ({how}), {projected / TARGET_SECONDS:.2f}× target, "
        f"{verdict(projected, TARGET_SECONDS) if comparable else 'not comparable'}; "
        f"on idle cores (serial CPU per run × runs / {WORKERS} + pool start): {idle:.1f} s, "
        f"{verdict(idle, TARGET_SECONDS) if comparable else 'not comparable'}"
    )
    lines.append(
        f"{WORKERS} workers over 1 ≥ {TARGET_SPEEDUP}×: {q['sweep_speedup']:.2f}×, "
        f"{verdict(q['sweep_speedup'], TARGET_SPEEDUP, lower_is_better=False)}"
    )
    return lines


def show(r: dict) -> None:
    print(
        f"  {r['how']} × {r['processes']}: {r['seconds']:.1f} s wall, "
        f"{r['cpu_ms_per_run']:.0f} CPU ms/run, load {r['load']:.1f}",
        flush=True,
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=TARGET_RUNS, help="runs per sweep")
    parser.add_argument("--steps", type=int, default=TARGET_STEPS, help="quarters per run")
    parser.add_argument(
        "--batch-runs", type=int, help="runs given to mesa.batch_run (default: --runs)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 runs × 2 quarters")
    args = parser.parse_args(argv)
    runs, steps = (4, 2) if args.quick else (args.runs, args.steps)
    batch_runs = min(args.batch_runs or runs, runs)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_clearing import code_version, machine

    print(f"# Sweep benchmarks — {datetime.date.today()}")
    print(f"machine: {machine()}")
    print(f"code: {code_version("model", "agents")}")
    print(f"mesa {mesa.__version__}; load average before: {os.getloadavg()[0]:.2f}", flush=True)
    profile = profile_run(steps, repeat=1 if args.quick else 9)
    costs = overheads(tasks=20 if args.quick else 400)
    measured = measure(runs, steps, batch_runs, show=show)
    print(f"load average after: {os.getloadavg()[0]:.2f} (other work may share the cores)")
    for line in report(measured, profile, costs, runs, steps):
        print(line)
    return {"measured": measured, "profile": profile, "overheads": costs}


if __name__ == "__main__":
    main()
