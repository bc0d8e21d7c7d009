"""The `minerals` command as a researcher uses it: list, validate, run, and its refusals."""

import pandas as pd
import pytest

from model.data.scenario import list_scenarios
from model.engine.policies import good_label
from model.text import economy_name
from ui.cli import main

COLUMNS = {
    "countries": [
        "step",
        "country",
        "score",
        "gdp_index",
        "shortage_share",
        "import_bill",
        "export_revenue",
        "tariff_revenue",
        "stock_cover_days",
        "china_dependence",
    ],
    "prices": ["step", "country", "mineral", "stage", "price"],
    "flows": ["step", "exporter", "importer", "mineral", "stage", "tonnes", "value"],
    "events": ["step", "event", "actor", "action", "target", "detail"],
    "event_targets": ["step", "date", "event", "target"],
    "deals": ["step", "date", "deal_id", "kind", "proposer", "partner", "status", "terms"],
}

BAD_MINERAL = """
[scenario]
name = "broken"
title = "Broken"
steps = 2
seed = 1

[[events]]
step = 1
actor = "CHN"
action = "export_control"
targets = ["all"]
mineral = "lithum"
stage = "refined"
level = 0.5
"""


def minerals(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def test_scenarios_lists_every_bundled_scenario_with_its_title(capsys):
    code, out, _ = minerals(capsys, "scenarios")
    assert code == 0
    for name, title in list_scenarios():
        assert any(line.split()[0] == name and title in line for line in out.splitlines())


def test_validate_confirms_a_good_scenario(capsys):
    code, out, err = minerals(capsys, "validate", "baseline")
    assert code == 0
    assert "baseline" in out and err == ""


def test_validate_refuses_a_bad_file_naming_key_and_allowed(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text(BAD_MINERAL)
    code, out, err = minerals(capsys, "validate", str(path))
    assert_refused(code, err, "broken.toml", "events[0].mineral", "'lithum'", "lithium")
    assert out == ""


def test_validate_refuses_a_missing_file(tmp_path, capsys):
    code, _, err = minerals(capsys, "validate", str(tmp_path / "nope.toml"))
    assert_refused(code, err, "nope.toml", "baseline")


def test_run_writes_the_five_csv_tables_with_their_columns(tmp_path, capsys):
    out_dir = tmp_path / "tables"
    code, out, err = minerals(capsys, "run", "baseline", "--steps", "2", "--out", str(out_dir))
    assert code == 0, err
    assert {p.name for p in out_dir.iterdir()} >= {f"{name}.csv" for name in COLUMNS}
    for name, columns in COLUMNS.items():
        frame = pd.read_csv(out_dir / f"{name}.csv")
        assert set(columns) <= set(frame.columns), name
    countries = pd.read_csv(out_dir / "countries.csv")
    assert set(countries["step"]) >= {2}
    assert str(out_dir) in out


def test_run_writes_parquet_when_asked(tmp_path, capsys):
    out_dir = tmp_path / "tables"
    argv = ["run", "baseline", "--steps", "2", "--out", str(out_dir), "--format", "parquet"]
    code, _, err = minerals(capsys, *argv)
    assert code == 0, err
    for name, columns in COLUMNS.items():
        frame = pd.read_parquet(out_dir / f"{name}.parquet")
        assert set(columns) <= set(frame.columns), name


def test_the_same_seed_writes_the_same_tables(tmp_path, capsys):
    for run in ("a", "b"):
        argv = ["run", "april_2025_escalation", "--steps", "2", "--seed", "5"]
        assert minerals(capsys, *argv, "--out", str(tmp_path / run))[0] == 0
    for name in COLUMNS:
        first = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert first == (tmp_path / "b" / f"{name}.csv").read_bytes(), name


def test_run_writes_to_out_scenario_name_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = minerals(capsys, "run", "baseline", "--steps", "1", "--set", "seed=3")
    assert code == 0, err
    assert (tmp_path / "out" / "baseline" / "countries.csv").is_file()


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["--steps", "0"], ["--steps 0", "1 or more"]),
        (["--steps", "-1"], ["--steps -1", "1 or more"]),
        (["--steps", "x"], ["--steps", "'x'"]),
        (["--seed", "-1"], ["--seed -1", "0 or more"]),
        (["--format", "xml"], ["--format", "'xml'", "csv, parquet"]),
        (["--set", "scenario.stepz=3"], ["--set scenario.stepz=3", "steps"]),
        (["--set", "steps"], ["--set steps", "key=value"]),
        (["--set", "countries.XYZ.strategy=hawk"], ["'XYZ'", "USA"]),
        (["--bogus"], ["--bogus"]),
        (["--set", "parameters.shock_max_duration=0"], ["shock_max_duration", "1.0..1000.0"]),
        (["--set", "parameters.base_utilisation=0"], ["base_utilisation", "0.05..1.0"]),
        (["--set", "parameters.trade_cost=-1"], ["trade_cost", "0.0..5.0"]),
    ],
)
def test_run_refuses_bad_arguments_and_writes_nothing(tmp_path, capsys, extra, fragments):
    out_dir = tmp_path / "tables"
    code, out, err = minerals(capsys, "run", "baseline", "--out", str(out_dir), *extra)
    assert_refused(code, err, *fragments)
    assert not out_dir.exists()
    assert out == ""


def test_run_refuses_an_unknown_scenario(tmp_path, capsys):
    out_dir = tmp_path / "tables"
    code, _, err = minerals(capsys, "run", "atlantis", "--out", str(out_dir))
    assert_refused(code, err, "'atlantis'", "baseline")
    assert not out_dir.exists()


def test_run_refuses_an_out_that_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("")
    code, _, err = minerals(capsys, "run", "baseline", "--out", str(blocker / "tables"))
    assert_refused(code, err, "--out", "taken")


def test_no_command_is_a_usage_error(capsys):
    code, _, err = minerals(capsys)
    assert_refused(code, err, "run", "validate")


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (ValueError("the turn is for step 2"), "cannot be replayed: the turn is for step 2"),
        (KeyError("XXX"), "the model failed (KeyError: 'XXX')"),
        (TypeError("unhashable"), "the model failed (TypeError: unhashable)"),
        (IndexError("arrays"), "the model failed (IndexError: arrays)"),
    ],
)
def test_replay_ends_any_failure_with_one_message(tmp_path, capsys, monkeypatch, error, fragment):
    from model.game import archive
    from model.game.classroom import ClassGame

    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "class", seed=1)
    game.close_round(game.teacher_token)

    def fails(*args):
        raise error

    monkeypatch.setattr(archive, "replay_changed", fails)
    code, _, err = minerals(capsys, "replay", str(game.state_dir), "--out", str(tmp_path / "o"))
    assert_refused(code, err, fragment)
    assert not (tmp_path / "o").exists()


def test_replay_refuses_an_archive_it_cannot_read_in_plain_words(tmp_path, capsys):
    state = tmp_path / "class"
    state.mkdir()
    for text, fragment in [
        ('{"log": ', "game.json is not valid JSON (line 1, column 9)"),
        ('{"name": "x"}', "'log' is missing"),
        ('{"log": {"scenario": "baseline", "seed": 1, "seats": ["USA"], "turns": 3}}', "turns"),
    ]:
        (state / "game.json").write_text(text)
        code, _, err = minerals(capsys, "replay", str(state), "--out", str(tmp_path / "o"))
        assert_refused(code, err, "cannot read the class game", fragment)
    (state / "game.json").write_bytes(b"\xff\xfe")
    code, _, err = minerals(capsys, "replay", str(state), "--out", str(tmp_path / "o"))
    assert_refused(code, err, "game.json is not UTF-8 text")


def test_the_biggest_price_rise_is_one_that_somebody_pays(tmp_path, capsys):
    """Review (this session): after China's licensing of April 2025 the summary named
    "refined heavy rare earths in IND, +1143.1 %": India buys none, so its price is only
    the ceiling of a good it cannot get, while the buyers' price rose about 2.2×."""
    out_dir = tmp_path / "out"
    argv = ("run", "april_2025_escalation", "--steps", "3", "--out", str(out_dir))
    code, out, _ = minerals(capsys, *argv)
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("Biggest price rise"))
    flows = pd.read_csv(out_dir / "flows.csv")
    bought = flows[flows.step == 3].groupby(["importer", "mineral", "stage"]).tonnes.sum()
    paid = [
        f": {good_label(mineral, stage)} in {economy_name(code, 'en')}, +"
        for code, mineral, stage in bought.index
    ]
    assert any(words in line for words in paid), line


def test_the_biggest_price_rise_is_the_peak_and_says_where_it_ended(tmp_path, capsys):
    """Review: the line compared the last quarter with the first and hid a 25-fold peak
    of Japan's heavy rare earths a few quarters before."""
    out_dir = tmp_path / "out"
    code, out, _ = minerals(capsys, "run", "japan_pressure", "--steps", "8", "--out", str(out_dir))
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("Biggest price rise"))
    prices = pd.read_csv(out_dir / "prices.csv")
    flows = pd.read_csv(out_dir / "flows.csv")
    key = ["step", "country", "mineral", "stage"]
    bought = flows.groupby(["step", "importer", "mineral", "stage"])["tonnes"].sum()
    bought.index.names = key
    paid = prices.set_index(key)["price"][lambda p: p.index.isin(bought[bought > 0].index)]
    first = prices[prices.step == 1].set_index(["country", "mineral", "stage"])["price"]
    rise = paid / first.reindex(paid.index.droplevel("step")).to_numpy() - 1
    step, country, mineral, stage = rise.idxmax()
    named = f"{good_label(mineral, stage)} in {economy_name(country, 'en')}"
    assert f"{named}, {rise.max():+.1%}" in line
    assert f"in 2026 Q2); {rise[(8, country, mineral, stage)]:+.1%} in 2026 Q4" in line
    french = ("--lang", "fr", "run", "japan_pressure", "--steps", "8", "--out", tmp_path / "fr")
    code, out, _ = minerals(capsys, *map(str, french))
    assert f"(acheteur : {economy_name(country, 'fr')})" in out  # "pour JPN", it said


def test_a_run_where_nobody_acts_says_so_instead_of_ranking_zeros(tmp_path, capsys):
    code, out, _ = minerals(capsys, "run", "baseline", "--steps", "2", "--out", str(tmp_path))
    assert code == 0 and "Every score is 0 in 2025 Q2: nobody took a measure" in out
    assert "Top scores" not in out


def test_run_refuses_a_strategy_that_no_ai_plays_as_a_sweep_does(tmp_path, capsys):
    """Review: `minerals run baseline --set countries.CHN.strategy=hawk` ran and changed
    nothing (nobody plays the baseline), while a sweep refused the same lever."""
    out_dir = tmp_path / "out"
    hawk = "countries.CHN.strategy=hawk"
    code, _, err = minerals(capsys, "run", "baseline", "--set", hawk, "--out", str(out_dir))
    assert code == 2 and not out_dir.exists()
    assert 'CHN is not played by its AI in baseline (its controller is "passive")' in err
    assert 'add --set countries.CHN.controller="ai+script"' in err
    played = ("--set", hawk, "--set", 'countries.CHN.controller="ai+script"', "--steps", "2")
    assert minerals(capsys, "run", "baseline", *played, "--out", str(out_dir))[0] == 0


SLIPS = {  # a typing slip, where it is typed, and the name it was meant to be
    "strategy": (["run", "baseline", "--set", "countries.CHN.strategy=hwak"], "hawk"),
    "parameter": (["run", "baseline", "--set", "parameters.armington_sigam=3"], "armington_sigma"),
    "scenario": (["run", "baslien"], "baseline"),
    "sweep spec": (["sweep", "coalition_flor"], "coalition_floor"),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("slip", list(SLIPS))
def test_a_typing_slip_is_refused_with_the_name_it_was_meant_to_be(tmp_path, capsys, slip, lang):
    argv, meant = SLIPS[slip]
    code, _, err = minerals(capsys, "--lang", lang, *argv, "--out", str(tmp_path / "out"))
    question = {"en": f"did you mean {meant}?", "fr": f"vouliez-vous dire {meant} ?"}[lang]
    assert_refused(code, err, question, ", ")  # the list of what is allowed stays
    assert not (tmp_path / "out").exists()


def test_a_name_like_none_allowed_gets_the_list_and_no_guess(capsys):
    code, _, err = minerals(capsys, "run", "baseline", "--set", "countries.CHN.strategy=zzz")
    assert_refused(code, err, "allowed: passive, cooperative")
    assert "did you mean" not in err


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "replaced the tables of an earlier run in"), ("fr", "remplacent les tables")],
)
def test_a_rerun_into_the_same_folder_replaces_its_tables_and_says_so(tmp_path, capsys, lang, said):
    out = tmp_path / "baseline"
    code, first, _ = minerals(
        capsys, "--lang", lang, "run", "baseline", "--steps", "3", "--out", str(out)
    )
    assert code == 0 and said not in first
    code, again, _ = minerals(
        capsys, "--lang", lang, "run", "baseline", "--steps", "2", "--out", str(out)
    )
    assert code == 0
    (line,) = [line for line in again.splitlines() if said in line]
    assert str(out) in line
    assert pd.read_csv(out / "countries.csv")["step"].max() == 2  # replaced, as asked


def test_hindcast_outside_the_checkout_says_where_it_wrote(tmp_path, capsys, monkeypatch):
    import model.research.hindcast as hindcast

    def write(out, overrides):  # the episodes' replay is tested in test_history.py
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("# report\n")
        return []

    monkeypatch.setattr(hindcast, "write", write)
    monkeypatch.chdir(tmp_path)
    code, out, _ = minerals(capsys, "hindcast")
    assert code == 0
    report = tmp_path.resolve() / "docs" / "validation.md"
    assert report.is_file()
    assert f"the report went to {report}" in out and "not the project's checkout" in out
    chosen = tmp_path / "elsewhere.md"
    code, out, _ = minerals(capsys, "hindcast", "--out", str(chosen))
    assert code == 0 and "not the project's checkout" not in out
