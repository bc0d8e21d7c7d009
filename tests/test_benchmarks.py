"""The benchmark script runs: each measurement on tiny sizes returns finite numbers.

Nothing here is timed against a target; speed is measured by benchmarks/bench_clearing.py.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_clearing.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_clearing", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_machine_and_code_are_named(bench):
    line = bench.machine()
    assert "cores" in line and "numpy" in line
    assert bench.code_version()


def test_a_baseline_step_is_timed(bench):
    result = bench.time_baseline(steps=1, warmup=1)
    assert result["economies"] > 0 and result["goods"] > 0
    assert math.isfinite(result["step_ms"]) and result["step_ms"] > 0
    assert 0 < result["clear_ms"] <= result["step_ms"]


def test_clearing_is_timed_for_every_case_and_size(bench):
    rows = bench.time_clearing(economies=(4, 6, 8), goods=(2,), repeat=1, warmup=False)
    assert {row["case"] for row in rows} == set(bench.CASES)
    assert len(rows) == 3 * len(bench.CASES)
    assert all(math.isfinite(row["ms"]) and row["ms"] > 0 for row in rows)
    for fit in bench.growth(rows):
        assert math.isfinite(fit["time"]) and math.isfinite(fit["per_iteration"])


def test_the_reference_is_compared_on_the_same_markets(bench):
    rows = bench.compare_reference(sizes=((4, 2),), repeat=1, warmup=False)
    assert [row["case"] for row in rows] == list(bench.REFERENCE_CASES)
    for row in rows:
        assert math.isfinite(row["speedup"]) and row["speedup"] > 0
        assert math.isfinite(row["price_gap"])


def test_peak_memory_is_traced(bench):
    result = bench.peak_memory(6, 2)
    assert math.isfinite(result["peak_mb"]) and result["peak_mb"] > 0


def test_a_growth_exponent_fits_a_power_law(bench):
    assert bench.growth_exponent([10, 20, 40], [1.0, 4.0, 16.0]) == pytest.approx(2.0)


def test_the_diplomacy_benchmark_times_steps():
    spec = importlib.util.spec_from_file_location(
        "bench_diplomacy", SCRIPT.with_name("bench_diplomacy.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from model.engine.world import World
    from support.builders import scenario, tiny_world

    world = World(scenario(steps=3, controller="ai"), world=tiny_world())
    times = module.step_times(world, 2)
    assert len(times) == 2 and all(math.isfinite(ms) and ms > 0 for ms in times)


@pytest.mark.slow
def test_the_sweep_benchmark_reports_every_configuration(capsys):
    spec = importlib.util.spec_from_file_location("bench_sweep", SCRIPT.with_name("bench_sweep.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick"])  # 4 runs × 2 quarters; pools of 2 are started

    rows = result["measured"]["rows"]
    assert [(row["how"], row["processes"]) for row in rows] == [
        ("minerals.sweep", 1),
        ("minerals.sweep", 2),
        ("mesa.batch_run", 1),
        ("mesa.batch_run", 2),
    ]
    for row in rows:
        assert row["runs"] == 4 and row["steps"] == 2
        for key in ("seconds", "runs_per_s", "ms_per_run", "cpu_ms_per_run", "load"):
            assert math.isfinite(row[key]) and row[key] > 0
    ratios = result["measured"]["ratios"]
    assert set(ratios) == {
        "sweep_speedup",
        "batch_run_speedup",
        "batch_run_over_sweep_1",
        "batch_run_over_sweep_2",
        "batch_run_over_sweep_cpu_1",
        "batch_run_over_sweep_cpu_2",
    }
    assert all(math.isfinite(value) and value > 0 for value in ratios.values())
    assert result["measured"]["executors_identical"]
    assert result["measured"]["batch_run_same_worlds"]
    profile, costs = result["profile"], result["overheads"]
    assert "run the steps" in profile and "outcomes (the tables they read)" in profile
    times = [ms for part in profile.values() for ms in part.values()]
    assert all(math.isfinite(ms) and ms > 0 for ms in [*times, *costs.values()])

    out = capsys.readouterr().out
    assert "machine:" in out and "cores" in out and "code:" in out
    for heading in ("## (a)", "## (b)", "## (c)", "## (d)", "## (e) targets"):
        assert heading in out
    assert "mesa.batch_run" in out and "2 workers over 1" in out


def test_the_classroom_benchmark_measures_seats_and_rounds(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_classroom", SCRIPT.with_name("bench_classroom.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    memory = module.memory_per_seat(2, tmp_path)
    assert memory["seats"] == 2 and memory["traced_kb_per_seat"] > 0
    assert math.isfinite(memory["rss_kb_per_seat"]) and memory["game_json_kb"] > 0
    rounds = module.round_times("baseline", ["USA", "CHN"], 1, tmp_path)
    measured = ("close_ms_median", "close_ms_max", "append_ms_median", "rewrite_ms_median")
    for key in (*measured, "submit_ms_median"):
        assert math.isfinite(rounds[key]) and rounds[key] > 0
    assert "2 seats, 1 rounds of baseline" in module.report(rounds)


def test_the_clearing_is_compared_with_another_tree_case_by_case(capsys):
    spec = importlib.util.spec_from_file_location(
        "bench_clearing_against", SCRIPT.with_name("bench_clearing_against.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(SCRIPT.parents[1]), "6x2"]) == 0  # this tree against itself
    rows = [line for line in capsys.readouterr().out.splitlines() if "| 6 × 2 |" in line]
    assert [row.split("|")[1].strip() for row in rows] == list(module.bc.CASES)
    assert all(row.rstrip(" |").endswith("0.0e+00") for row in rows)  # same code, same prices


def test_the_numba_probe_solves_what_the_clearing_solves_even_uncompiled():
    """benchmarks/probe_numba.py's kernel, run as plain Python, takes the clearing's steps
    to its prices: its timing is of the same method (numba itself is not a dependency)."""
    from model.engine import markets
    from support.synthetic import synthetic_market

    spec = importlib.util.spec_from_file_location("probe_numba", SCRIPT.with_name("probe_numba.py"))
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    market = synthetic_market(np.random.default_rng(3), 6, 3, shock=0.5)
    start = np.ones((3, 6))
    expected = markets.clear(market, start)
    price, iterations = probe.kernel_clear(probe.solve_good, market, start, markets.TOLERANCE)
    assert expected.converged and 1 < iterations == expected.iterations
    # Its prices clear the market by the clearing's own test (no step taken from them),
    # and lie within that tolerance's reach of the clearing's.
    assert markets.clear(market, price).iterations == 1
    assert np.abs(np.log(price) - np.log(expected.price)).max() < 1e-4
    assert not np.allclose(price, 1.0)  # the outage moved prices: not a trivial agreement
