"""A model other tools can drive: Mesa conventions, batch_run, EMA Workbench (issue 17 §2;
research review §4)."""

import pickle

import mesa
import numpy as np
import pandas as pd
import pytest

from model import World, outcomes
from model.data.overrides import ScenarioError
from model.engine.recorder import COUNTRY_COLUMNS
from model.research.spec import load_spec
from model.research.sweep import sweep

# Two quarters of the passive baseline, the outage rate as the lever: ~0.1 s a run.
SPEC = """
[sweep]
name = "ema-check"
scenario = "baseline"
steps = 2
seed = 11
sampler = "lhs"
samples = 2

[levers]
"parameters.shock_rate" = [0.0, 0.05]

[uncertainties]
"parameters.armington_sigma" = {low = 2.0, high = 5.0}
"parameters.trade_cost" = [0.05, 0.1]

[outcomes]
keep = ["mean_price_index", "median_price_index", "final_score_CHN", "mean_score"]
"""


def test_parameters_are_keyword_arguments_numpy_scalars_included():
    world = World("baseline", seed=3, trade_cost=np.float64(0.1), armington_sigma=np.int64(4))
    assert world.parameters["trade_cost"] == 0.1 and world.parameters["armington_sigma"] == 4
    assert world.spec.seed == 3 or world.shock_seed == 3
    same = World(scenario="baseline", rng=3, trade_cost=0.1, armington_sigma=4.0).run(2)
    world.run(2)
    assert world.tables()["prices"].equals(same.tables()["prices"])


def test_a_parameter_keyword_also_applies_to_a_scenario_object():
    base = World("baseline").spec
    world = World(base, trade_cost=0.2)
    assert world.parameters["trade_cost"] == 0.2 and base.parameters.get("trade_cost") != 0.2


@pytest.mark.parametrize(
    ("keywords", "words"),
    [
        ({"trade_kost": 0.1}, ["trade_kost", "is not a parameter", "trade_cost"]),
        ({"trade_cost": -1.0}, ["trade_cost", "outside the allowed range"]),
        ({"trade_cost": "dear"}, ["trade_cost", "is not a number"]),
    ],
)
def test_a_bad_keyword_gets_the_scenario_formats_message(keywords, words):
    with pytest.raises(ScenarioError) as error:
        World("baseline", **keywords)
    assert all(word in str(error.value) for word in words)
    assert "\n" not in str(error.value)


def test_the_seed_is_given_once():
    with pytest.raises(ScenarioError, match="seed"):
        World("baseline", rng=1, seed=2)


def test_running_ends_at_the_scenarios_last_step():
    world = World("baseline", seed=1)
    steps = world.spec.steps
    for _ in range(steps - 1):
        world.step()
        assert world.running
    world.step()
    assert not world.running and world.steps == steps


def test_batch_run_stops_at_the_last_step_and_returns_the_countries_measures():
    results = mesa.batch_run(
        World,
        {"scenario": "baseline", "trade_cost": [0.05, 0.1]},
        rng=[1],
        max_steps=1000,  # the scenario's own 20 quarters end it
        data_collection_period=-1,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert set(frame["Step"]) == {20}
    assert set(COUNTRY_COLUMNS[3:]) <= set(frame.columns)
    assert len(frame) == 2 * 27  # one row per economy and parameter value
    world = World("baseline", seed=1, trade_cost=0.1).run()
    last = world.tables()["countries"].query("step == 20").set_index("country")
    got = frame[frame["trade_cost"] == 0.1].set_index("country")
    assert np.allclose(got.loc[last.index, "score"], last["score"])
    assert np.allclose(
        got["mean_price_index"], outcomes(world, ["mean_price_index"])["mean_price_index"]
    )


def test_an_ema_experiment_equals_the_projects_own_sweep(tmp_path):
    ema_workbench = pytest.importorskip("ema_workbench")
    from model.research import ema

    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    spec = load_spec(path)
    ours = sweep(spec, executor="serial")
    scenarios, policies = ema.design(spec)
    experiments, results = ema_workbench.perform_experiments(ema.model(spec), scenarios, policies)
    assert len(experiments) == len(ours) == 4
    lever = ema.identifier("parameters.shock_rate")
    theirs = pd.DataFrame(results).assign(
        seed=experiments["seed"].astype("int64").to_numpy(),
        **{"parameters.shock_rate": experiments[lever].astype(float).to_numpy()},
    )
    key = ["seed", "parameters.shock_rate"]
    mine = ours.set_index(key)[list(results)].sort_index()
    pd.testing.assert_frame_equal(theirs.set_index(key).sort_index(), mine, check_exact=True)
    # Common random numbers: each seed meets both levers.
    assert (experiments.groupby("seed")[lever].nunique() == 2).all()
    # The function travels to EMA's worker processes (pickled) and computes the same row.
    first = experiments.iloc[0]
    values = {name: first[name] for name in ema.identifiers(spec)}
    again = pickle.loads(pickle.dumps(ema.Experiment(spec)))(seed=first["seed"], **values)
    assert again == {name: results[name][0] for name in results}


def test_key_paths_become_identifiers():
    from model.research.ema import identifier

    assert identifier("parameters.shock_rate") == "parameters_shock_rate"
    assert identifier("coalitions[0].price_floor") == "coalitions_0_price_floor"
    assert identifier("countries.CHN.strategy").isidentifier()
