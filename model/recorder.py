"""Collect each step's results into the tidy output tables (one row per observation)."""

import numpy as np
import pandas as pd

from model.economy import Outcome
from model.world_data import WorldData

COUNTRY_COLUMNS = [
    "step",
    "date",
    "country",
    "score",
    "gdp_index",
    "shortage_share",
    "import_bill",
    "export_revenue",
    "tariff_revenue",
    "stock_cover_days",
    "china_dependence",
    "hhi",
    "price_volatility",
    "industry_output",
    "industry_automotive",
    "industry_electronics",
    "industry_defence",
    "industry_energy",
    "industry_other",
    "subsidy_spend",
]
PRICE_COLUMNS = ["step", "country", "mineral", "stage", "price", "producer_price"]
FLOW_COLUMNS = ["step", "exporter", "importer", "mineral", "stage", "tonnes", "value"]
EVENT_COLUMNS = ["step", "actor", "action", "target", "detail"]
DEAL_COLUMNS = ["step", "deal_id", "kind", "parties", "status", "terms"]
PRODUCTION_COLUMNS = [
    "step",
    "country",
    "mineral",
    "stage",
    "capacity",
    "production",
    "final_use",
    "shortage",
    "stock",
]
MIN_TONNES = 1e-6  # flows below a gram are rounding, not trade


class Recorder:
    def __init__(self, world: WorldData):
        self.world = world
        self._countries: list[pd.DataFrame] = []
        self._prices: list[pd.DataFrame] = []
        self._flows: list[pd.DataFrame] = []
        self._production: list[pd.DataFrame] = []
        self._events: list[dict] = []
        self._deals: list[dict] = []
        self.world_shortage_share = 0.0
        codes = np.array(world.codes)
        minerals = np.array([m for m, _ in world.goods])
        stages = np.array([s for _, s in world.goods])
        C, G = len(codes), len(world.goods)
        # Long-format labels for (G, C) and (G, I, J) arrays, built once.
        self._gc = (np.repeat(minerals, C), np.repeat(stages, C), np.tile(codes, G))
        g, i, j = np.indices((G, C, C)).reshape(3, -1)
        self._gij = (g, i, j, minerals[g], stages[g], codes[i], codes[j])

    def event(self, step: int, actor: str, action: str, target: str, detail: str) -> None:
        self._events.append(
            {"step": step, "actor": actor, "action": action, "target": target, "detail": detail}
        )

    def deal(self, row: dict) -> None:
        self._deals.append(row)

    def step(
        self,
        step: int,
        date: str,
        outcome: Outcome,
        metrics: dict[str, np.ndarray],
        stock: np.ndarray,
        capacity: np.ndarray,
    ) -> None:
        world = self.world
        countries = pd.DataFrame({"step": step, "date": date, "country": world.codes})
        for column in COUNTRY_COLUMNS[3:]:
            countries[column] = metrics[column]
        self._countries.append(countries)

        minerals, stages, codes = self._gc
        price0 = world.price0[:, None]
        self._prices.append(
            pd.DataFrame(
                {
                    "step": step,
                    "country": codes,
                    "mineral": minerals,
                    "stage": stages,
                    "price": (outcome.index * price0).ravel(),
                    "producer_price": (outcome.price * price0).ravel(),
                }
            )
        )
        shortage = np.maximum(outcome.final_ref - outcome.final_use, 0.0)
        self._production.append(
            pd.DataFrame(
                {
                    "step": step,
                    "country": codes,
                    "mineral": minerals,
                    "stage": stages,
                    "capacity": capacity.T.ravel(),
                    "production": outcome.production.T.ravel(),
                    "final_use": outcome.final_use.T.ravel(),
                    "shortage": shortage.T.ravel(),
                    "stock": stock.T.ravel(),
                }
            )
        )
        tonnes = outcome.flows.ravel()
        keep = tonnes > MIN_TONNES
        g, _, j, mineral, stage, importer, exporter = (x[keep] for x in self._gij)
        value = tonnes[keep] * outcome.price[g, j] * world.price0[g]
        self._flows.append(
            pd.DataFrame(
                {
                    "step": step,
                    "exporter": exporter,
                    "importer": importer,
                    "mineral": mineral,
                    "stage": stage,
                    "tonnes": tonnes[keep],
                    "value": value,
                }
            )
        )
        wanted = (outcome.final_ref * world.price0).sum()
        self.world_shortage_share = float((shortage * world.price0).sum() / max(wanted, 1e-300))

    def tables(self) -> dict[str, pd.DataFrame]:
        def frame(parts, columns):
            return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

        return {
            "countries": frame(self._countries, COUNTRY_COLUMNS),
            "prices": frame(self._prices, PRICE_COLUMNS),
            "flows": frame(self._flows, FLOW_COLUMNS),
            "production": frame(self._production, PRODUCTION_COLUMNS),
            "events": pd.DataFrame(self._events, columns=EVENT_COLUMNS),
            "deals": pd.DataFrame(self._deals, columns=DEAL_COLUMNS),
        }
