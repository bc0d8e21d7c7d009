"""Outcomes that mean what they say (issue 17 §1; research review §1, §7c.3, §7d)."""

import math
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.actions import Propose, Subsidy
from model import catalogue, outcomes
from model.engine import world as world_module
from model.engine.metrics import median_price_index
from model.engine.world import World
from model.research.outcomes import OUTCOMES, LazyTables, outcome_function
from support.builders import at, event, run, scenario, tiny_world
from support.seats import Scripted

BAN = event(1, "CHN", "export_control", "lithium", "refined", targets=["all"], level=0.0)


@pytest.mark.parametrize("trade_cost", [0.0, 0.05, 0.1])
def test_the_price_index_is_one_in_an_untouched_base_year_whatever_the_trade_cost(trade_cost):
    # Review §7c.3: 1.0418 at the default trade cost, 1.0837 at 0.1, before the fix.
    world = run(steps=1, trade_cost=trade_cost)
    got = outcomes(world, ["mean_price_index", "median_price_index"])
    assert got == pytest.approx({"mean_price_index": 1.0, "median_price_index": 1.0}, abs=1e-9)


def test_the_datacollector_has_no_jump_between_the_start_and_a_quiet_first_step():
    world = World(scenario(steps=2), world=tiny_world())
    before = world.price_index()
    world.run()
    series = world.datacollector.get_model_vars_dataframe()["mean_price_index"]
    assert before == 1.0
    assert np.allclose(series.to_numpy(), 1.0, atol=1e-9)


def _same_records(fast, slow) -> bool:
    """Equal record for record, NaN equal to NaN (the measures before the first step)."""

    def same(a, b) -> bool:
        return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))

    return len(fast) == len(slow) and all(
        len(f) == len(s) and all(same(a, b) for a, b in zip(f, s, strict=True))
        for f, s in zip(fast, slow, strict=True)
    )


def test_each_countrys_datacollector_variables_are_its_row_of_the_countries_table(monkeypatch):
    """The collector reads a quarter's arrays at once (Mesa's per-reporter path is not taken)
    and records what Mesa's reporters would, every quarter."""
    world = World(scenario(steps=3), world=tiny_world())
    collector = world.datacollector
    mesa_path = mesa.DataCollector._record_agents
    by_reporter = []

    def refuse(self, model):
        raise AssertionError("Mesa's per-reporter path was taken")

    monkeypatch.setattr(mesa.DataCollector, "_record_agents", refuse)
    collector.collect(world)  # before any step: no measures yet
    by_reporter.append(list(mesa_path(collector, world)))
    for _ in range(3):
        world.step()
        by_reporter.append(list(mesa_path(collector, world)))
    recorded = [collector._agent_records[time] for time in sorted(collector._agent_records)]
    assert len(recorded) == 4
    assert all(_same_records(a, b) for a, b in zip(recorded, by_reporter, strict=True))
    frame = collector.get_agent_vars_dataframe()
    countries = world.tables()["countries"].set_index(["step", "country"])
    measures = frame.columns.drop("country")
    for (time, _), row in frame.iterrows():
        if time == 0:
            assert row[measures].isna().all()
            continue
        table = countries.loc[(time, row["country"]), measures].astype(float).to_numpy()
        assert row[measures].astype(float).to_numpy() == pytest.approx(table, nan_ok=True)


def test_a_quarters_agent_records_are_made_only_when_someone_reads_them(monkeypatch):
    # A sweep never reads them: making them every quarter was 3 % of its time.
    made = []
    real = world_module._country_records
    monkeypatch.setattr(
        world_module, "_country_records", lambda *args: made.append(args[0]) or real(*args)
    )
    world = World(scenario(steps=3), world=tiny_world()).run()
    assert made == []
    frame = world.datacollector.get_agent_vars_dataframe()
    assert made == [1, 2, 3] and len(frame) == 3 * len(world.data.codes)
    world.datacollector.get_agent_vars_dataframe()
    assert made == [1, 2, 3]  # made once


def test_a_measure_taken_between_quarters_leaves_the_quarter_recorded_as_it_was():
    # The records are made late (above) from the quarter's numbers: a subsidy paid before
    # the next quarter must not reach back into them, nor into the countries table.
    world = World(scenario(steps=3), world=tiny_world()).run(2)
    assert world.apply(Subsidy("USA", "lithium", "refined", 1e6), world.steps)
    countries = world.tables()["countries"]
    assert at(countries, 2, country="USA")["subsidy_spend"].tolist() == [0.0]
    agents = world.datacollector.get_agent_vars_dataframe().xs(2, level="Step")
    assert agents.loc[agents["country"] == "USA", "subsidy_spend"].tolist() == [0.0]


def test_a_reporter_added_to_the_datacollector_is_called_like_the_others():
    world = World(scenario(steps=2), world=tiny_world())
    world.datacollector._new_agent_reporter("code_length", lambda country: len(country.code))
    world.datacollector._new_agent_reporter("score", lambda country: -1.0)  # replaced
    world.run()
    frame = world.datacollector.get_agent_vars_dataframe()
    assert (frame["code_length"] == 3).all()
    assert (frame["score"] == -1.0).all()
    assert frame["gdp_index"].notna().all()


def test_the_mean_price_index_weighs_each_price_by_its_base_consumption_value():
    quiet, banned = run(steps=2), run([BAN], steps=2)
    data = tiny_world()
    weights = data.demand0 * data.price0  # (C, G) base consumption value
    now = at(banned.tables()["prices"], 2).set_index(["country", "mineral", "stage"])["price"]
    base = at(quiet.tables()["prices"], 2).set_index(["country", "mineral", "stage"])["price"]
    relative = (now / base).to_numpy().reshape(len(data.goods), len(data.codes)).T
    relative = np.where(weights > 0, relative, 0.0)  # no price where a good has no use
    expected = (relative * weights).sum() / weights.sum()
    got = outcomes(banned, ["mean_price_index", "median_price_index"])
    assert got["mean_price_index"] == pytest.approx(expected, rel=1e-9)
    assert got["mean_price_index"] > 1.0  # a ban on a used good raises prices
    assert got["median_price_index"] == pytest.approx(np.median(relative[weights > 0]), rel=1e-9)


def test_producer_price_is_empty_where_the_economy_produces_none_of_the_good():
    prices = run(steps=2).tables()["prices"]
    production = run(steps=2).tables()["production"]
    made = production["production"].to_numpy() > 0
    assert (~made).any() and made.any()  # the tiny world has both
    assert prices["producer_price"][~made].isna().all()
    assert prices["producer_price"][made].notna().all()


def test_delivered_price_is_empty_where_the_economy_wants_none_of_the_good():
    """Review: refined heavy rare earths 'cost' 14.8 times their 2024 price in economies
    that use none: the ceiling of a good nobody there buys, averaged in by a reader."""
    tables = run([BAN], steps=2).tables()
    key = ["step", "country", "mineral", "stage"]
    bought = tables["flows"].groupby(["step", "importer", "mineral", "stage"])["tonnes"].sum()
    bought.index.names = key
    prices = tables["prices"].set_index(key)["price"]
    paid = bought.reindex(prices.index, fill_value=0.0) > 0
    assert paid.any() and (~paid).any()
    assert prices[paid].notna().all()  # whoever bought some paid a price
    unpaid = prices[prices.isna()].index
    assert len(unpaid) and (bought.reindex(unpaid, fill_value=0.0) == 0).all()


@pytest.mark.parametrize(
    ("table", "names"),
    [
        ("countries", ["score", "gdp_index", "shortage_share"]),
        ("prices", ["price", "producer_price"]),
        ("production", ["production", "stock"]),
        ("deals", ["deal_id", "status"]),
    ],
)
def test_a_column_read_alone_is_the_built_tables_column(table, names):
    # A sweep's outcomes read columns (Recorder.column) rather than build the tables; the
    # refined value pairs production and prices position by position, so the order counts.
    world = World(scenario([BAN], steps=3), world=tiny_world())
    truce = {1: [Propose("USA", "CHN", "truce", {}, 4)]}
    world.country_agent("USA").controller = Scripted(truce)
    world.country_agent("CHN").controller = Scripted(answer="accept")
    tables = LazyTables(world.run().recorder)
    whole = tables[table]
    assert len(whole)
    for name in names:
        np.testing.assert_array_equal(tables.column(table, name), whole[name].to_numpy())
        if table != "deals":
            last = whole.loc[whole["step"] == 3, name].to_numpy()
            np.testing.assert_array_equal(tables.column(table, name, last=True), last)
    key = ["step", "country", "mineral", "stage"]  # the refined value pairs rows by position
    pd.testing.assert_frame_equal(tables["production"][key], tables["prices"][key])


def test_a_world_that_has_not_stepped_has_no_quarter_to_read():
    got = outcomes(World(scenario(steps=2), world=tiny_world()), [*OUTCOMES, "final_score_USA"])
    counted = {"deals_accepted", "breaches", "mean_price_index", "median_price_index"}
    assert all(math.isnan(value) for name, value in got.items() if name not in counted)
    assert [got[name] for name in sorted(counted)] == [0.0, 0.0, 1.0, 1.0]


def test_outcomes_read_from_columns_are_the_ones_the_built_tables_give():
    world = run([BAN], steps=3)
    got = outcomes(world)
    tables = LazyTables(world.recorder)
    countries = tables["countries"]
    last = countries[countries["step"] == 3]
    assert got["mean_score"] == last["score"].mean()
    assert got["max_shortage_share"] == countries["shortage_share"].max()
    shortage = world.datacollector.get_model_vars_dataframe()["world_shortage_share"]
    assert got["world_shortage_share_mean"] == pytest.approx(shortage.mean(), rel=1e-15)
    production, prices = tables["production"], tables["prices"]
    refined = (production["step"] == 3) & (production["stage"] == "refined")
    value = (production["production"] * prices["producer_price"])[refined]
    by_country = value.groupby(production["country"][refined]).sum()
    assert got["china_refined_share"] == pytest.approx(
        by_country[world.data.hegemon] / by_country.sum(), rel=1e-14
    )


def test_the_public_outcomes_api_is_the_sweeps_catalogue():
    world = run([BAN], steps=3)
    names = ["mean_score", "mean_price_index", "final_score_CHN", "breaches"]
    got = outcomes(world, names)
    tables = LazyTables(world.recorder)
    assert got == {name: outcome_function(name)(world, tables) for name in names}
    assert {name for name, _ in catalogue()} >= {"mean_price_index", "median_price_index"}
    assert all(isinstance(value, float) for value in outcomes(world).values())


def test_an_unknown_outcome_is_named_with_the_catalogue():
    with pytest.raises(KeyError) as error:
        outcomes(run(steps=1), ["mean_prize_index"])
    message = str(error.value)
    assert "mean_prize_index" in message and "median_price_index" in message


def test_every_outcome_in_the_catalogue_is_a_finite_number_on_a_quiet_run():
    values = outcomes(run(steps=2))
    assert all(math.isfinite(v) for v in values.values())


def test_the_worlds_welfare_adds_up_every_economys_in_dollars_not_its_points():
    """Review: mean_score averages points that are shares of each economy's own mineral
    economy, so China's cooperation 'lowered' it while the world as a whole gained."""
    banned = run([BAN], steps=2)
    got = outcomes(banned, ["world_welfare_usd_bn", "mean_score"])
    assert got["world_welfare_usd_bn"] == pytest.approx(
        banned.last_metrics["welfare_usd"].sum() / 1e9, rel=1e-9
    )
    assert got["world_welfare_usd_bn"] < 0  # a ban on a used good costs the world
    assert outcomes(run(steps=2), ["world_welfare_usd_bn"])["world_welfare_usd_bn"] == 0.0


@given(
    st.lists(st.floats(0.01, 100.0) | st.just(math.nan), min_size=1, max_size=40).flatmap(
        lambda prices: st.tuples(
            st.just(prices), st.lists(st.booleans(), min_size=len(prices), max_size=len(prices))
        )
    )
)
def test_the_median_price_index_is_numpys_median(drawn):
    prices, used = drawn
    index = np.array(prices)[:, None]
    weights = np.where(used, 1.0, 0.0)[:, None]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy warns on an empty median
        expected = np.median(index[weights > 0])
    got = median_price_index(index, np.ones_like(index), weights)
    assert got == expected or (math.isnan(got) and math.isnan(expected))
