"""Every bundled scenario runs: a few quarters each, as Mesa steps every example it ships.

Validation alone (test_scenarios.py) would not notice a scenario whose script the engine
refuses, or whose world cannot clear; these tests step each one.
"""

import numpy as np
import pytest

from model.data.scenario import bundled_names, load_scenario
from model.engine.world import World

QUARTERS = 2  # enough for the scripted measures of the first quarters to take effect


@pytest.fixture(scope="module", params=bundled_names())
def played(request):
    scenario = load_scenario(request.param, steps=QUARTERS)
    world = World(scenario)
    world.run()
    return scenario, world, world.tables()


def test_every_bundled_scenario_is_stepped():
    assert len(bundled_names()) >= 6  # the shipped configs/scenarios, found in the package


def test_every_economy_is_measured_every_quarter(played):
    _, world, tables = played
    countries = tables["countries"]
    assert sorted(set(countries["step"])) == list(range(1, QUARTERS + 1))
    for step in range(1, QUARTERS + 1):
        assert sorted(countries[countries["step"] == step]["country"]) == sorted(world.data.codes)


def test_prices_stay_positive_and_finite(played):
    _, _, tables = played
    # empty only where an economy wanted none of a good (tests/test_outcomes.py)
    prices = tables["prices"]["price"].dropna().to_numpy()
    assert len(prices) and np.isfinite(prices).all() and (prices > 0).all()
    shortage = tables["countries"]["shortage_share"].to_numpy()
    assert ((shortage >= 0) & (shortage <= 1)).all()


def test_the_script_of_the_quarters_played_is_in_the_news(played):
    scenario, _, tables = played
    news = set(
        zip(
            tables["events"]["step"],
            tables["events"]["actor"],
            tables["events"]["action"],
            strict=True,
        )
    )
    due = {(e.step, e.actor, e.action) for e in scenario.events if e.step <= QUARTERS}
    assert due <= news
