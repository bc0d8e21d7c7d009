"""Sobol' and Morris sensitivity a reviewer accepts: SALib's designs as sweep samplers,
total-order indices with intervals, seed noise kept apart from parameter effects."""

import numpy as np
import pandas as pd
import pytest

from model.research.analysis import AnalysisError, Sweep, load_sweep
from model.research.sensitivity import salib_indices, salib_report
from model.research.spec import salib_unit
from model.research.sweep import load_spec, sweep
from model.text import use_language
from ui.cli import main

pytest.importorskip("SALib")

SPEC = """
[sweep]
name = "gsa"
scenario = "baseline"
steps = 2
seed = 3
replications = 2
sampler = "{sampler}"
samples = {samples}

[uncertainties]
"parameters.shock_rate" = {{low = 0.0, high = 0.5}}
"parameters.armington_sigma" = {{low = 2.0, high = 5.0}}
"parameters.trade_cost" = [0.05, 0.1]

[outcomes]
keep = ["china_refined_share", "mean_score"]
"""


def write(tmp_path, sampler, samples):
    path = tmp_path / f"{sampler}.toml"
    path.write_text(SPEC.format(sampler=sampler, samples=samples))
    return path


@pytest.mark.parametrize(("sampler", "rows_per_sample"), [("sobol", 3 + 2), ("morris", 3 + 1)])
def test_salib_designs_have_their_size_and_stay_in_range(tmp_path, sampler, rows_per_sample):
    spec = load_spec(write(tmp_path, sampler, 4))
    runs = spec.design()
    assert len(runs) == spec.run_count == 4 * rows_per_sample * 2  # × 2 seeds each
    sigma = [run.values["parameters.armington_sigma"] for run in runs]
    assert min(sigma) >= 2.0 and max(sigma) <= 5.0
    assert {run.values["parameters.trade_cost"] for run in runs} == {0.05, 0.1}
    # Every point runs the same two seeds (common random numbers), one after the other.
    assert {run.seed for run in runs[0::2]} == {runs[0].seed}
    assert {run.seed for run in runs[1::2]} == {runs[1].seed} != {runs[0].seed}
    assert runs[0].values == runs[1].values
    assert load_spec(write(tmp_path, sampler, 4)).design() == runs  # same spec, same design


def test_a_morris_trajectory_moves_one_factor_at_a_time():
    u = salib_unit("morris", 3, 4, np.random.default_rng(0))
    steps = np.abs(np.diff(u.reshape(3, 5, 4), axis=1)) > 0
    assert (steps.sum(axis=2) == 1).all()


def synthetic(sampler: str, samples: int, reps: int, noise: float) -> Sweep:
    """A Sweep of y = 4 a + b c + seed noise (a + 1) over SALib's design; d does nothing.

    Each seed is one draw of the noise, the same at every point (common random numbers).
    """
    names = ["a", "b", "c", "d"]
    u = salib_unit(sampler, samples, 4, np.random.default_rng(1))
    x = np.repeat(u, reps, axis=0)
    seeds = np.tile(np.arange(reps), len(u))
    draw = np.random.default_rng(2).standard_normal(reps)[seeds]
    y = 4 * x[:, 0] + x[:, 1] * x[:, 2] + noise * draw * (1 + x[:, 0])
    runs = pd.DataFrame(x, columns=names)
    runs.insert(0, "seed", seeds)
    runs.insert(0, "run_id", np.arange(len(x)))
    runs["status"], runs["error"], runs["y"] = "ok", None, y
    return Sweep(runs, [], names, ["y"], "synthetic", sampler=sampler, replications=reps)


def test_total_order_indices_find_the_effects_and_exclude_zero_only_there():
    indices = salib_indices(synthetic("sobol", 256, 4, noise=0.5)).set_index("uncertainty")
    a, d = indices.loc["a"], indices.loc["d"]
    # Var(4a) = 16/12 = 1.33 of a total 1.33 + Var(bc) = 0.049: a explains ~0.96.
    assert 0.85 < a["ST"] < 1.05 and a["ST"] - a["ST_conf"] > 0
    assert indices.loc["b", "ST"] > indices.loc["b", "S1"]  # b acts with c: interaction
    # Under common seeds a factor with no effect gets exactly nothing, noise or not.
    assert d["ST"] == pytest.approx(0, abs=1e-12) and d["S1"] == pytest.approx(0, abs=1e-12)
    # The seed noise is reported apart: about 0.5² × E[(1 + a)²] = 0.58 of the runs'
    # variance 1.38 + 0.58 at one point (the four draws' own spread makes it rough).
    assert 0.1 < a["seed_share"] < 0.6 and a["noise_floor"] > 0


def test_morris_screening_ranks_the_factors():
    indices = salib_indices(synthetic("morris", 30, 1, noise=0.0)).set_index("uncertainty")
    order = indices["mu_star"].sort_values(ascending=False).index.tolist()
    assert order[0] == "a" and order[-1] == "d"
    # Effects are per whole range of a factor: y moves by 4 as a goes from low to high.
    assert indices.loc["a", "mu_star"] == pytest.approx(4, rel=1e-6)
    assert indices.loc["d", "mu_star"] == 0


@pytest.mark.parametrize(
    ("lang", "header"),
    [
        ("en", "uncertainty S1 S1_conf ST ST_conf seed_share noise_floor"),
        ("fr", "incertitude S1 S1_ic ST ST_ic part_graines plancher_bruit"),
    ],
)
def test_the_printed_indices_are_headed_and_numbered_in_the_readers_language(lang, header):
    indices = salib_indices(synthetic("sobol", 16, 2, noise=0.5))
    with use_language(lang):
        text = "\n".join(salib_report(indices, [], "sobol")).splitlines()
    table = next(i for i, line in enumerate(text) if line.split()[:1] == header.split()[:1])
    assert text[table].split() == header.split()
    decimal = {"en": ".", "fr": ","}[lang]
    assert all(decimal in cell for cell in text[table + 1].split()[1:])
    assert indices.columns.tolist()[:2] == ["outcome", "uncertainty"]  # for scripts: English


def test_a_sobol_sweep_is_analysed_with_total_order_indices(tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(["sweep", str(write(tmp_path, "sobol", 2)), "--workers", "1", "--out", str(out)]) == 0
    )
    swept = load_sweep(out)
    assert swept.sampler == "sobol" and swept.replications == 2
    assert swept.levers == [] and len(swept.uncertainties) == 3  # roles from the design
    capsys.readouterr()
    assert main(["analyse", str(out), "--outcome", "china_refined_share"]) == 0
    text = capsys.readouterr().out
    assert "Sobol' indices" in text and "ST_conf" in text and "seed_share" in text
    table = salib_indices(swept, ["china_refined_share"])
    assert len(table) == 3 and table["runs"].eq(2 * 5 * 2).all()


def test_indices_with_a_failed_run_are_refused_with_a_reason(tmp_path):
    path = write(tmp_path, "sobol", 2)
    runs = sweep(path, tmp_path / "out", executor="serial")
    factors = ["parameters.shock_rate", "parameters.armington_sigma", "parameters.trade_cost"]
    outcomes = ["china_refined_share", "mean_score"]
    swept = Sweep(runs, [], factors, outcomes, "gsa", sampler="sobol", replications=2)
    salib_indices(swept, outcomes)  # every run ok: indices
    runs.loc[3, "status"] = "failed"
    with pytest.raises(AnalysisError, match="need every run of the design"):
        salib_indices(swept)


def test_a_salib_sampler_needs_an_uncertainty(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('[sweep]\nname = "x"\nscenario = "baseline"\nsampler = "sobol"\nsamples = 4\n')
    with pytest.raises(
        Exception, match="uncertainties: empty; sampler 'sobol' needs at least one uncertainty"
    ):
        load_spec(path)
