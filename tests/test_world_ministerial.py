"""world_2026_ministerial: world_2024 split into the guests of the 4 Feb 2026 ministerial.

The split may only move shares out of ROW: world totals and the headline shares stay those
of world_2024, and the ``ministerial`` flags name economies that exist.
"""

import numpy as np
import pandas as pd
import pytest

from model.data.scenario import validate_scenario
from model.data.world_data import WORLDS_DIR, load_world
from model.engine.world import World

NAME = "world_2026_ministerial"

# The 41 non-EU delegations on the State Dept list (54 countries + European Commission;
# the 13 EU member states among the 54 sit inside EU), plus EU for the Commission and the
# host USA. See the world's README.md for the source.
GUESTS = {
    "AGO",
    "ARG",
    "ARM",
    "AUS",
    "BHR",
    "BOL",
    "BRA",
    "CAN",
    "COK",
    "COD",
    "DOM",
    "ECU",
    "GIN",
    "IND",
    "ISR",
    "JPN",
    "JOR",
    "KAZ",
    "KEN",
    "MYS",
    "MEX",
    "MNG",
    "MAR",
    "NZL",
    "NOR",
    "OMN",
    "PAK",
    "PRY",
    "PER",
    "PHL",
    "QAT",
    "KOR",
    "SAU",
    "SLE",
    "SGP",
    "THA",
    "UKR",
    "ARE",
    "GBR",
    "UZB",
    "ZMB",
}
COALITION = GUESTS | {"EU", "USA"}

# (country, mineral, stage): share of world output in percent, as in world_2024's README.
HEADLINES = {
    ("CHN", "rare_earths", "mined"): 71.05,
    ("CHN", "rare_earths", "refined"): 90.0,
    # the 2024 flow to refiners: the DRC mined 74.83 %, but its surplus went into stocks
    ("COD", "cobalt", "mined"): 60.16,  # of the mined feed, recycled feed apart (secondary.csv)
    ("IDN", "nickel", "mined"): 59.46,
    ("AUS", "lithium", "mined"): 37.25,
}


@pytest.fixture(scope="module")
def world():
    return load_world(NAME)


@pytest.fixture(scope="module")
def base():
    return load_world("world_2024")


@pytest.fixture(scope="module")
def economies():
    return pd.read_csv(WORLDS_DIR / NAME / "economies.csv")


def share(data, code, mineral, stage):
    g = data.good(mineral, stage)
    return 100 * data.production0[data.country(code), g] / data.production0[:, g].sum()


def test_economy_count_excluding_row_is_54_to_58(world):
    # Counted without ROW (the remainder); EU counts as one economy.
    assert "ROW" in world.codes
    assert 54 <= len(world.codes) - 1 <= 58


def test_keeps_every_world_2024_economy(world, base):
    assert set(base.codes) <= set(world.codes)


def test_world_totals_equal_world_2024(world, base):
    assert world.goods == base.goods
    np.testing.assert_allclose(
        world.production0.sum(axis=0), base.production0.sum(axis=0), rtol=1e-12
    )
    np.testing.assert_allclose(
        world.final_demand0.sum(axis=0), base.final_demand0.sum(axis=0), rtol=1e-12
    )
    np.testing.assert_array_equal(world.price0, base.price0)
    np.testing.assert_array_equal(world.inputs, base.inputs)


@pytest.mark.parametrize(("where", "expected"), list(HEADLINES.items()))
def test_headline_shares_unchanged(world, base, where, expected):
    assert share(world, *where) == pytest.approx(expected, abs=0.01)
    assert share(world, *where) == pytest.approx(share(base, *where), abs=1e-9)


def test_only_row_gives_up_production(world, base):
    """Every world_2024 economy except ROW keeps its production share of every good."""
    shares = world.production0 / world.production0.sum(axis=0)
    shares0 = base.production0 / base.production0.sum(axis=0)
    for code in base.codes:
        if code != "ROW":
            np.testing.assert_allclose(
                shares[world.country(code)], shares0[base.country(code)], atol=1e-12
            )
    assert (world.production0[world.country("ROW")] >= 0).all()
    used = world.final_demand0.sum(axis=0) > 0  # refined goods and magnets; ore has no final use
    assert (world.final_demand0[world.country("ROW"), used] > 0).all()


def test_ministerial_flags(world, economies):
    assert economies["ministerial"].dtype == bool
    assert list(economies["code"]) == world.codes
    flagged = set(economies.loc[economies["ministerial"], "code"])
    assert flagged <= set(world.codes)
    assert flagged == COALITION
    assert len(GUESTS) == 41  # 54 countries less the 13 EU member states inside EU
    for code in ("CHN", "RUS", "ROW"):
        assert code not in flagged
    assert economies["ministerial_source"].str.strip().str.len().gt(0).all()


def test_trade_priors_name_existing_exporters(world):
    known = ~np.isnan(world.trade_prior)
    assert known.any()
    ghana, china = world.country("GHA"), world.country("CHN")
    g = world.good("manganese", "mined")
    assert world.trade_prior[g, china, ghana] == pytest.approx(0.153)


def test_runs_two_steps():
    scenario = validate_scenario(
        {"scenario": {"name": "t", "title": "t", "steps": 2, "seed": 1, "world": NAME}}
    )
    model = World(scenario).run()
    countries = model.tables()["countries"]
    codes = load_world(NAME).codes
    assert len(countries) == 2 * len(codes)
    for _, rows in countries.groupby("step"):
        assert sorted(rows["country"]) == sorted(codes)
    assert not countries.isna().to_numpy().any()


def test_china_has_money_for_reserves_in_every_bundled_scenario_and_year():
    """Review (a class on washington_coalition): China's delegation opened with USD 0, its
    only programme having ended in 2025, so it could never buy a stockpile."""
    from model.data.scenario import list_scenarios
    from model.engine.policies import budget_left

    for name, _ in list_scenarios():
        if name.startswith("hindcast_"):  # replays with everyone passive, before 2025
            continue
        world = World(name)
        china = world.data.country("CHN")
        assert budget_left(world.data, china, world.state) > 0, name
    later = World("baseline")
    later.run(20)  # 2029
    assert budget_left(later.data, later.data.country("CHN"), later.state) > 0
