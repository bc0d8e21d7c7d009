"""A bounded fuzz suite: generated scenario files, sweep specs, archives and arguments.

Whatever a person hands the `minerals` command, it either refuses with one line (exit 2, no
traceback, nothing written) or runs and writes finite tables. The normal suite tries a few
hundred inputs; ``FUZZ_EXAMPLES=1000 pytest -m fuzz --hypothesis-show-statistics`` is the
longer campaign (docs/robustness.md reports its figures).
"""

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ui.cli import main

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same inputs every run: a failure here reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCENARIO = """[scenario]
name = "fuzzed"
title = "A fuzzed scenario"
world = "world_2024"
steps = 2
seed = 7
controller = "passive"

[parameters]
trade_cost = 0.05
shock_min_factor = 0.5
shock_max_factor = 0.9

[countries.CHN]
controller = "scripted"

[[events]]
step = 1
actor = "CHN"
action = "export_control"
targets = ["USA"]
mineral = "graphite"
stage = "refined"
level = 0.5

[[events]]
step = 2
actor = "USA"
action = "tariff"
targets = ["CHN"]
mineral = "all"
stage = "all"
rate = 0.25
"""
LINES = SCENARIO.splitlines()
# Values a slip of the keyboard or an attacker may put anywhere.
ODD_VALUES = [
    "nan", "inf", "-inf", "-1", "-0.0", "0", "1e308", "1e-320", "2", "10001", "1" + "0" * 30,
    "1" + "0" * 5000, '""', '"x"', '"' + "y" * 3000 + '"', '"../../etc/passwd"', '"all"',
    '"CHN"', '"\\u0000"', '"{value}"', "true", "[]", '["all", "USA"]', "{}", "{a = 1}",
    "[" * 400 + "]" * 400, "1979-05-27T07:32:00Z", '"lithum"', '"mined"', '"magnets"',
]


@st.composite
def mutated_scenarios(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "delete", "duplicate", "truncate", "bytes"]))
        line = lines[where]
        if kind == "value" and "=" in line:
            key = line.split("=", 1)[0]
            lines[where] = f"{key}= {draw(st.sampled_from(ODD_VALUES))}"
        elif kind == "delete":
            del lines[where]
        elif kind == "duplicate":
            lines.insert(where, line)
        elif kind == "truncate":
            lines[where] = line[: draw(st.integers(0, max(len(line) - 1, 0)))]
        else:
            junk = draw(st.text(min_size=1, max_size=8))
            lines[where] = line + junk
        if not lines:
            break
    return "\n".join(lines) + "\n"


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    _, err = capsys.readouterr()
    return code, err


def clean_refusal(code: int, err: str) -> bool:
    return code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1


@FUZZ
@given(text=mutated_scenarios())
def test_a_mutated_scenario_is_refused_cleanly_or_runs_to_finite_tables(tmp_path, capsys, text):
    case = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per example, shrinking included
    path = case / "fuzzed.toml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    out = case / "out"
    code, err = run_cli(capsys, "validate", str(path))
    assert code in (0, 2) and "Traceback" not in err, err
    code, err = run_cli(capsys, "run", str(path), "--out", str(out), "-q")
    event("refused" if code else "ran")
    if code != 0:
        assert clean_refusal(code, err), err
        assert not out.exists()
        return
    for name in ("countries", "prices", "flows", "production"):
        frame = pd.read_csv(out / f"{name}.csv")
        # prices are empty where nothing is produced, or nothing wanted (tests/test_outcomes)
        numbers = frame.drop(columns=["producer_price", "price"], errors="ignore")
        assert np.isfinite(numbers.select_dtypes("number").to_numpy()).all(), name
    delivered = pd.read_csv(out / "prices.csv")["price"]
    assert delivered.notna().any() and np.isfinite(delivered.dropna()).all()
    # A producer price exists, finite, exactly where the economy produced the good.
    made = pd.read_csv(out / "production.csv")["production"].to_numpy() > 0
    producer = pd.read_csv(out / "prices.csv")["producer_price"].to_numpy()
    assert np.isfinite(producer[made]).all() and np.isnan(producer[~made]).all()
    assert (producer[made] >= 0).all()
    for name in ("prices", "flows", "production"):
        frame = pd.read_csv(out / f"{name}.csv").drop(columns="producer_price", errors="ignore")
        frame = frame.select_dtypes("number")
        assert not (frame.to_numpy() < -1e-9).any(), name  # an empty price is no negative


SPEC = """[sweep]
name = "fuzzed"
scenario = "baseline"
steps = 1
replications = 1
seed = 3
sampler = "random"
samples = 2

[levers]
"parameters.trade_cost" = [0.05, 0.1]

[uncertainties]
"parameters.armington_sigma" = {low = 2.0, high = 4.0}

[outcomes]
keep = ["mean_score", "mean_price_index"]
"""


@st.composite
def mutated_specs(draw) -> str:
    lines = SPEC.splitlines()
    where = draw(st.integers(0, len(lines) - 1))
    if "=" in lines[where]:
        key = lines[where].split("=", 1)[0]
        lines[where] = f"{key}= {draw(st.sampled_from(ODD_VALUES))}"
    else:
        lines[where] = draw(st.sampled_from(["", "[sweep]", "[[levers]]", "x = 1"]))
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=mutated_specs())
def test_a_mutated_sweep_spec_is_refused_cleanly_or_accepted(tmp_path, text):
    from model.research.sweep import SweepError, load_spec

    path = tmp_path / "spec.toml"
    path.write_text(text)
    try:
        spec = load_spec(path)
    except SweepError as error:
        event("refused")
        head, *mistakes = str(error).splitlines()  # one line, or a count and one a mistake
        assert "spec.toml" in head and all(len(line) < 600 for line in [head, *mistakes])
    else:
        event("accepted")
        assert spec.run_count <= 1_000_000


JUNK_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)
LOG = {"scenario": "baseline", "seed": 1, "seats": ["USA"], "turns": [], "cards": []}


@FUZZ
@given(key=st.sampled_from([*LOG, "turns.0", "turns.0.actions"]), value=JUNK_JSON)
def test_an_edited_archive_is_refused_cleanly_or_replays(tmp_path, capsys, key, value):
    log = json.loads(json.dumps(LOG))
    turn = {"step": 1, "actions": {"USA": []}, "answers": {"USA": []},
            "players": {"USA": "people"}, "cards": []}
    log["turns"] = [turn]
    if key == "turns.0":
        log["turns"][0] = value
    elif key == "turns.0.actions":
        turn["actions"] = value
    else:
        log[key] = value
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    path = case / "game.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("game.json", json.dumps({"log": log}))
    out = case / "out"
    code, err = run_cli(capsys, "replay", str(path), "--out", str(out))
    event("refused" if code else "replayed")
    assert code == 0 or clean_refusal(code, err), err
    if code != 0:
        assert not out.exists()


ARGUMENTS = [
    "run", "validate", "scenarios", "sweep", "analyse", "replay", "briefing", "baseline",
    "--steps", "--seed", "--set", "--out", "--format", "-q", "1", "2", "-1", "x", "",
    "steps=2", "parameters.trade_cost=0.1", "parameters.nope=1", "csv", "parquet", "xml",
    "/dev/null", "/dev/zero", "--bogus", "a" * 300, "base\nline",
]


@FUZZ
@given(argv=st.lists(st.sampled_from(ARGUMENTS), min_size=0, max_size=6))
def test_random_arguments_get_a_result_or_one_clean_message(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    if "--steps" in argv:  # long runs are valid, not interesting here
        argv = [a for a in argv if a not in ("--steps",)]
    code, err = run_cli(capsys, *argv, *(["--steps", "1"] if argv[:1] == ["run"] else []))
    event(f"exit {code}")
    assert code == 0 or clean_refusal(code, err), err


@st.composite
def in_range_parameters(draw) -> dict[str, float]:
    from model.data.world_data import ORDERED_PARAMETERS, PARAMETER_RANGES

    names = draw(st.lists(st.sampled_from(sorted(PARAMETER_RANGES)), min_size=1, max_size=5))
    values = {name: draw(st.floats(*PARAMETER_RANGES[name])) for name in names}
    for low, high in ORDERED_PARAMETERS:
        if low in values and high in values and values[low] > values[high]:
            values[low], values[high] = values[high], values[low]
    return values


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 1))  # each example runs the world
@given(parameters=in_range_parameters())
def test_parameters_in_range_never_give_absurd_outputs(tmp_path, capsys, parameters):
    out = Path(tempfile.mkdtemp(dir=tmp_path)) / "out"
    sets = [item for name, value in parameters.items()
            for item in ("--set", f"parameters.{name}={value!r}")]
    code, err = run_cli(
        capsys, "run", "baseline", "--steps", "2", "-q", "--out", str(out), *sets
    )
    event("refused" if code else "ran")
    if code:  # only an order the world's own values break (e.g. min above the world's max)
        assert clean_refusal(code, err) and "must not exceed" in err, err
        return
    countries = pd.read_csv(out / "countries.csv")
    prices = pd.read_csv(out / "prices.csv")
    assert np.isfinite(countries.select_dtypes("number").to_numpy()).all()
    assert (countries["gdp_index"] >= 0).all()
    assert prices["price"].notna().any() and (prices["price"].dropna() > 0).all()
