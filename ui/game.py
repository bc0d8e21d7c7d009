"""One browser game, kept apart from the page so the classroom can reuse it.

A ``Game`` holds the World, the player's seat and the snapshots for Undo. The page only
reads its views and calls its methods; nothing here imports Solara.
"""

import copy
import math
from dataclasses import dataclass
from functools import cache

import pandas as pd

from agents.actions import ALL, Tariff
from model.policies import MAX_TARIFF
from model.scenario import Scenario, list_scenarios, load_scenario
from model.text import t
from model.world import World
from model.world_data import WorldData, load_world
from ui.seat import HumanSeat

WATCH = "watch"  # the country value meaning "no country: watch an all-AI world"
NEWS_STEPS = 4  # the news feed shows the events of the last few steps
MAX_UNDO = 40  # snapshots kept for Undo


@cache
def scenario_choices() -> list[tuple[str, str]]:
    """(name, title) of the bundled scenarios."""
    return list_scenarios()


@cache
def scenario(name: str) -> Scenario:
    return load_scenario(name)


@cache
def world_data(name: str) -> WorldData:
    return load_world(name)


def countries_of(scenario_name: str) -> list[tuple[str, str]]:
    """(code, name) of the economies a player can take in this scenario (not the rest of world)."""
    data = world_data(scenario(scenario_name).world)
    return [(c, n) for c, n in zip(data.codes, data.names, strict=True) if c != "ROW"]


def parse_seed(text: str | None) -> tuple[int | None, str | None]:
    """The optional seed box: (seed or None, error message or None)."""
    text = (text or "").strip()
    if not text:
        return None, None
    try:
        seed = int(text)
    except ValueError:
        return None, t("ui.error_seed", value=text)
    if seed < 0:
        return None, t("ui.error_seed", value=text)
    return seed, None


@dataclass
class TariffForm:
    """What the player typed in the tariff form; ``check`` says what is wrong, per field."""

    partner: str | None
    mineral: str | None
    stage: str | None
    rate: str | None

    def check(self, data: WorldData, actor: str) -> tuple[Tariff | None, dict[str, str]]:
        errors: dict[str, str] = {}
        if self.partner != ALL and (self.partner not in data.codes or self.partner == actor):
            errors["partner"] = t("ui.error_partner", value=self.partner or "")
        minerals, stages = data.minerals, data.stages
        if self.mineral != ALL and self.mineral not in minerals:
            errors["mineral"] = t("ui.error_mineral", value=self.mineral or "")
        if self.stage != ALL and self.stage not in stages:
            errors["stage"] = t("ui.error_stage", value=self.stage or "")
        elif (
            "mineral" not in errors
            and ALL not in (self.mineral, self.stage)
            and (self.mineral, self.stage) not in data.goods
        ):
            errors["stage"] = t("ui.error_good", mineral=self.mineral, stage=self.stage)
        text = (self.rate or "").strip().rstrip("%").strip()
        try:
            percent = float(text)
        except ValueError:
            percent = math.nan
        if not math.isfinite(percent):
            errors["rate"] = t("ui.error_rate_number", value=self.rate or "")
        elif percent < 0:
            errors["rate"] = t("ui.error_rate_negative")
        elif percent > MAX_TARIFF * 100:
            errors["rate"] = t("ui.error_rate_high", high=f"{MAX_TARIFF * 100:.0f}")
        if errors:
            return None, errors
        action = Tariff(
            actor=actor,
            targets=(self.partner,),
            mineral=self.mineral,
            stage=self.stage,
            rate=percent / 100.0,
        )
        return action, {}


class Game:
    """The World of one browser session, the player's seat and the Undo snapshots."""

    def __init__(self, scenario_name: str, country: str = WATCH, seed: int | None = None):
        self.scenario_name = scenario_name
        self.country = None if country in (None, "", WATCH) else country
        self.seed = seed
        self.seat = HumanSeat()
        self.snapshots: list[World] = []
        self.version = 0  # counts changes: the page re-reads the tables when it moves
        self._tables: tuple[int, dict[str, pd.DataFrame]] | None = None
        self.world = self._new_world()

    def _new_world(self) -> World:
        spec = load_scenario(self.scenario_name, seed=self.seed)
        world = World(spec, rng=spec.seed)
        if self.country is not None:
            if self.country not in world.data.codes:
                raise ValueError(t("ui.error_partner", value=self.country))
            world.country_agent(self.country).controller = self.seat
        return world

    # --- controls --------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.world.steps >= self.world.spec.steps

    def step(self) -> None:
        if self.finished:
            return
        self.snapshots.append(copy.deepcopy(self.world))
        del self.snapshots[:-MAX_UNDO]
        self.world.step()
        self.version += 1

    def undo(self) -> bool:
        if not self.snapshots:
            return False
        self.world = self.snapshots.pop()
        if self.country is not None:  # the snapshot holds a copy of the seat: use ours
            self.world.country_agent(self.country).controller = self.seat
        self.version += 1
        return True

    def reset(self) -> None:
        self.seat.clear()
        self.snapshots = []
        self.world = self._new_world()
        self.version += 1

    def queue_tariff(self, form: TariffForm) -> dict[str, str]:
        """Queue a tariff for the next step; return the errors by field (nothing queued)."""
        if self.country is None:
            return {"partner": t("ui.error_watching")}
        action, errors = form.check(self.world.data, self.country)
        if action is not None:
            self.seat.submit(action)
        return errors

    # --- what the page shows --------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """The World's tables, built once per change."""
        if self._tables is None or self._tables[0] != self.version:
            self._tables = (self.version, self.world.tables())
        return self._tables[1]

    @property
    def next_step(self) -> int:
        return self.world.steps + 1

    def date(self) -> str:
        """The quarter the player decides for now (the one the next Step plays)."""
        return self.world.quarter_label(min(self.next_step, self.world.spec.steps))

    def news(self, steps: int = NEWS_STEPS) -> pd.DataFrame:
        events = self.tables()["events"]
        recent = events[events["step"] > self.world.steps - steps]
        return recent.iloc[::-1].reset_index(drop=True)

    def scoreboard(self) -> pd.DataFrame:
        countries = self.tables()["countries"]
        now = countries[countries["step"] == self.world.steps]
        board = now[["country", "score", "shortage_share"]].sort_values("score", ascending=False)
        return board.reset_index(drop=True)

    def prices(self, mineral: str, stage: str, countries: list[str]) -> pd.DataFrame:
        """Price by step (rows) and economy (columns) of one good."""
        prices = self.tables()["prices"]
        chosen = prices[
            (prices["mineral"] == mineral)
            & (prices["stage"] == stage)
            & prices["country"].isin(countries)
        ]
        return chosen.pivot_table(index="step", columns="country", values="price")
