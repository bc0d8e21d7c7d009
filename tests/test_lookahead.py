"""The batched look-ahead: several deals projected at once give the answers of one by one.

``project_many`` shares the no-deal path among the deals and projects each deal from its
own state, so a deal's verdict does not depend on the others judged with it.
"""

import numpy as np
import pytest

from model.engine import lookahead
from model.engine.world import World

# (responder, tariff it puts on Chinese goods): gains of tens to hundreds of points
MEASURES = (("USA", 0.5), ("JPN", 1.0), ("KOR", 0.25))


@pytest.fixture(scope="module")
def club():
    world = World("washington_coalition")
    world.step()
    start = world.state.copy()
    states = []
    for code, rate in MEASURES:
        trial = start.copy()
        trial.tariff[:, world.data.country(code), world.data.country("CHN")] = rate
        states.append(trial)
    return world, start, states


@pytest.mark.parametrize("horizon", [1, 2])
def test_a_batch_gives_the_gains_of_separate_projections(club, horizon):
    world, start, states = club
    step = world.steps + 1
    without = lookahead.project(world, start, step, horizon)
    batch = lookahead.project_many(world, states, step, horizon, start=start)
    assert batch.shape == (len(states), len(world.data.codes))
    for k, (code, _) in enumerate(MEASURES):
        c = world.data.country(code)
        alone = lookahead.project(world, states[k], step, horizon)[c] - without[c]
        together = batch[k, c] - without[c]
        assert abs(alone) > 10  # a real gain or loss, so agreement means something
        assert together == alone


def test_the_judge_answers_alike_in_a_batch_and_one_at_a_time(club):
    world, _, states = club
    prices, stock = world.state.price.copy(), world.state.stock.copy()
    judge = lookahead.Judge(world, world.steps + 1)
    judge.begin_round()
    together = judge.gains("USA", states)
    assert together == [judge.gain("USA", state) for state in states]
    assert len(set(together)) == len(states)  # three different deals, three answers
    # the world itself is left untouched
    assert np.array_equal(world.state.price, prices)
    assert np.array_equal(world.state.stock, stock)
