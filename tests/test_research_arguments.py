"""A message names an argument the way the person gave it: the keyword when they called
Python, the flag when they typed ``minerals`` (issue 17; one place for both words:
model/data/arguments.py and the ``arguments`` catalogue)."""

from pathlib import Path

import numpy as np
import pytest

from model import World
from model.data.arguments import command_line
from model.data.scenario import ScenarioError, load_scenario
from model.research.sweep import SweepError, sweep
from model.text import use_language
from ui.cli import main


def refusal(call) -> str:
    with pytest.raises((ScenarioError, SweepError)) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_bad_world_keyword_is_named_as_the_python_keyword_not_a_flag():
    message = refusal(lambda: World("baseline", trade_cost=np.float64(-5.0)))
    assert message.startswith("keyword argument trade_cost=np.float64(-5.0) (applied to ")
    assert "outside the allowed range" in message and "--set" not in message
    unknown = refusal(lambda: World("baseline", trade_kost=0.1))
    assert unknown.startswith("keyword argument trade_kost=0.1") and "trade_cost" in unknown


def test_the_same_override_is_a_flag_on_the_command_line_and_a_keyword_in_python(capsys):
    python = refusal(lambda: load_scenario("baseline", ["steps=3"], steps=2))
    assert python == "override steps=3 and steps=2 both set the steps; give one of them"
    assert main(["run", "baseline", "--set", "steps=3", "--steps", "2"]) == 2
    assert "--set steps=3 and --steps 2 both set the steps" in capsys.readouterr().err
    with command_line():  # what main() says for itself, without running a command
        flagged = refusal(lambda: load_scenario("baseline", ["parameters.trade_cost=-1"]))
    assert flagged.startswith("--set parameters.trade_cost=-1 (applied to ")


def test_a_folder_of_another_sweep_names_out_dir_in_python_and_out_on_the_command_line(
    tmp_path,
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.json").write_text("{}")  # another sweep's design: refused before any run
    spec = Path(__file__).parents[1] / "configs" / "sweeps" / "example.toml"
    python = refusal(lambda: sweep(spec, out, executor="serial"))
    assert "use another out_dir or remove it" in python and "--out" not in python
    with command_line():
        assert "use another --out or remove it" in refusal(lambda: sweep(spec, out))


def test_french_names_the_same_arguments_in_its_own_words():
    with use_language("fr"):
        python = refusal(lambda: World("baseline", trade_cost=-5.0))
        with command_line():
            flagged = refusal(lambda: load_scenario("baseline", ["steps=3"], steps=2))
    assert python.startswith("argument nommé trade_cost=-5.0")
    assert flagged.startswith("--set steps=3 et --steps 2 fixent tous deux")
