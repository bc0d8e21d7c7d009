"""How an AI judges a deal: simulate a few quarters with and without it, compare scores.

The projection runs the economy alone (no decisions, no random shocks) from a copy of
the state, so it is cheap, deterministic and leaves the world untouched. The projection
without the deal is shared by every offer of a round (``Judge``); each deal is projected
from its own state, its clearing started from last quarter's prices like the world's.
Seeding it with the no-deal path's prices instead saves nothing since the clearing's
rewrite (1,028 against 1,041 Newton moves on washington_coalition's invitation step), and
stacking several deals' markets into one clearing call saves little (39 → 32 ms for 42
markets of 7 goods): the cost is the arithmetic of 59 economies, not Python's overhead.
The horizon is a parameter of the world (``lookahead_quarters``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.engine.diplomacy import reserve_orders
from model.engine.economy import clear_step
from model.engine.evolve import adjust_demand, build_smuggling, commission, invest
from model.engine.markets import one_blas_thread
from model.engine.state import State

# Quarters simulated ahead when the world sets none; the worlds set ``lookahead_quarters``
# (behaviour.toml: 4, a year, so a coalition's reserve bills are in the verdict).
HORIZON = 4
# A verdict needs the sign and rough size of a score change, not the sixth decimal.
TOLERANCE = 1e-4


@dataclass(frozen=True)
class Projection:
    """A projected path: the mean score of every economy over its quarters, (C,)."""

    score: np.ndarray


def projection(world, state: State, step: int, horizon: int = HORIZON) -> Projection:
    """Project ``state`` ``horizon`` quarters from a copy."""
    with one_blas_thread():
        return _projection(world, state, step, horizon)


def _projection(world, state: State, step: int, horizon: int) -> Projection:
    trial = state.copy()
    scores = []
    for ahead in range(horizon):
        if ahead:
            commission(trial, step + ahead)
            trial.stock_orders = np.zeros_like(trial.stock)
            trial.subsidy_spend = np.zeros(len(world.data.codes))
            for club in trial.coalitions.values():
                reserve_orders(club, trial, world.data)
        stock_before = trial.stock.copy()
        outcome = clear_step(
            world.data, world.calibration, world.parameters, trial, step + ahead, TOLERANCE
        )
        invest(world.data, world.parameters, trial, step + ahead)
        adjust_demand(world.data, trial)
        build_smuggling(world.data, world.parameters, trial)
        scores.append(world.projected_score(outcome, trial, step + ahead, stock_before))
    return Projection(np.mean(scores, axis=0))


def project(world, state: State, step: int, horizon: int = HORIZON) -> np.ndarray:
    """Mean score of every economy over the next ``horizon`` quarters, (C,)."""
    return projection(world, state, step, horizon).score


def project_many(
    world,
    states: Sequence[State],
    step: int,
    horizon: int = HORIZON,
    without: Projection | None = None,
    start: State | None = None,
) -> np.ndarray:
    """Mean scores of several deals' states, (K, C), projected one after another.

    ``without`` is the no-deal path (projected from ``start`` when not given); every
    deal is projected from its own state.
    """
    if without is None:
        if start is None:
            raise ValueError("project_many needs the no-deal path or the state to project it")
        without = projection(world, start, step, horizon)
    if not states:
        return np.zeros((0, len(without.score)))
    return np.stack([projection(world, state, step, horizon).score for state in states])


class Judge:
    """Look-ahead verdicts for one round of offers.

    Every offer of a round is judged against the same starting state and its no-deal
    projection (computed once), so verdicts do not depend on the order of the offers;
    ``begin_round`` starts the next round from the deals accepted meanwhile.
    """

    def __init__(self, world, step: int, horizon: int | None = None):
        self.world = world
        self.step = step
        if horizon is None:
            horizon = int(round(world.parameters.get("lookahead_quarters", HORIZON)))
        self.horizon = horizon
        self._start: State | None = None
        self._without: Projection | None = None

    def begin_round(self) -> None:
        """Take the round's starting state; its projection is made when first needed."""
        self._start = self.world.state.copy()
        self._without = None

    def start(self) -> State:
        """A copy of the round's starting state, to put one deal into force on."""
        if self._start is None:
            self.begin_round()
        if self._without is None:
            self._without = projection(self.world, self._start, self.step, self.horizon)
        return self._start.copy()

    def gains(self, code: str, with_deals: Sequence[State]) -> list[float]:
        """Score change for ``code`` of each state against the round's no-deal path."""
        if self._without is None:
            self.start()
        c = self.world.data.country(code)
        scores = project_many(self.world, with_deals, self.step, self.horizon, self._without)
        return [float(score - self._without.score[c]) for score in scores[:, c]]

    def gain(self, code: str, with_deal: State) -> float:
        return self.gains(code, [with_deal])[0]
