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
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from model.data import provenance
from model.data.scenario import display_path, load_scenario
from model.research.outcomes import LazyTables, catalogue, outcome_function
from model.research.spec import (
    Run,
    Setup,
    SweepError,
    SweepSpec,
    load_spec,
    overrides,
    sample_unit,
)
from model.text import t

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
    "run_one",
    "sample_unit",
    "sweep",
    "write_row",
]

RUNS_DIR = "runs"
SERIES_DIR = "series"
DESIGN_FILE = "sweep.json"


def run_one(setup: Setup, run: Run, out_dir: str | None = None) -> dict[str, Any]:
    """Run one experiment and return its row; with ``out_dir``, also write its row file.

    Any error in the run is caught and recorded in the row, so the sweep goes on.
    """
    row: dict[str, Any] = {"run_id": run.run_id, "seed": run.seed, **run.values}
    try:
        from model.engine.world import World  # imported here so reading specs stays light

        scenario = load_scenario(
            setup.scenario, overrides(run.values), steps=setup.steps, seed=run.seed
        )
        world = World(scenario, rng=run.seed).run()
        tables = LazyTables(world.recorder)  # only the tables the outcomes read
        outcomes = {name: outcome_function(name)(world, tables) for name in setup.keep}
        if out_dir is not None:
            for name in setup.series:  # before the row: a finished row has its series
                write_series(Path(out_dir), name, run.run_id, tables[name])
        row.update(status="ok", error=None, **outcomes)
    except Exception as error:  # a failing run is data, not a crash
        row.update(failed_row(setup, run, error))
    if out_dir is not None:
        write_row(Path(out_dir), row)
    return row


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
    path = row_path(out_dir, row["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    pd.DataFrame([row]).to_parquet(partial, index=False)
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
    out = Path(out_dir) if out_dir is not None else None
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
        for row in _execute(setup, pending, out, executor, workers):
            if out is not None and not row_path(out, row["run_id"]).exists():
                write_row(out, row)  # a remote worker's disk may not be ours
            rows[row["run_id"]] = row
            failed += row["status"] == "failed"
            bar.set_postfix_str(t("sweep.progress_counts", done=len(rows), failed=failed))
            bar.update()
    table = runs_table(setup, [rows[run.run_id] for run in runs])
    table.attrs["skipped"] = len(runs) - len(pending)  # finished in an earlier call
    if forced is not None:
        table.attrs["forced"] = forced
    if out is not None:
        table.to_parquet(out / "runs.parquet", index=False)
        if csv:
            table.to_csv(out / "runs.csv", index=False)
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
            raise SweepError(t("sweep.other_sweep", out=display_path(out)))
        why = provenance.mismatch(out, record)
        if why is not None and not force_resume:
            raise SweepError(t("provenance.refuse_sweep", out=display_path(out), why=why))
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
) -> Iterator[dict[str, Any]]:
    where = str(out) if out is not None else None
    if executor == "serial" or (executor is None and workers == 1):
        for run in runs:
            yield run_one(setup, run, where)
        return
    if isinstance(executor, str):
        raise SweepError(t("sweep.bad_executor", value=executor))
    with _pool(executor, workers) as pool:
        futures: dict[Future, Run] = {pool.submit(run_one, setup, run, where): run for run in runs}
        try:
            for future in as_completed(futures):
                error = future.exception()
                # A crash outside the run (a lost worker) is a failed run too.
                run = futures[future]
                yield failed_row(setup, run, error) if error else future.result()
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def _pool(executor: Executor | None, workers: int | None) -> Iterator[Executor]:
    if executor is not None:
        yield executor
        return
    # "spawn": forking a process that already runs threads (pyarrow, tqdm) can deadlock.
    pool = ProcessPoolExecutor(
        max_workers=workers or os.cpu_count(), mp_context=get_context("spawn")
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_client(address: str):
    """A ``distributed.Client`` connected to the scheduler at ``address``."""
    try:
        from distributed import Client
    except ImportError:
        raise SweepError(t("sweep.no_dask")) from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepError(t("sweep.no_scheduler", address=address, reason=error)) from None
