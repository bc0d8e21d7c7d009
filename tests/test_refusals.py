"""A refused measure changes nothing: World.apply relies on it instead of copying the state.

policies.apply checks every field before it changes the state; a refusal half-way through
would leave a measure half applied (a tariff without its budget, a stock order without
its payment). Every kind of measure, with values in and out of bounds.
"""

from functools import cache

from hypothesis import event, given, settings
from hypothesis import strategies as st

from agents.actions import Demand, ExportControl, Shock, Stockpile, Subsidy, Tariff
from model.engine import policies
from model.engine.reference import digest
from model.engine.world import World

CODES = st.sampled_from(["USA", "CHN", "AUS", "XXX", "all"])
MINERALS = st.sampled_from(["lithium", "rare_earths", "all", "unobtainium"])
STAGES = st.sampled_from(["mined", "refined", "all", "roasted"])
NUMBERS = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 1.45, 3.0, 1e15, float("nan"), float("inf")])
WHOLE = st.sampled_from([-1, 0, 1, 4, 40, 10_000])
TARGETS = st.lists(CODES, min_size=1, max_size=2).map(tuple)

ACTIONS = st.one_of(
    st.builds(Tariff, CODES, TARGETS, MINERALS, STAGES, NUMBERS),
    st.builds(ExportControl, CODES, TARGETS, MINERALS, STAGES, NUMBERS, delay=WHOLE),
    st.builds(Stockpile, CODES, MINERALS, STAGES, NUMBERS.map(lambda x: x * 1e9)),
    st.builds(Subsidy, CODES, MINERALS, STAGES, NUMBERS.map(lambda x: x * 1e12)),
    st.builds(Shock, CODES, MINERALS, STAGES, NUMBERS, WHOLE),
    st.builds(Demand, CODES, TARGETS, MINERALS, STAGES, NUMBERS, WHOLE, ramp=WHOLE),
)


@cache
def quarter_under_way() -> World:
    world = World("baseline")
    world.step()
    world.start_budgets()
    return world


@settings(max_examples=300, deadline=None)
@given(action=ACTIONS)
def test_a_refused_measure_leaves_the_state_as_it_was(action):
    world = quarter_under_way()
    trial = world.state.copy()
    before = digest(trial)
    try:
        policies.apply(action, trial, world.data, world.steps)
    except policies.PolicyError:
        event("refused")
        assert digest(trial) == before
    else:
        event("applied")
