"""Reading a finished sweep: distributions per lever value, the chart, sensitivity, refusals."""

import re
import sys
import xml.etree.ElementTree as ET
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.research.analysis import (
    MIN_RUNS,
    NOT_XML,
    QUANTILES,
    STATS,
    AnalysisError,
    Sweep,
    distribution_svg,
    distributions,
    load_sweep,
    paired_effects,
    sensitivity,
)
from model.research.sweep import load_spec, sweep
from model.text import read_number, use_language
from ui.cli import main

SVG = "{http://www.w3.org/2000/svg}"
COALITION_FLOOR = Path(__file__).parents[1] / "configs" / "sweeps" / "coalition_floor.toml"
UTILISATION, DURATION, SIGMA = (
    "parameters.base_utilisation",
    "parameters.shock_max_duration",
    "parameters.armington_sigma",
)
# Two quarters of the passive baseline (about 0.03 s a run), 3 lever values × 24 samples. With
# no shocks (shock_rate 0, a one-value lever: a constant), shock_max_duration cannot
# matter; the share of capacity in use at the base price does (the price index is 0.99852 at
# 0.5 and 0.99835 at 0.95 with σ 3, a step some fifty times the clearing's tolerance, not
# quite monotonic at σ 4, so its first-order index is 0.86-0.93; trade cost, which
# the test used before, is in the base year's prices too and moved it by 3e-5, at the
# tolerance, so its estimate followed the solver's last digits).
SPEC = """
[sweep]
name = "small"
scenario = "baseline"
steps = 2
seed = 11
sampler = "lhs"
samples = 24

[levers]
"parameters.shock_rate" = [0.0]
"parameters.armington_sigma" = [2.0, 3.0, 4.0]

[uncertainties]
"parameters.base_utilisation" = {low = 0.5, high = 0.95}
"parameters.shock_max_duration" = {low = 1, high = 20}

[outcomes]
keep = ["mean_price_index", "mean_score", "breaches"]
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The folder of a small sweep that ran to the end."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = folder / "spec.toml"
    spec.write_text(SPEC)
    sweep(spec, folder / "out", executor="serial")
    return folder / "out"


def test_levers_uncertainties_and_outcomes_are_read_from_the_runs_table(finished):
    runs = load_sweep(finished)
    assert runs.name == "small"
    assert runs.levers == [SIGMA]  # shock_rate takes one value: a constant, not a lever
    assert runs.uncertainties == [UTILISATION, DURATION]
    assert runs.outcomes == ["mean_price_index", "mean_score", "breaches"]
    assert len(runs.ok) == 72


def test_distributions_match_a_direct_pandas_computation(finished):
    runs = load_sweep(finished)
    table = distributions(runs).set_index([SIGMA, "outcome"])
    assert len(table) == 3 * 3
    assert table.index.get_level_values(SIGMA).unique().tolist() == [2.0, 3.0, 4.0]
    ok = pd.read_parquet(finished / "runs.parquet").query("status == 'ok'")
    for outcome in runs.outcomes:
        groups = ok.groupby(SIGMA)[outcome]
        expected = pd.DataFrame(
            {
                "count": groups.count(),
                "mean": groups.mean(),
                "std": groups.std(),
                "min": groups.min(),
                **{name: groups.quantile(q) for name, q in QUANTILES.items()},
                "max": groups.max(),
            }
        )
        got = table.xs(outcome, level="outcome")[expected.columns]
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_names=False)


def test_one_lever_named_with_by_splits_the_runs_by_its_values_only(finished):
    runs = load_sweep(finished)
    table = distributions(runs, ["mean_price_index"], by=SIGMA)
    assert table[SIGMA].tolist() == [2.0, 3.0, 4.0]
    assert table["count"].tolist() == [24, 24, 24]
    with pytest.raises(AnalysisError, match=r"--by parameters.base_utilisation: not a lever"):
        distributions(runs, by=UTILISATION)
    with pytest.raises(AnalysisError, match="joy is not an outcome of this sweep; allowed: mean"):
        distributions(runs, ["joy"])


def test_paired_effects_are_each_runs_change_from_its_twin_with_the_same_seed(finished):
    runs = load_sweep(finished)
    effects = paired_effects(runs, SIGMA, "2")  # "2" finds the lever value 2.0
    assert effects.against == (SIGMA, "2.0")
    wide = runs.ok.pivot(index="seed", columns=SIGMA, values="mean_price_index")
    got = effects.ok.set_index(["seed", SIGMA])["mean_price_index"].unstack()
    pd.testing.assert_frame_equal(
        got, wide[[3.0, 4.0]].sub(wide[2.0], axis=0), check_names=False, check_exact=True
    )
    table = distributions(effects, ["mean_price_index"], by=SIGMA)
    assert table[SIGMA].tolist() == [3.0, 4.0] and table["count"].tolist() == [24, 24]
    with pytest.raises(
        AnalysisError, match=r"--against 9: .* never takes this value; allowed: 2.0"
    ):
        paired_effects(runs, SIGMA, "9")


def test_the_chart_is_well_formed_svg_with_one_group_per_lever_value(finished):
    runs = load_sweep(finished)
    root = ET.fromstring(distribution_svg(runs, ["mean_price_index"]))
    assert root.tag == f"{SVG}svg"
    groups = root.findall(f".//{SVG}g[@class='group']")
    assert [g.get("data-value") for g in groups] == ["2.0", "3.0", "4.0"]
    assert all(len(g.findall(f"{SVG}circle")) == 24 for g in groups)  # one dot per run
    both = ET.fromstring(distribution_svg(runs, ["mean_price_index", "breaches"]))
    assert len(both.findall(f".//{SVG}g[@class='panel']")) == 2


def _strategy_sweep() -> Sweep:
    """China's strategy as a lever; world welfare near -1,550 USD bn and a price index."""
    rng = np.random.default_rng(3)
    rows = [
        {
            "run_id": r,
            "seed": 100 + p,
            "countries.CHN.strategy": strategy,
            "parameters.trade_cost": p / 10,
            "status": "ok",
            "error": None,
            "world_welfare_usd_bn": -1550 + 40 * rng.normal() + 25 * (strategy == "hawk"),
            "mean_price_index": 1 + 0.01 * rng.normal(),
        }
        for r, (strategy, p) in enumerate(
            (s, p) for s in ("hawk", "leverage", "resource_nationalist") for p in range(8)
        )
    ]
    return Sweep.of(pd.DataFrame(rows), name="my_sweep")


def _extent(text: ET.Element) -> tuple[float, float]:
    """Where a text line starts and ends, at about 0.6 em a character."""
    wide = 0.6 * float(text.get("font-size", 11)) * len(text.text or "")
    x = float(text.get("x"))
    shift = {"end": wide, "middle": wide / 2}.get(text.get("text-anchor"), 0)
    return x - shift, x - shift + wide


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("paired", [False, True])
def test_the_chart_fits_its_text_and_reads_round_numbers_in_the_readers_language(lang, paired):
    swept = _strategy_sweep()
    if paired:
        swept = paired_effects(swept, "countries.CHN.strategy", "leverage")
    with use_language(lang):
        root = ET.fromstring(distribution_svg(swept, by="countries.CHN.strategy"))
    width = float(root.get("width"))
    texts = root.findall(f".//{SVG}text")
    for text in texts:
        start, end = _extent(text)
        assert start >= 0 and end <= width, (text.text, start, end, width)
    ticks = [text.text for text in root.findall(f".//{SVG}text[@class='tick']")]
    assert ticks and not any("e+" in tick or "e-" in tick for tick in ticks)
    for panel in root.findall(f".//{SVG}g[@class='panel']"):
        values = [
            float(read_number(text.text, lang))
            for text in panel.findall(f"{SVG}text[@class='tick']")
        ]
        steps = np.diff(values)
        assert len(values) >= 3 and np.allclose(steps, steps[0])
        assert any(np.isclose(steps[0], m * 10.0**k) for m in (1, 2, 2.5, 5) for k in range(-3, 4))
    if not paired:  # thousands grouped as the language groups them
        assert ("-1,550" if lang == "en" else "-1\u202f550") in ticks
    if lang == "fr":  # a decimal comma, never a point
        assert any("," in tick for tick in ticks) and not any("." in tick for tick in ticks)
    axes = [text.text for text in root.findall(f".//{SVG}text[@class='axis']")]
    unit = {"en": "(USD bn)", "fr": "(Md USD)"}[lang]
    assert any("world_welfare_usd_bn" in a and unit in a for a in axes)
    title = root.find(f"{SVG}title").text
    shown = " ".join(text.text for text in texts if text.get("font-size") == "13")
    assert shown == title  # the whole title, in lines


def test_sensitivity_ranks_the_uncertainty_that_drives_prices_above_one_without_effect(finished):
    pytest.importorskip("SALib")
    indices = sensitivity(load_sweep(finished), ["mean_price_index", "breaches"])
    prices = indices[indices["outcome"] == "mean_price_index"].pivot(
        index=SIGMA, columns="uncertainty", values="S1"
    )
    assert len(prices) == 3  # one estimate per lever value
    assert (prices[UTILISATION] > 0.8).all()
    assert (prices[DURATION].abs() < 0.2).all()
    assert indices.loc[indices["outcome"] == "breaches", "S1"].isna().all()  # never varies
    assert set(indices["runs"]) == {24}


@pytest.fixture
def no_salib(monkeypatch):
    """As if SALib were not installed, even when an earlier test imported it."""
    for name in ("SALib", "SALib.analyze", "SALib.analyze.rbd_fast"):
        monkeypatch.setitem(sys.modules, name, None)


def test_sensitivity_without_salib_says_how_to_install_it(finished, no_salib):
    with pytest.raises(AnalysisError, match=r"pip install '\.\[analysis\]'"):
        sensitivity(load_sweep(finished))


def test_sensitivity_refuses_groups_too_small_to_estimate(finished):
    pytest.importorskip("SALib")
    runs = load_sweep(finished)
    few = Sweep.of(runs.runs[runs.runs[SIGMA] == 2.0].head(MIN_RUNS - 1))
    with pytest.raises(AnalysisError, match=f"has {MIN_RUNS - 1} finished runs"):
        sensitivity(few)


def test_the_analyse_command_prints_the_tables_and_writes_the_chart(finished, tmp_path, capsys):
    chart = tmp_path / "charts" / "prices.svg"
    code = main(["analyse", str(finished), "--outcome", "mean_price_index", "--svg", str(chart)])
    assert code == 0
    out = capsys.readouterr().out
    assert "small: 72 runs (72 ok, 0 failed and left out)" in out
    assert "mean_price_index by parameters.armington_sigma:" in out
    assert "breaches" not in out
    if find_spec("SALib") is not None:
        assert "Sensitivity: first-order index S1" in out and UTILISATION in out
    ET.parse(chart)


def test_the_analyse_command_shows_paired_changes_against_a_lever_value(finished, capsys):
    assert main(["analyse", str(finished), "--by", SIGMA, "--against", "2.0"]) == 0
    out = capsys.readouterr().out
    assert "small: 72 runs (72 ok" in out  # the sweep as run, though 48 pairs are shown
    assert f"changes from the twin run with {SIGMA} = 2.0" in out


HEADERS = {
    "en": ["count", "mean", "std", "min", "p5", "p25", "median", "p75", "p95", "max"],
    "fr": ["effectif", "moyenne", "écart-type", "min", "p5", "p25", "médiane", "p75", "p95", "max"],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_printed_tables_are_headed_and_numbered_in_the_readers_language(finished, capsys, lang):
    """What a person reads is in their language; the runs table and the frames the Python
    functions return keep the English column names scripts read (docs/tables.md)."""
    argv = ["--lang", lang, "analyse", str(finished), "--by", SIGMA, "--against", "3.0"]
    assert main([*argv, "--outcome", "mean_price_index"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("mean_price_index "))
    assert lines[heading + 1].split() == [SIGMA, *HEADERS[lang]]
    row = lines[heading + 2].split()
    decimal = {"en": ".", "fr": ","}[lang]
    assert all(decimal in cell for cell in row[2:])  # changes of the order of 1e-5
    if find_spec("SALib") is not None:
        assert [{"en": "uncertainty", "fr": "incertitude"}[lang]] in [x.split() for x in lines]
    assert pd.read_parquet(finished / "runs.parquet").columns.tolist()[:2] == ["run_id", "seed"]
    assert distributions(load_sweep(finished)).columns.tolist()[-len(STATS) :] == list(STATS)


def test_a_french_reader_names_the_reference_value_with_a_decimal_comma(finished, capsys):
    argv = ["--lang", "fr", "analyse", str(finished), "--by", SIGMA, "--against", "2,0"]
    assert main(argv) == 0
    assert "où parameters.armington_sigma = 2.0" in capsys.readouterr().out


def test_the_analyse_command_without_salib_still_shows_the_distributions(
    finished, no_salib, capsys
):
    assert main(["analyse", str(finished)]) == 0
    out = capsys.readouterr().out
    assert "mean_score by parameters.armington_sigma:" in out
    assert "No sensitivity table: sensitivity needs SALib: pip install '.[analysis]'" in out


# --- refusals ----------------------------------------------------------------------------


def _empty(folder: Path) -> None:
    folder.mkdir()


def _unfinished(folder: Path) -> None:
    folder.mkdir()
    (folder / "sweep.json").write_text("{}")


def _broken(folder: Path) -> None:
    folder.mkdir()
    (folder / "runs.parquet").write_text("not parquet")


def _not_runs(folder: Path) -> None:
    folder.mkdir()
    pd.DataFrame({"step": [1]}).to_parquet(folder / "runs.parquet")


BAD_FOLDERS = [
    (lambda folder: None, "no such folder; give the --out folder of a finished 'minerals sweep'"),
    (lambda folder: folder.write_text("x"), "is a file, not a folder; give the --out folder"),
    (_empty, "is not a sweep folder: expected runs.parquet"),
    (_unfinished, "the sweep is not finished (no runs.parquet yet)"),
    (_broken, "cannot read the runs table"),
    (_not_runs, "missing columns run_id, seed, status, error"),
]


@pytest.mark.parametrize(("make", "problem"), BAD_FOLDERS)
def test_a_folder_that_is_not_a_finished_sweep_gets_one_clear_message(
    tmp_path, capsys, make, problem
):
    folder = tmp_path / "out"
    make(folder)
    with pytest.raises(AnalysisError, match=re.escape(problem)):
        load_sweep(folder)
    assert main(["analyse", str(folder)]) == 2
    err = capsys.readouterr().err
    assert problem in err and "out" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--outcome", "joy"], "joy is not an outcome of this sweep"),
        (["--by", "seed"], "--by seed: not a lever of this sweep; allowed: parameters.armington"),
        (["--svg", "."], "--svg . is a folder"),
        (["--against", "2"], "--against needs --by LEVER"),
        (["--by", SIGMA, "--against", "joy"], "--against joy: parameters.armington_sigma never"),
    ],
)
def test_a_bad_argument_gets_one_clear_message(finished, capsys, args, problem):
    assert main(["analyse", str(finished), *args]) == 2
    captured = capsys.readouterr()
    assert problem in captured.err and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_the_shipped_coalition_floor_spec_is_valid():
    spec = load_spec(COALITION_FLOOR)
    assert len(spec.design()) == 2 * 48
    assert spec.header.scenario == "washington_coalition"


# --- invariants on any runs table --------------------------------------------------------


@st.composite
def runs_tables(draw):
    """A runs table shaped like a sweep's: every lever value meets the same seeds."""
    values = draw(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4, unique=True))
    points = draw(st.integers(1, 6))
    rows = []
    for value in values:
        for p in range(points):
            failed = draw(st.booleans()) and draw(st.booleans())  # about one in four
            y = np.nan if failed else draw(st.floats(-1e6, 1e6, allow_nan=False))
            rows.append(
                {
                    "run_id": len(rows),
                    "seed": 1000 + p,
                    "lever": value,
                    "u": p / 10,
                    "status": "failed" if failed else "ok",
                    "error": "RuntimeError: boom" if failed else None,
                    "y": y,
                }
            )
    return pd.DataFrame(rows), values


@settings(max_examples=25, deadline=None)
@given(runs_tables())
def test_quantiles_are_ordered_and_counts_add_up_to_the_finished_runs(drawn):
    runs, values = drawn
    table = distributions(Sweep.of(runs))
    columns = ["min", *QUANTILES, "max"]
    assert (table[columns].diff(axis=1).iloc[:, 1:] >= -1e-9 * table["max"].abs().max()).all(
        axis=None
    )
    assert table["count"].sum() == (runs["status"] == "ok").sum()


@settings(max_examples=25, deadline=None)
@given(runs_tables())
def test_the_chart_parses_with_one_group_per_lever_value_whatever_the_text(drawn):
    runs, values = drawn
    swept = Sweep.of(runs)
    root = ET.fromstring(distribution_svg(swept))
    groups = root.findall(f".//{SVG}g[@class='group']")
    if len(values) > 1:  # characters XML cannot hold are replaced, the rest kept
        assert [g.get("data-value") for g in groups] == [NOT_XML.sub("\ufffd", v) for v in values]
    else:  # one value is a constant, not a lever: all runs are one group
        assert len(groups) == 1


def test_a_chart_asked_inside_a_file_names_the_file(finished, capsys):
    chart = finished / "runs.parquet" / "x.svg"
    assert main(["analyse", str(finished), "--svg", str(chart)]) == 2
    err = capsys.readouterr().err
    assert "runs.parquet is a file, so nothing can be written inside it" in err
    assert "File exists" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "did you mean mean_score?"), ("fr", "vouliez-vous dire mean_score ?")],
)
def test_a_misspelt_outcome_is_refused_with_the_one_it_was_meant_to_be(
    finished, tmp_path, capsys, lang, question
):
    assert main(["--lang", lang, "analyse", str(finished), "--outcome", "mean_scor"]) == 2
    err = capsys.readouterr().err
    assert question in err and "mean_price_index, mean_score, breaches" in err
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace('"mean_score"', '"mean_scroe"'))
    assert main(["--lang", lang, "sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert question in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    spec.write_text(SPEC.replace('"breaches"', '"final_score_USB"'))
    assert main(["--lang", lang, "sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "final_score_USA" in capsys.readouterr().err  # a pattern's filled-in name


@pytest.mark.parametrize(("lang", "colon"), [("en", ":"), ("fr", " :")])
def test_the_sweep_is_named_as_typed_by_sweep_its_resume_and_analyse(finished, capsys, lang, colon):
    spec = finished.parent / "spec.toml"
    assert main(["--lang", lang, "sweep", str(spec), "--out", str(finished)]) == 0  # resumed
    assert main(["--lang", lang, "analyse", str(finished), "--outcome", "breaches"]) == 0
    lines = capsys.readouterr().out.splitlines()
    opening = [line for line in lines if line.lower().startswith("small")]
    assert len(opening) == 2 and all(line.startswith(f"small{colon} 72 ") for line in opening)
