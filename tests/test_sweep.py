"""Sweeps as a researcher runs them: specs, samplers, executors, resuming, failures, refusals."""

from math import prod
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model.research.sweep as sweeps
from model.research.sweep import SweepError, load_spec, sample_unit, sweep
from ui.cli import main

EXAMPLE = Path(__file__).parents[1] / "configs" / "sweeps" / "example.toml"

# Two quarters of the passive baseline: about 0.1 s a run.
TINY = """
[sweep]
name = "tiny"
scenario = "baseline"
steps = 2
replications = {replications}
seed = 7
sampler = "{sampler}"
{samples}

[levers]
"countries.CHN.controller" = ["passive", "ai"]

[uncertainties]
{uncertainties}

[outcomes]
keep = ["mean_score", "final_score_CHN", "china_refined_share", "mean_price_index", "breaches"]
"""
GRID = '"parameters.shock_rate" = [0.0, 0.5]\n"parameters.armington_sigma" = [2.0, 3.0, 4.0]'
RANGES = (
    '"parameters.armington_sigma" = {low = 2.0, high = 5.0}\n'
    '"parameters.shock_rate" = {low = 0.1, high = 0.3}\n'
    '"parameters.trade_cost" = [0.05, 0.1]'
)


def write_spec(tmp_path, sampler="grid", samples=None, replications=1, uncertainties=GRID):
    path = tmp_path / "spec.toml"
    path.write_text(
        TINY.format(
            sampler=sampler,
            samples=f"samples = {samples}" if samples else "",
            replications=replications,
            uncertainties=uncertainties,
        )
    )
    return path


def small_spec(tmp_path):
    """Four runs: two levers × two shock rates."""
    return write_spec(tmp_path, uncertainties='"parameters.shock_rate" = [0.0, 0.5]')


# --- sampling ----------------------------------------------------------------------------


def test_a_grid_crosses_every_lever_and_uncertainty_value(tmp_path):
    spec = load_spec(write_spec(tmp_path, replications=2))
    runs = spec.design()
    assert len(runs) == 2 * 2 * 3 * 2
    assert [run.run_id for run in runs] == list(range(len(runs)))
    combos = {tuple(run.values.values()) for run in runs}
    assert len(combos) == 2 * 2 * 3


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_sampled_uncertainties_stay_in_their_ranges_for_every_lever(tmp_path, sampler):
    spec = load_spec(write_spec(tmp_path, sampler, samples=5, uncertainties=RANGES))
    runs = spec.design()
    assert len(runs) == 5 * 2  # samples × the levers' grid
    sigma = [run.values["parameters.armington_sigma"] for run in runs]
    shock = [run.values["parameters.shock_rate"] for run in runs]
    assert all(2.0 <= s <= 5.0 for s in sigma) and all(0.1 <= s <= 0.3 for s in shock)
    assert {run.values["parameters.trade_cost"] for run in runs} <= {0.05, 0.1}
    by_lever = {}
    for run in runs:
        by_lever.setdefault(run.values["countries.CHN.controller"], []).append(run)
    passive, ai = by_lever["passive"], by_lever["ai"]
    # Each lever meets the same samples under the same seeds (common random numbers).
    assert [r.seed for r in passive] == [r.seed for r in ai]
    assert [r.values["parameters.shock_rate"] for r in passive] == [
        r.values["parameters.shock_rate"] for r in ai
    ]
    assert len({r.seed for r in passive}) == 5


def test_a_latin_hypercube_puts_one_sample_in_each_stratum_of_each_dimension():
    samples, dims = 7, 4
    u = sample_unit("lhs", samples, dims, np.random.default_rng(3))
    assert u.shape == (samples, dims)
    for column in u.T:
        assert sorted(np.floor(column * samples).astype(int)) == list(range(samples))


def test_a_spec_and_its_master_seed_give_the_same_design_every_time(tmp_path):
    path = write_spec(tmp_path, "lhs", samples=4, replications=2, uncertainties=RANGES)
    first, again = load_spec(path).design(), load_spec(path).design()
    assert first == again
    assert all(isinstance(run.seed, int) for run in first)
    assert len({run.seed for run in first}) == 4 * 2


def test_the_shipped_example_is_a_valid_spec():
    spec = load_spec(EXAMPLE)
    levers = prod(len(values) for values in spec.levers.values())
    assert len(spec.design()) == levers * spec.header.samples * spec.header.replications


def test_a_strategy_is_swept_where_the_controller_that_plays_it_is_swept_too(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(
        HEAD + '[levers]\n"countries.CHN.strategy" = ["hawk", "cooperative"]\n'
        '"countries.CHN.controller" = ["passive", "ai"]\n'
    )
    assert len(load_spec(path).design()) == 4


@pytest.mark.slow
def test_the_shipped_examples_lever_changes_what_it_asks_about():
    """A researcher's first sweep: China's strategy must move scores and prices."""
    spec = load_spec(EXAMPLE)
    first = spec.design()[0]
    twins = [run for run in spec.design() if run.seed == first.seed]
    rows = pd.DataFrame([sweeps.run_one(spec.setup, run) for run in twins])
    assert sorted(rows["countries.CHN.strategy"]) == ["cooperative", "leverage"]
    for outcome in ["final_score_CHN", "final_score_USA", "mean_price_index"]:
        assert rows[outcome].nunique() == 2, outcome


# --- running -----------------------------------------------------------------------------


@pytest.mark.slow
def test_serial_and_a_process_pool_give_identical_runs(tmp_path):
    path = small_spec(tmp_path)
    serial = sweep(path, executor="serial")
    pooled = sweep(path, tmp_path / "pool", workers=2)  # a process pool of 2
    assert list(serial["status"]) == ["ok"] * 4
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "pool" / "runs.parquet"), pooled)
    assert serial["seed"].tolist() == [run.seed for run in load_spec(path).design()]


def test_runs_stepped_together_give_the_rows_each_gives_alone(tmp_path, stacked_runs):
    # A sweep steps its runs in groups whose markets clear together (run_several): a
    # run's row must not depend on the group it fell in.
    spec = load_spec(small_spec(tmp_path))
    runs = spec.design()
    together = [row for row, _ in sweeps.run_several(spec.setup, runs)]
    assert max(stacked_runs) > 1  # some of their markets did clear as one
    alone = [sweeps.run_one(spec.setup, run) for run in runs]
    assert [row["status"] for row in together] == ["ok"] * len(runs)
    assert together == alone


def test_long_runs_of_a_large_world_step_fewer_side_by_side():
    # A group's worlds stay in memory together (every quarter's flows): 25 baseline runs
    # of 40 quarters, but fewer of washington_coalition's 59 economies over 200 quarters.
    from model.research.spec import Setup

    assert sweeps.group_runs(Setup("baseline", 40, (), ())) == sweeps.GROUP_RUNS
    long = sweeps.group_runs(Setup("washington_coalition", 200, (), ()))
    assert 1 <= long < 5
    runs = list(range(1000))
    assert max(len(group) for group in sweeps._groups(runs, 2, long)) == long
    assert sum(len(group) for group in sweeps._groups(runs, 2, long)) == len(runs)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_runs_as_serial(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = small_spec(tmp_path)
    serial = sweep(path, executor="serial")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = sweep(path, tmp_path / "dask", executor=client.get_executor())
    pd.testing.assert_frame_equal(serial, on_dask, check_exact=True)


def test_a_resumed_sweep_reruns_nothing_already_done(tmp_path, monkeypatch):
    path, out = small_spec(tmp_path), tmp_path / "out"
    first = sweep(path, out, executor="serial", csv=True)
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        f"run-{i}.parquet" for i in range(4)
    ]
    assert (out / "runs.csv").is_file()

    calls = []
    real = sweeps.run_several

    def counted(setup, runs, *rest):
        calls.extend(run.run_id for run in runs)
        return real(setup, runs, *rest)

    monkeypatch.setattr(sweeps, "run_several", counted)
    again = sweep(path, out, executor="serial")
    assert calls == []
    pd.testing.assert_frame_equal(first, again, check_exact=True)

    (out / "runs" / "run-2.parquet").unlink()  # as if the sweep had stopped before run 2
    resumed = sweep(path, out, executor="serial")
    assert calls == [2]
    pd.testing.assert_frame_equal(first, resumed, check_exact=True)


def test_a_folder_holding_another_sweep_is_refused(tmp_path):
    out = tmp_path / "out"
    sweep(small_spec(tmp_path), out, executor="serial")
    other = write_spec(tmp_path, uncertainties='"parameters.shock_rate" = [0.0, 0.25]')
    with pytest.raises(SweepError, match="different sweep"):
        sweep(other, out, executor="serial")


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path, monkeypatch):
    spec = load_spec(small_spec(tmp_path))
    real = sweeps.load_scenario

    def load(name, overrides=(), **kwargs):
        if (
            "parameters.shock_rate=0.5" in overrides
            and 'countries.CHN.controller="ai"' in overrides
        ):
            raise RuntimeError("the model broke")
        return real(name, overrides, **kwargs)

    monkeypatch.setattr(sweeps, "load_scenario", load)
    runs = sweep(spec, tmp_path / "out", executor="serial")
    failed = runs[runs["status"] == "failed"]
    assert failed["run_id"].tolist() == [3]
    assert failed["error"].iloc[0] == "RuntimeError: the model broke"
    assert failed["mean_score"].isna().all()
    ok = runs[runs["status"] == "ok"]
    assert len(ok) == 3 and ok["error"].isna().all() and ok["mean_score"].notna().all()

    monkeypatch.setattr(sweeps, "load_scenario", real)
    again = sweep(spec, tmp_path / "out", executor="serial")  # failed runs are tried again
    assert (again["status"] == "ok").all()


# --- refusals ----------------------------------------------------------------------------

HEAD = '[sweep]\nname = "x"\nscenario = "baseline"\n'
BAD = [
    ('[sweep]\nname = "x"\nscenario = "baseline"\nsampler = "grid"\ncolour = 1\n', "unknown key"),
    (HEAD + 'sampler = "halton"\n', "'halton' is not a sampler"),
    (
        '[sweep]\nname = "x"\nscenario = "baseline"\nsampler = "lhs"\nsamples = 2\n'
        '[uncertainties]\n"parameters.shock_rate" = {low = 0.5, high = 0.1}\n',
        "low 0.5 is above high 0.1",
    ),
    (
        '[sweep]\nname = "x"\nscenario = "baseline"\n'
        '[uncertainties]\n"parameters.shock_rate" = {low = 0.1, high = 0.5}\n',
        'needs sampler "random", "lhs", "sobol" or "morris"',
    ),
    ('[sweep]\nname = "x"\nscenario = "baseline"\nsampler = "lhs"\n', "needs a number of samples"),
    (
        HEAD + '[levers]\n"countries.XXX.strategy" = ["hawk"]\n',
        "'XXX' is not a country code",
    ),
    (
        HEAD + '[levers]\n"countries.CHN.strategy" = ["hwak"]\n',
        "'hwak' is not a strategy",
    ),
    ('[sweep]\nname = "x"\nscenario = "baseline"\n[levers]\n"seed" = [1, 2]\n', "steps and seed"),
    (  # nobody plays the baseline: China's strategy would decide nothing in any run
        HEAD + '[levers]\n"countries.CHN.strategy" = ["hawk", "cooperative"]\n',
        'CHN is not played by its AI in baseline',
    ),
    (  # China plays its recorded moves of 2025 only
        '[sweep]\nname = "x"\nscenario = "april_2025_escalation"\n'
        '[uncertainties]\n"countries.CHN.strategy" = ["hawk", "cooperative"]\n',
        'uncertainties."countries.CHN.strategy": CHN is not played by its AI in '
        "april_2025_escalation",
    ),
    ('[sweep]\nname = "x"\nscenario = "nowhere"\n', "no bundled scenario named 'nowhere'"),
    ('[sweep]\nname = "x"\nscenario = "baseline"\n[outcomes]\nkeep = ["joy"]\n', "not an outcome"),
]


@pytest.mark.parametrize(("text", "problem"), BAD)
def test_a_bad_spec_gets_one_clear_message_and_writes_nothing(tmp_path, capsys, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SweepError, match=problem):
        load_spec(path)

    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert problem in err and "bad.toml" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


MISTAKE_WORD = {"en": "mistakes", "fr": "erreurs"}
# One of each kind: the [sweep] table, a range, the base scenario, a factor's value the
# scenario refuses, an outcome. Each is named in one run: nobody fixes them one per run.
MISTAKES = """
[sweep]
name = "x"
scenario = "{scenario}"
replications = -2
sampler = "lhs"
samples = 4

[uncertainties]
"parameters.trade_cost" = {{low = 0.5, high = 0.1}}
"parameters.shock_rate" = {{low = 0.0, high = 7.0}}

[outcomes]
keep = ["mean_score", "joy"]
"""


@pytest.mark.parametrize(
    ("lang", "scenario", "named"),
    [
        (
            "en",
            "baselin",
            [
                "sweep.replications: -2 is too small; allowed: 1 or more",
                'uncertainties."parameters.trade_cost": low 0.5 is above high 0.1',
                "sweep.scenario: no bundled scenario named 'baselin'; bundled scenarios: ",
                "outcomes.keep: joy is not an outcome; allowed: mean_score,",
            ],
        ),
        (
            "en",
            "baseline",
            [
                "sweep.replications: -2 is too small",
                'uncertainties."parameters.trade_cost": low 0.5 is above high 0.1',
                'uncertainties."parameters.shock_rate": --set parameters.shock_rate=7.0',
                "7.0 is outside the allowed range 0.0..1.0",
                "outcomes.keep: joy is not an outcome",
            ],
        ),
        (
            "fr",
            "baselin",
            [
                "sweep.replications : -2 est trop petit ; admis : 1 ou plus",
                'uncertainties."parameters.trade_cost" : la borne basse 0.5 dépasse la borne',
                "sweep.scenario : ",
                "outcomes.keep : joy n'est pas un résultat ; possibles : mean_score,",
            ],
        ),
    ],
)
def test_every_mistake_of_a_spec_is_named_in_one_message(tmp_path, capsys, lang, scenario, named):
    path = tmp_path / "bad.toml"
    path.write_text(MISTAKES.format(scenario=scenario))
    out = tmp_path / "out"
    assert main(["--lang", lang, "sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    captured = capsys.readouterr()
    err = captured.err
    head, *lines = err.strip().splitlines()  # the file and the count, then one a line
    assert "bad.toml" in head and f": 4 {MISTAKE_WORD[lang]}" in head and len(lines) == 4
    for mistake in named:
        assert mistake in err
    assert captured.out == "" and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("en", "a {low, high} range is sampled, so it goes under [uncertainties]"),
        ("fr", "une plage {low, high} est tirée au hasard : sa place est sous [uncertainties]"),
    ],
)
def test_a_range_written_under_levers_is_sent_to_the_uncertainties(tmp_path, capsys, lang, says):
    """It said '{low = 0.5, high = 0.1} is not a list; write it like ["CHN", "USA"]'."""
    path = tmp_path / "range.toml"
    path.write_text(
        '[sweep]\nname = "r"\nscenario = "baseline"\nsteps = 2\n\n'
        '[levers]\n"parameters.shock_rate" = {low = 0.0, high = 0.02}\n'
    )
    assert main(["--lang", lang, "sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert 'levers."parameters.shock_rate"' in err and says in err and "CHN" not in err


def test_the_sweep_command_writes_the_runs_table(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["sweep", str(small_spec(tmp_path)), "--workers", "1", "--out", str(out), "--csv"])
    assert code == 0
    assert "4 runs (4 ok, 0 failed" in capsys.readouterr().out
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns[:4]) == [
        "run_id",
        "seed",
        "countries.CHN.controller",
        "parameters.shock_rate",
    ]
    assert main(["sweep", str(small_spec(tmp_path)), "--workers", "0"]) == 2


def test_per_run_series_form_a_partitioned_parquet_data_set(tmp_path):
    path = small_spec(tmp_path)
    path.write_text(path.read_text() + 'series = ["countries", "prices"]\n')
    runs = sweep(path, tmp_path / "out", executor="serial")
    countries = pd.read_parquet(tmp_path / "out" / "series" / "countries")
    assert sorted(countries["run_id"].astype(int).unique()) == sorted(runs["run_id"])
    assert set(countries["step"]) == {1, 2} and "score" in countries
    # each run's series is that run's own table: its last score is its outcome
    final = countries[countries["step"] == 2].groupby(countries["run_id"].astype(int))["score"]
    assert np.allclose(
        final.mean().sort_index(), runs.set_index("run_id")["mean_score"].sort_index()
    )
    prices = pd.read_parquet(tmp_path / "out" / "series" / "prices")
    sizes = prices.groupby("run_id", observed=True).size()
    assert len(sizes) == len(runs) and sizes.nunique() == 1  # every run, whole


def test_an_unknown_series_table_is_refused(tmp_path):
    path = small_spec(tmp_path)
    path.write_text(path.read_text() + 'series = ["countries", "weather"]\n')
    with pytest.raises(
        SweepError, match="outcomes.series: 'weather' is not an output table; allowed: countries"
    ):
        load_spec(path)


def test_workers_write_the_news_in_the_sweeps_language(tmp_path):
    """Review: ``--lang fr`` recorded "fr" in provenance.json while the worker processes
    wrote their events in English."""
    import json

    path = small_spec(tmp_path)
    path.write_text(path.read_text() + 'series = ["events"]\n')
    out = tmp_path / "out"
    assert main(["--lang", "fr", "sweep", str(path), "--out", str(out), "--workers", "2"]) == 0
    events = pd.read_parquet(tmp_path / "out" / "series" / "events")
    assert json.loads((tmp_path / "out" / "provenance.json").read_text())["language"] == "fr"
    assert events["detail"].str.contains("Union européenne").any()
    assert not events["detail"].str.contains("The European Union").any()
