"""The World: a Mesa model whose step is decide → negotiate → clear → evolve → measure.

Countries (Mesa agents) decide; the world applies their measures, clears every market in
numpy, moves capacity and shocks on, and records the tables researchers and the browser
read. Same scenario and seed, same tables.
"""

import mesa
import numpy as np
import pandas as pd

from agents import Country
from agents.actions import Action
from agents.controllers import ScriptedController, scripted_schedules
from model import evolve, policies
from model.economy import Outcome, calibrate, clear_step
from model.metrics import country_metrics, price_volatility
from model.recorder import Recorder
from model.scenario import Scenario, load_scenario
from model.state import State
from model.text import t
from model.world_data import WorldData, load_world

EMPTY_ACTIONS: list[Action] = []


class World(mesa.Model):
    """The critical-minerals world of one scenario."""

    def __init__(
        self, scenario: Scenario | str | None = None, rng=None, world: WorldData | None = None
    ):
        """``world`` replaces the scenario's world data (tests use small purpose-made worlds)."""
        if isinstance(rng, str):  # SolaraViz text inputs give strings (mesa #3516)
            rng = int(rng) if rng.strip() else None
        if scenario is None or isinstance(scenario, str):
            scenario = load_scenario(scenario or "baseline")
        super().__init__(rng=scenario.seed if rng is None else rng)
        self.spec = scenario
        self.data = world or load_world(scenario.world)
        self.parameters = {**self.data.parameters, **scenario.parameters}
        self.calibration = calibrate(self.data, self.parameters)
        self.state = self._initial_state()
        self.recorder = Recorder(self.data)
        self._price_history: list[np.ndarray] = [self.calibration.index0]
        self.outcome: Outcome | None = None

        schedules = scripted_schedules(scenario.events)
        for c, code in enumerate(self.data.codes):
            settings = scenario.countries.get(code)
            strategy = (
                settings.strategy if settings and settings.strategy else self.data.strategies[c]
            )
            Country(
                self,
                code=code,
                name=self.data.names[c],
                role=self.data.roles[c],
                strategy=strategy,
                controller=ScriptedController(schedules.get(code, {})),
            )
        self.base_metrics = self._base_metrics()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "mean_price_index": lambda m: float(m.outcome.index.mean()) if m.outcome else 1.0,
                "world_shortage_share": lambda m: m.recorder.world_shortage_share,
            }
        )
        self.running = True

    # --- set-up -------------------------------------------------------------------------
    def _initial_state(self) -> State:
        data, calibration = self.data, self.calibration
        C, G = data.production0.shape
        demand_per_day = data.demand0 * data.steps_per_year / 365.0
        return State(
            capacity=calibration.capacity0.copy(),
            tariff=np.zeros((G, C, C)),
            export_level=np.ones((G, C, C)),
            stock=data.stock_days * demand_per_day,
            price=np.ones((G, C)),
            price_trend=np.ones((G, C)),
            shortage=np.zeros((C, G)),
            pipeline=evolve.projects_under_way(data, calibration.capacity0),
            stock_orders=np.zeros((C, G)),
            subsidy_spend=np.zeros(C),
        )

    def _base_metrics(self) -> dict[str, np.ndarray]:
        data, calibration = self.data, self.calibration
        base = Outcome(
            price=np.ones((len(data.goods), len(data.codes))),
            index=calibration.index0,
            flows=calibration.flows,
            production=data.production0,
            final_ref=data.final_demand0,
            final_use=data.final_demand0,
            unmet=np.zeros_like(data.production0),
            released=np.zeros_like(data.production0),
            iterations=0,
            converged=True,
        )
        return self._metrics(base, np.zeros_like(self.state.tariff), None)

    # --- what countries see ---------------------------------------------------------------
    def quarter_label(self, step: int | None = None) -> str:
        step = self.steps if step is None else step
        year, quarter = int(self.spec.start[:4]), int(self.spec.start[-1])
        index = quarter - 1 + max(step, 1) - 1
        return t("news.quarter", year=year + index // 4, quarter=index % 4 + 1)

    def observe(self, code: str) -> dict:
        """What a country's controller may see when it decides."""
        c = self.data.country(code)
        return {
            "step": self.steps,
            "date": self.quarter_label(),
            "country": code,
            "prices": self.state.price.copy(),
            "price_index": None if self.outcome is None else self.outcome.index[:, c].copy(),
            "stock": self.state.stock[c].copy(),
        }

    # --- one step -------------------------------------------------------------------------
    def step(self) -> None:
        step = self.steps  # Mesa has already counted this step
        evolve.commission(self.state, step)
        self.decide()
        self.apply_actions(step)
        self.clear(step)
        self.evolve(step)
        self.measure(step)

    def decide(self) -> None:
        self.agents_by_type[Country].do("decide")

    def apply_actions(self, step: int) -> None:
        self.state.stock_orders = np.zeros_like(self.state.stock)
        self.state.subsidy_spend = np.zeros(len(self.data.codes))
        for country in self.agents_by_type[Country]:
            for action in country.pending:
                self.apply(action, step)
            country.pending = EMPTY_ACTIONS

    def apply(self, action: Action, step: int, start: int | None = None) -> bool:
        """Apply one action all-or-nothing; a refusal is logged with its reason.

        ``start`` is the first step the action affects (default: this one).
        """
        trial = self.state.copy()
        try:
            detail = policies.apply(action, trial, self.data, step if start is None else start)
        except policies.PolicyError as refusal:
            self.recorder.event(
                step,
                action.actor,
                "refused",
                _targets(action),
                t("news.refused", actor=action.actor, kind=action.kind, reason=str(refusal)),
            )
            return False
        self.state = trial
        if action.note:
            detail = f"{detail} {action.note}"
        self.recorder.event(step, action.actor, action.kind, _targets(action), detail)
        return True

    def clear(self, step: int) -> None:
        self.outcome = clear_step(self.data, self.calibration, self.parameters, self.state, step)
        self._price_history.append(self.outcome.index)

    def evolve(self, step: int) -> None:
        evolve.invest(self.data, self.parameters, self.state, step)
        for shock in evolve.expire_shocks(self.state, step + 1):
            mineral, stage = self.data.goods[shock.good]
            self.recorder.event(
                step,
                self.data.codes[shock.country],
                "shock_end",
                "",
                t(
                    "news.shock_end",
                    actor=self.data.codes[shock.country],
                    good=policies.good_label(mineral, stage),
                ),
            )
        for shock in evolve.random_shocks(self.data, self.parameters, self.state, self.rng):
            self.apply(shock, step, start=step + 1)

    def measure(self, step: int) -> None:
        metrics = self._metrics(self.outcome, self.state.tariff, self.base_metrics)
        weights = (self.outcome.final_ref * self.data.price0).T  # (G, C)
        metrics["price_volatility"] = price_volatility(self._price_history, weights.T)
        self.recorder.step(
            step,
            self.quarter_label(step),
            self.outcome,
            metrics,
            self.state.stock,
            self.state.capacity,
        )
        self.datacollector.collect(self)

    def _metrics(self, outcome: Outcome, tariff, base) -> dict[str, np.ndarray]:
        return country_metrics(
            self.data,
            self.calibration,
            outcome,
            tariff,
            self.state.stock,
            self.state.subsidy_spend,
            self.parameters["trade_cost"],
            self.parameters["gdp_multiplier"],
            base,
        )

    # --- running and results ----------------------------------------------------------------
    def run(self, steps: int | None = None, progress=None) -> "World":
        """Run ``steps`` more steps (default: the scenario's), calling ``progress()`` after each."""
        for _ in range(self.spec.steps if steps is None else steps):
            self.step()
            if progress is not None:
                progress()
        return self

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables: countries, prices, flows, events, deals."""
        return self.recorder.tables()


def _targets(action: Action) -> str:
    return ",".join(getattr(action, "targets", ()) or ())
