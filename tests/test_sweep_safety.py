"""Sweeps that never lose a run: the findings of the research review (§2, §3), one by one.

Relative ``--out`` with workers elsewhere, series without a shared disk, a dead pool
worker, the exit status after failures, an unreachable scheduler, a resumed file's bytes.
"""

import hashlib
import os
import socket
from concurrent.futures import Executor, Future
from pathlib import Path

import pandas as pd
import pytest

import model.research.sweep as sweeps
from model.research.scheduler import SchedulerError, reach_scheduler
from model.research.sweep import sweep
from support import dying
from ui.cli import main

SPEC = """
[sweep]
name = "safety"
scenario = "baseline"
steps = 2
seed = 7

[levers]
"countries.CHN.controller" = ["passive", "ai"]

[uncertainties]
"parameters.shock_rate" = [0.0, 0.5]

[outcomes]
keep = ["mean_score", "china_refined_share"]
series = ["countries"]
"""


def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    return path


class Elsewhere(Executor):
    """A worker in another place: its own current folder, and with ``disk`` its own disk.

    It runs each job at once, in this process, after changing to ``cwd``; with ``disk``
    it writes wherever the job says into ``disk`` instead, so nothing it writes reaches
    the main process's folder (a cluster with no shared file system).
    """

    def __init__(self, cwd: Path, disk: Path | None = None):
        self.cwd, self.disk = cwd, disk

    def submit(self, fn, /, *args, **kwargs):
        if self.disk is not None and args and isinstance(args[-1], str):
            args = (*args[:-1], str(self.disk))
        future: Future = Future()
        here = Path.cwd()
        os.chdir(self.cwd)
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed back as a worker would
            future.set_exception(error)
        finally:
            os.chdir(here)
        return future


def test_a_relative_out_reaches_workers_as_an_absolute_path(tmp_path, monkeypatch):
    client, worker = tmp_path / "client", tmp_path / "worker"
    client.mkdir(), worker.mkdir()
    monkeypatch.chdir(client)
    runs = sweep(spec(tmp_path), "rel_out", executor=Elsewhere(worker))
    assert (runs["status"] == "ok").all()
    series = pd.read_parquet(client / "rel_out" / "series" / "countries")
    assert sorted(series["run_id"].astype(int).unique()) == [0, 1, 2, 3]
    assert list(worker.iterdir()) == []  # nothing written in the worker's own folder


def test_series_come_back_through_the_future_when_workers_share_no_disk(tmp_path):
    serial = tmp_path / "serial"
    sweep(spec(tmp_path), serial, executor="serial")
    remote_disk = tmp_path / "remote"
    out = tmp_path / "out"
    runs = sweep(spec(tmp_path), out, executor=Elsewhere(tmp_path, disk=remote_disk))
    assert (runs["status"] == "ok").all()
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        f"run-{i}.parquet" for i in range(4)
    ]
    here = pd.read_parquet(out / "series" / "countries")
    expected = pd.read_parquet(serial / "series" / "countries")
    pd.testing.assert_frame_equal(here, expected)


@pytest.mark.slow
def test_a_dead_pool_worker_gets_its_run_resubmitted(tmp_path, monkeypatch):
    serial = sweep(spec(tmp_path), tmp_path / "serial", executor="serial")
    monkeypatch.setattr(sweeps, "run_several", dying.die_for_some_runs)
    out = tmp_path / "pool"
    runs = sweep(spec(tmp_path), out, workers=2)
    # Run ONCE lost its worker once and was done again on a fresh pool; run ALWAYS kills
    # every worker it meets and fails once it has died alone; the others all finished.
    status = runs.set_index("run_id")["status"]
    assert status[dying.ALWAYS] == "failed"
    assert "BrokenProcessPool" in runs.set_index("run_id")["error"][dying.ALWAYS]
    assert (status.drop(dying.ALWAYS) == "ok").all()
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    expected = serial[serial["run_id"] != dying.ALWAYS].reset_index(drop=True)
    pd.testing.assert_frame_equal(ok, expected, check_exact=True)


def test_the_sweep_command_exits_non_zero_when_a_run_failed(tmp_path, monkeypatch, capsys):
    real = sweeps.load_scenario

    def load(name, overrides=(), **kwargs):
        if "parameters.shock_rate=0.5" in overrides:
            raise RuntimeError("the model broke")
        return real(name, overrides, **kwargs)

    monkeypatch.setattr(sweeps, "load_scenario", load)
    out = tmp_path / "out"
    code = main(["sweep", str(spec(tmp_path)), "--workers", "1", "--out", str(out)])
    assert code == 1
    captured = capsys.readouterr()
    assert "4 runs (2 ok, 2 failed" in captured.out
    assert "2 of 4 runs failed" in captured.err
    runs = pd.read_parquet(out / "runs.parquet")  # what succeeded is written
    assert (runs["status"] == "ok").sum() == 2


def closed_port() -> int:
    """A local port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_is_reported_before_the_design(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{closed_port()}"
    out = tmp_path / "out"
    # The spec does not even exist: the scheduler is asked first, before the design.
    args = ["sweep", str(tmp_path / "nowhere.toml"), "--scheduler", address, "--out", str(out)]
    assert main([*args, "--scheduler-timeout", "3"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at {address}: no answer within 3 s" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_the_scheduler_check_takes_its_timeout_as_a_parameter():
    address = f"127.0.0.1:{closed_port()}"
    with pytest.raises(SchedulerError, match=r"no answer within 0\.5 s"):
        reach_scheduler(address, timeout=0.5)
    reach_scheduler("tls://somewhere:8786", timeout=0.5)  # not TCP: left to Dask


def test_a_bad_scheduler_timeout_is_refused(capsys):
    assert main(["sweep", "x.toml", "--scheduler", "tcp://a:1", "--scheduler-timeout", "0"]) == 2
    assert "is not a number of seconds" in capsys.readouterr().err


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_resumed_runs_table_is_byte_identical_to_a_fresh_one(tmp_path):
    fresh, resumed = tmp_path / "fresh", tmp_path / "resumed"
    sweep(spec(tmp_path), fresh, executor="serial")
    sweep(spec(tmp_path), resumed, executor="serial")
    (resumed / "runs" / "run-2.parquet").unlink()
    again = sweep(spec(tmp_path), resumed, executor="serial")
    assert again.attrs["skipped"] == 3
    assert sha256(resumed / "runs.parquet") == sha256(fresh / "runs.parquet")
    sweep(spec(tmp_path), resumed, executor="serial")  # everything skipped
    assert sha256(resumed / "runs.parquet") == sha256(fresh / "runs.parquet")
