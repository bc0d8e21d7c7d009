"""Run values made by numpy (a sampler's np.float64, an EMA experiment's np.int64 or
np.bool_) travel as ``--set`` text and come back as the same values (issue 17)."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.data.scenario import load_scenario, parse_override
from model.research.spec import overrides, toml_value

FLOATS = st.floats(allow_nan=False, width=64)
SCALARS = st.one_of(
    FLOATS.map(np.float64),
    FLOATS.map(float),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.integers(-(2**31), 2**31 - 1).map(np.int32),
    st.booleans().map(np.bool_),
    st.booleans(),
    st.text(max_size=20),
)


def same(a, b) -> bool:
    if isinstance(a, float) and math.isinf(a):
        return a == b
    return type(a) is type(b) and a == b


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["parameters.a", "events[0].rate", "x"]), SCALARS))
def test_numpy_values_round_trip_through_set_text_as_python_values(values):
    for text, value in zip(overrides(values), values.values(), strict=True):
        _, back = parse_override(text)
        plain = value.item() if isinstance(value, np.generic) else value
        assert same(back, plain), (text, value, back)


@settings(max_examples=20, deadline=None)
@given(st.floats(0.0, 5.0).map(np.float64), st.integers(1, 8).map(np.int64))
def test_a_scenario_takes_numpy_values_as_the_sweep_gives_them(cost, offer_step):
    scenario = load_scenario(
        "washington_coalition",
        overrides({"parameters.trade_cost": cost, "coalitions[0].offer_step": offer_step}),
    )
    assert scenario.parameters["trade_cost"] == float(cost)
    assert scenario.coalitions[0].offer_step == int(offer_step)
    assert toml_value(np.float64(0.1)) == "0.1" and toml_value(np.bool_(True)) == "true"
