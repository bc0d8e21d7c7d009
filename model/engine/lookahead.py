"""How an AI judges a deal: simulate a few quarters with and without it, compare scores.

The projection runs the economy alone (no decisions, no random shocks) from a copy of
the state, so it is cheap, deterministic and leaves the world untouched. The projection
without the deal is shared by every offer of a step until the state changes.
"""

import numpy as np

from model.engine.diplomacy import reserve_orders
from model.engine.economy import clear_step
from model.engine.evolve import adjust_demand, commission, invest
from model.engine.state import State

# Quarters simulated ahead when the world sets none; the worlds set ``lookahead_quarters``
# (behaviour.toml: 4, a year, so a coalition's reserve bills are in the verdict).
HORIZON = 4
# A verdict needs the sign and rough size of a score change, not the sixth decimal.
TOLERANCE = 1e-4


def project(world, state: State, step: int, horizon: int = HORIZON) -> np.ndarray:
    """Mean score of every economy over the next ``horizon`` quarters, (C,).

    From the second quarter on, each quarter opens as the World's do: budgets are fresh
    and the coalitions bill their members for the shared reserve.
    """
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
        scores.append(world.metrics(outcome, trial, step + ahead, stock_before)["score"])
    return np.mean(scores, axis=0)


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
        self._without: np.ndarray | None = None

    def begin_round(self) -> None:
        """Take the round's starting state; its projection is made when first needed."""
        self._start = self.world.state.copy()
        self._without = None

    def start(self) -> State:
        """A copy of the round's starting state, to put one deal into force on."""
        if self._start is None:
            self.begin_round()
        if self._without is None:
            self._without = project(self.world, self._start, self.step, self.horizon)
        return self._start.copy()

    def gain(self, code: str, with_deal: State) -> float:
        c = self.world.data.country(code)
        with_score = project(self.world, with_deal, self.step, self.horizon)[c]
        return float(with_score - self._without[c])
