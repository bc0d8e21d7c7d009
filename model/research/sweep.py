"""Sweeps: many headless runs of one scenario over levers, uncertainties and seeds.

The spec (model/research/spec.py) says which runs; the outcomes
(model/research/outcomes.py) what each keeps. Here they run: every run is one row of the
``runs`` table, and each finished run also writes its own row file, so a sweep that stops
can be resumed. Runs go to a serial loop, a process pool or any
``concurrent.futures.Executor`` (Dask's included) and give the same table on all of them.
"""

import json
import math
import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from model.data import provenance
from model.data.arguments import argument
from model.data.scenario import display_path, load_scenario
from model.research.outcomes import LazyTables, catalogue, outcome_function
from model.research.scheduler import SCHEDULER_TIMEOUT, reach_scheduler
from model.research.spec import (
    SALIB_SAMPLERS,
    Run,
    Setup,
    SweepError,
    SweepSpec,
    load_spec,
    overrides,
    sample_unit,
)
from model.text import t, use_language

# What others import from here: running, and the spec and outcomes a sweep is made of.
__all__ = [
    "DESIGN_FILE",
    "LazyTables",
    "Run",
    "Setup",
    "SweepError",
    "SweepSpec",
    "catalogue",
    "dask_client",
    "load_spec",
    "outcome_function",
    "reach_scheduler",
    "run_and_return",
    "run_one",
    "run_several",
    "sample_unit",
    "sweep",
    "write_row",
]

RUNS_DIR = "runs"
SERIES_DIR = "series"
DESIGN_FILE = "sweep.json"
# Runs a process pool has handed to its call queue beyond one per worker
# (concurrent.futures.process.EXTRA_QUEUED_CALLS, 1 since Python 3.2).
QUEUED_CALLS = 1
# A suspect run whose worker dies this many times while it runs alone is marked failed:
# once may be a kill from outside; twice, it is the run.
SOLO_ATTEMPTS = 2
# Runs a worker steps in lockstep at most: from about 20 on, a run's clearing costs about a
# third of its time alone, and more runs side by side gain nothing (benchmarks/README.md).
GROUP_RUNS = 25
TAIL_RUNS = 8  # the shortest group at the end of a sweep on several workers
# What a group's worlds may hold in memory at once, bytes: a world keeps every quarter's
# flows (goods × economies², 8 bytes each), about 2.5 times that with the rest (measured:
# 7.4 MB for 40 quarters of baseline, 42.5 MB of washington_coalition's 59 economies), so a
# sweep of long runs of a large world steps fewer side by side.
GROUP_MEMORY = 512 * 2**20


def run_one(setup: Setup, run: Run, out_dir: str | None = None) -> dict[str, Any]:
    """Run one experiment and return its row; with ``out_dir``, also write its row file.

    Any error in the run is caught and recorded in the row, so the sweep goes on.
    """
    return run_and_return(setup, run, out_dir)[0]


def run_and_return(
    setup: Setup, run: Run, out_dir: str | None = None
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Run one experiment; return its row and its ``[outcomes] series`` tables.

    The tables travel back with the row, so the main process can write them when the
    worker's ``out_dir`` is not on the main process's disk (a cluster with no shared
    file system). With ``out_dir`` the worker also writes them itself.
    """
    return run_several(setup, [run], out_dir)[0]


def run_several(
    setup: Setup, runs: list[Run], out_dir: str | None = None
) -> list[tuple[dict[str, Any], dict[str, pd.DataFrame]]]:
    """``run_and_return`` for each of ``runs``, stepped in lockstep (model/research/lockstep.py:
    their markets clear together, each run's numbers as alone, a failing run fails alone)."""
    # Imported here so reading specs stays light.
    from model.engine.world import World
    from model.research import lockstep

    results: dict[int, tuple[dict[str, Any], dict[str, pd.DataFrame]]] = {}
    # A worker process has a language of its own: its news is written in the sweep's.
    with use_language(setup.language):
        started: list[tuple[Run, World]] = []
        for run in runs:
            try:
                scenario = load_scenario(
                    setup.scenario, overrides(run.values), steps=setup.steps, seed=run.seed
                )
                started.append((run, World(scenario, rng=run.seed)))
            except Exception as error:  # a failing run is data, not a crash
                results[run.run_id] = failed_row(setup, run, error), {}
        errors = lockstep.run_together([world for _, world in started])
        for (run, world), error in zip(started, errors, strict=True):
            results[run.run_id] = _results(setup, run, world, error)
    if out_dir is not None:
        for row, series in results.values():
            keep(Path(out_dir), row, series)
    return [results[run.run_id] for run in runs]


def _results(
    setup: Setup, run: Run, world, error: Exception | None
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A finished run's row (its outcomes) and series, or its failed row."""
    if error is not None:
        return failed_row(setup, run, error), {}
    try:
        tables = LazyTables(world.recorder)  # only the tables the outcomes read
        outcomes = {name: outcome_function(name)(world, tables) for name in setup.keep}
        series = {name: tables[name] for name in setup.series}
    except Exception as error:
        return failed_row(setup, run, error), {}
    row = {"run_id": run.run_id, "seed": run.seed, **run.values, "status": "ok", "error": None}
    return {**row, **outcomes}, series


def keep(out_dir: Path, row: dict[str, Any], series: dict[str, pd.DataFrame]) -> None:
    """Write a run's series, then its row file: a finished row has its series."""
    for name, frame in series.items():
        write_series(out_dir, name, row["run_id"], frame)
    write_row(out_dir, row)


def failed_row(setup: Setup, run: Run, error: BaseException) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "seed": run.seed,
        **run.values,
        "status": "failed",
        "error": f"{type(error).__name__}: {error}",
        **dict.fromkeys(setup.keep, math.nan),
    }


def row_path(out_dir: Path, run_id: int) -> Path:
    return out_dir / RUNS_DIR / f"run-{run_id}.parquet"


def write_row(out_dir: Path, row: dict[str, Any]) -> None:
    """Write a run's row file whole or not at all, so a killed sweep leaves no half file."""
    import pyarrow
    from pyarrow import parquet

    path = row_path(out_dir, row["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    # pyarrow's own writer: the same file as pandas' to_parquet less its metadata, in a
    # third of the time (a run's row is written once per run)
    parquet.write_table(pyarrow.Table.from_pylist([row]), partial)
    os.replace(partial, path)


def write_series(out_dir: Path, table: str, run_id: int, frame: pd.DataFrame) -> None:
    """One run's table in ``series/<table>/run_id=<id>/``: each worker writes its own part.

    ``pandas.read_parquet(out_dir / "series" / table)`` reads them all back, with run_id
    as a column (hive partitioning).
    """
    folder = out_dir / SERIES_DIR / table / f"run_id={run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"part-0.{os.getpid()}.part"
    frame.to_parquet(partial, index=False)
    os.replace(partial, folder / "part-0.parquet")


def read_row(path: Path) -> dict[str, Any] | None:
    try:
        return pd.read_parquet(path).to_dict("records")[0]
    except (OSError, ValueError, IndexError):
        return None  # unreadable: the run is done again


# --- the sweep -------------------------------------------------------------------------


def sweep(
    spec_or_path: str | Path | SweepSpec,
    out_dir: str | Path | None = None,
    executor: None | str | Executor = None,
    workers: int | None = None,
    *,
    csv: bool = False,
    progress: bool = False,
    force_resume: bool = False,
) -> pd.DataFrame:
    """Run a sweep and return its ``runs`` table, one row per run, sorted by run_id.

    ``executor``: None (a process pool of ``workers`` processes, default all cores;
    serial if ``workers == 1``), ``"serial"``, or any ``concurrent.futures.Executor``
    (e.g. ``distributed.Client(address).get_executor()``), which is not shut down.
    With ``out_dir``, each finished run writes ``out_dir/runs/run-<id>.parquet`` (and the
    tables named in ``[outcomes] series`` under ``out_dir/series/``), runs
    already finished there are skipped, and the table is written to ``out_dir/runs.parquet``
    (and ``runs.csv`` with ``csv``). ``out_dir/provenance.json`` records the code version
    and the data; a folder made by another version is resumed only with ``force_resume``
    (the table's ``attrs["forced"]`` then says what differed).
    """
    spec = spec_or_path if isinstance(spec_or_path, SweepSpec) else load_spec(spec_or_path)
    setup = spec.setup
    runs = spec.design()
    # Absolute before anything reaches a worker: a worker's current folder is not ours.
    out = Path(out_dir).resolve() if out_dir is not None else None
    rows: dict[int, dict[str, Any]] = {}
    forced = None
    if out is not None:
        forced = _claim(out, spec, setup, runs, force_resume)
        rows = _finished(out, runs)
    pending = [run for run in runs if run.run_id not in rows]
    bar = tqdm(
        total=len(runs),
        initial=len(rows),
        desc=spec.name,
        unit=t("sweep.progress_unit"),
        disable=not progress,
    )
    failed = 0
    with bar:
        for row, series in _execute(setup, pending, out, executor, workers):
            if out is not None and not row_path(out, row["run_id"]).exists():
                keep(out, row, series)  # a remote worker's disk may not be ours
            rows[row["run_id"]] = row
            failed += row["status"] == "failed"
            bar.set_postfix_str(t("sweep.progress_counts", done=len(rows), failed=failed))
            bar.update()
    table = runs_table(setup, [rows[run.run_id] for run in runs])
    if out is not None:  # before the attrs: a resumed sweep's file is a fresh one's, byte for byte
        table.to_parquet(out / "runs.parquet", index=False)
        if csv:
            table.to_csv(out / "runs.csv", index=False)
    table.attrs["skipped"] = len(runs) - len(pending)  # finished in an earlier call
    if forced is not None:
        table.attrs["forced"] = forced
    return table


def runs_table(setup: Setup, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["run_id", "seed", *setup.factors, "status", "error", *setup.keep]
    table = pd.DataFrame(rows, columns=columns)
    table["error"] = table["error"].astype(object).where(table["status"] == "failed", None)
    return table.astype(
        {"run_id": "int64", "seed": "int64", **dict.fromkeys(setup.keep, "float64")}
    )


def _claim(
    out: Path, spec: SweepSpec, setup: Setup, runs: list[Run], force_resume: bool = False
) -> str | None:
    """Record the sweep's design and provenance in ``out``, or refuse a folder holding
    another sweep, or runs of another version; return what differed when forced."""
    design = json.loads(
        json.dumps(
            {
                "name": spec.name,
                "scenario": setup.scenario,
                "steps": setup.steps,
                "outcomes": list(setup.keep),
                "runs": [[r.run_id, r.seed, r.values] for r in runs],
                # SALib's analyses read the design's order: which sampler, how many seeds.
                **(
                    {
                        "sampler": spec.header.sampler,
                        "replications": spec.header.replications,
                        "levers": list(spec.levers),  # every factor shares the seeds here
                    }
                    if spec.header.sampler in SALIB_SAMPLERS
                    else {}
                ),
            }
        )
    )
    record = provenance.describe(load_scenario(setup.scenario, steps=setup.steps))
    path = out / DESIGN_FILE
    if path.is_file():
        try:
            same = json.loads(path.read_text()) == design
        except (OSError, ValueError):
            same = False
        if not same:
            raise SweepError(
                t("sweep.other_sweep", out=display_path(out), out_argument=argument("out"))
            )
        why = provenance.mismatch(out, record)
        if why is not None and not force_resume:
            raise SweepError(
                t(
                    "provenance.refuse_sweep",
                    out=display_path(out),
                    why=why,
                    out_argument=argument("out"),
                    force_resume=argument("force_resume"),
                )
            )
        if why is not None:
            provenance.note_forced(out, record)
        return why
    out.mkdir(parents=True, exist_ok=True)
    provenance.write(out, record)
    path.write_text(json.dumps(design, indent=1))
    return None


def _finished(out: Path, runs: list[Run]) -> dict[int, dict[str, Any]]:
    """Rows of runs that finished well in an earlier call; failed runs are tried again."""
    rows = {}
    for run in runs:
        path = row_path(out, run.run_id)
        row = read_row(path) if path.is_file() else None
        if row is not None and row.get("status") == "ok":
            rows[run.run_id] = row
    return rows


def _execute(
    setup: Setup,
    runs: list[Run],
    out: Path | None,
    executor: None | str | Executor,
    workers: int | None,
) -> Iterator[tuple[dict[str, Any], dict[str, pd.DataFrame]]]:
    where = str(out) if out is not None else None
    most = group_runs(setup)
    if executor == "serial" or (executor is None and workers == 1):
        for group in _groups(runs, 1, most):
            for row, _ in run_several(setup, group, where):
                yield row, {}  # written here already
        return
    if isinstance(executor, str):
        raise SweepError(t("sweep.bad_executor", value=executor))
    if executor is not None:
        yield from _submit_all(executor, setup, _groups(runs, os.cpu_count() or 1, most), where)
        return
    yield from _on_own_pools(setup, runs, where, workers or os.cpu_count() or 1, most)


def group_runs(setup: Setup) -> int:
    """How many runs of ``setup`` step side by side at most: GROUP_RUNS, fewer where their
    worlds would hold more than GROUP_MEMORY together."""
    from model.data.world_data import load_world

    scenario = load_scenario(setup.scenario, steps=setup.steps)
    world = load_world(scenario.world)
    per_run = 2.5 * 8 * len(world.goods) * len(world.codes) ** 2 * scenario.steps
    return int(max(1, min(GROUP_RUNS, GROUP_MEMORY // per_run)))


def _groups(runs: list[Run], workers: int, most: int = GROUP_RUNS) -> list[list[Run]]:
    """The runs in groups that step in lockstep (``run_several``), in their order: at most
    ``most`` each. On several workers a group is a quarter of a worker's share of the runs
    left, so the last groups are short and the workers finish together, but not shorter
    than TAIL_RUNS (runs side by side are what makes a run cheap) unless the sweep is too
    small to keep every worker busy otherwise."""
    least = min(TAIL_RUNS, most, math.ceil(len(runs) / (4 * workers)))
    groups, start = [], 0
    while start < len(runs):
        left = len(runs) - start
        share = left if workers == 1 else max(least, math.ceil(left / (4 * workers)))
        groups.append(runs[start : start + min(most, share)])
        start += len(groups[-1])
    return groups


def _on_own_pools(
    setup: Setup, runs: list[Run], where: str | None, workers: int, most: int = GROUP_RUNS
) -> Iterator[tuple[dict[str, Any], dict[str, pd.DataFrame]]]:
    """Runs on process pools of our own, so that a dead worker loses no run.

    A worker that dies (killed, out of memory) breaks its whole pool, and every run not
    finished gets the same error. The runs that may have been in a worker then (those of
    the first unfinished groups in submission order: the pool hands groups out in order,
    ``workers`` at work and one queued) become suspects; the others go to a fresh pool.
    Each suspect then runs alone in a pool of one: only a run whose worker dies there
    twice is marked failed.
    """
    left = {run.run_id: run for run in runs}
    suspects: list[Run] = []
    while len(left) > len(suspects):
        groups = _groups([run for run in left.values() if run not in suspects], workers, most)
        with _pool(workers) as pool:
            try:
                for row, series in _submit_all(pool, setup, groups, where):
                    del left[row["run_id"]]
                    yield row, series
            except BrokenProcessPool:
                unfinished = [g for g in groups if any(run.run_id in left for run in g)]
                for group in unfinished[: workers + QUEUED_CALLS]:
                    suspects += [run for run in group if run.run_id in left]
    for run in suspects:
        for attempt in range(1, SOLO_ATTEMPTS + 1):
            with _pool(1) as pool:
                try:
                    yield from _submit_all(pool, setup, [[run]], where)
                    break
                except BrokenProcessPool as error:
                    if attempt == SOLO_ATTEMPTS:
                        yield failed_row(setup, run, error), {}


def _submit_all(
    pool: Executor, setup: Setup, groups: list[list[Run]], where: str | None
) -> Iterator[tuple[dict[str, Any], dict[str, pd.DataFrame]]]:
    """Every run's row and series as its group finishes; a pool of our own that broke
    raises."""
    futures: dict[Future, list[Run]] = {
        pool.submit(run_several, setup, group, where): group for group in groups
    }
    try:
        for future in as_completed(futures):
            error = future.exception()
            if isinstance(error, BrokenProcessPool) and isinstance(pool, ProcessPoolExecutor):
                raise error  # _execute starts a fresh pool for the runs left
            if error is None:
                yield from future.result()
            else:  # a crash outside the runs (a lost worker elsewhere) fails them
                for run in futures[future]:
                    yield failed_row(setup, run, error), {}
    finally:
        for future in futures:
            future.cancel()


@contextmanager
def _pool(workers: int | None) -> Iterator[ProcessPoolExecutor]:
    # "spawn": forking a process that already runs threads (pyarrow, tqdm) can deadlock.
    pool = ProcessPoolExecutor(
        max_workers=workers or os.cpu_count(), mp_context=get_context("spawn")
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_client(address: str, timeout: float = SCHEDULER_TIMEOUT):
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    A TCP address is tried with a plain socket first: an unreachable scheduler is reported
    within ``timeout`` seconds, before Dask is imported.
    """
    reach_scheduler(address, timeout)
    try:
        from distributed import Client
    except ImportError:
        raise SweepError(t("sweep.no_dask", scheduler=argument("scheduler"))) from None
    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepError(t("sweep.no_scheduler", address=address, reason=error)) from None
