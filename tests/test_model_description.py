"""docs/model-parameters.md is generated from the world data, and docs/model.md cites it."""

from pathlib import Path

import pytest

from model.data.world_data import load_world
from model.research.describe import describe, engine_constants

ROOT = Path(__file__).parents[1]
TABLE = ROOT / "docs" / "model-parameters.md"
REGENERATE = "python -m model.research.describe > docs/model-parameters.md"


def test_the_committed_parameter_table_is_what_the_data_gives_now():
    assert TABLE.read_text() == describe(), f"stale: regenerate it with `{REGENERATE}`"


def test_the_table_shows_every_world_parameter_and_each_goods_own_values():
    text = describe()
    world = load_world("world_2024")
    for name in world.parameters:
        assert f"| `{name}` |" in text
    nickel = world.good("nickel", "refined")
    assert f"| nickel/refined | {world.per_good('armington_sigma')[nickel]:g} | GTAP" in text
    assert "| graphite/refined | graphite/mined | 2.5 |" in text
    assert "| MMR | heavy_rare_earths | mined | CHN |" in text


def test_every_engine_constant_is_listed_with_its_value():
    constants = {name: value for _, name, value, _ in engine_constants()}
    from model.engine import evolve, markets

    assert float(constants["TREND_WEIGHT"]) == evolve.TREND_WEIGHT
    assert float(constants["MAX_LOG_STEP"]) == markets.MAX_LOG_STEP
    assert "MAX_DEMAND_FACTOR" in constants


@pytest.mark.parametrize(
    "section",
    [
        "Purpose and patterns",
        "Entities, state variables and scales",
        "Process overview and scheduling",
        "Design concepts",
        "Initialisation",
        "Input data",
        "Submodels",
    ],
)
def test_the_model_description_follows_the_odd_protocol(section):
    text = (ROOT / "docs" / "model.md").read_text()
    assert "## " in text and section in text
    assert "model-parameters.md" in text
