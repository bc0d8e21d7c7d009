"""Collect each step's results and lay them out as the tidy output tables on demand.

Steps are kept as numpy arrays; DataFrames (with their string columns) are built once,
when someone asks for the tables, so recording costs almost nothing per step.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.data.dictionary import TEXT, columns, empty, typed
from model.data.tables import TABLES
from model.data.world_data import WorldData
from model.engine.economy import Outcome
from model.engine.news import importance

# Every table's columns, types, units and definitions: model/data/dictionary.csv.
COUNTRY_COLUMNS = columns("countries")
PRICE_COLUMNS = columns("prices")
FLOW_COLUMNS = columns("flows")
EVENT_COLUMNS = columns("events")
EVENT_TARGET_COLUMNS = columns("event_targets")
DEAL_COLUMNS = columns("deals")
PRODUCTION_COLUMNS = columns("production")
# The key columns of a table by good end with its stage (step, date, country, mineral, stage).
_KEYS = PRICE_COLUMNS.index("stage") + 1
MIN_TONNES = 1e-6  # flows below a gram are rounding, not trade


def labels(names: list[str], index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``names[index]`` as a column of strings, the dtype pandas would infer for it.

    Taking from the few distinct names is ~10× faster than converting one Python or
    numpy string per row (pandas 3 stores strings in Arrow), and gives the same column.
    """
    return pd.array(list(names), dtype=TEXT).take(np.asarray(index, dtype=np.intp))


class Recorder:
    def __init__(self, world: WorldData, date=str):
        """``date(step)`` names a step's calendar quarter (the World's ``quarter_label``)."""
        self.world = world
        self.date = date
        self._steps: list[int] = []
        self._dates: list[str] = []
        self._metrics: list[dict[str, np.ndarray]] = []
        self._goods: dict[str, list[np.ndarray]] = {
            name: [] for name in ("price", "producer_price", *PRODUCTION_COLUMNS[_KEYS:])
        }
        self._flows: list[np.ndarray] = []
        self._flow_prices: list[np.ndarray] = []
        self._events: list[dict] = []
        self._event_targets: list[tuple[int, str, int, str]] = []  # step, date, event, target
        self._deals: list[dict] = []
        self.world_shortage_share = 0.0

    def event(
        self,
        step: int,
        actor: str,
        action: str,
        target: str | Sequence[str],
        detail: str,
        weight: str | None = None,
        by: str = "world",
    ) -> None:
        """One news item; its importance follows from the action unless ``weight`` says;
        ``by`` says who decided it (the dictionary's ``decided_by``).

        ``target``: whom it concerns, one name (a code, a coalition, "all") or several
        codes. The events table shows them joined by commas for reading; the
        event_targets table has one row per name, so nobody has to split text.
        """
        targets = [target] if isinstance(target, str) else list(target)
        targets = [name for name in targets if name]
        event, date = len(self._events), self.date(step)
        self._events.append(
            {
                "step": step,
                "date": date,
                "event": event,
                "actor": actor,
                "decided_by": by,
                "action": action,
                "target": ",".join(targets),
                "detail": detail,
                "importance": weight or importance(action),
            }
        )
        self._event_targets += [(step, date, event, name) for name in targets]

    def deal(self, row: dict) -> None:
        self._deals.append({**row, "date": self.date(row["step"])})

    def step(
        self,
        step: int,
        date: str,
        outcome: Outcome,
        metrics: dict[str, np.ndarray],
        stock: np.ndarray,
        capacity: np.ndarray,
    ) -> None:
        price0 = self.world.price0
        shortage = np.maximum(outcome.final_ref - outcome.final_use, 0.0)
        self._steps.append(step)
        self._dates.append(date)
        self._metrics.append({name: metrics[name] for name in COUNTRY_COLUMNS[3:]})
        # No delivered price where the economy wanted none of the good (bought none, missed
        # none): its index there is only the ceiling of a good it has no use for.
        wanted = outcome.bought.T + outcome.unmet.T  # (G, C) tonnes
        by_good = {
            "price": np.where(wanted > 0, outcome.index * price0[:, None], np.nan),
            # No producer price where nothing was produced: averages stay honest.
            "producer_price": np.where(
                outcome.production.T > 0, outcome.price * price0[:, None], np.nan
            ),
            "capacity": capacity.T,
            "production": outcome.production.T,
            "final_use": outcome.final_use.T,
            "shortage": shortage.T,
            "stock": stock.T,
        }
        for name, array in by_good.items():
            self._goods[name].append(array.copy())  # (G, C)
        self._flows.append(outcome.flows.copy())
        self._flow_prices.append(outcome.price * price0[:, None])
        wanted = (outcome.final_ref * price0).sum()
        self.world_shortage_share = float((shortage * price0).sum() / max(wanted, 1e-300))

    def ever_held(self, country: int) -> np.ndarray:
        """(G,) whether ``country`` ended any recorded quarter with a stock of each good."""
        if not self._goods["stock"]:
            return np.zeros(len(self.world.goods), dtype=bool)
        return (np.stack(self._goods["stock"])[:, :, country] > 0).any(axis=0)  # (T, G, C)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: self.table(name) for name in TABLES}

    def table(self, name: str) -> pd.DataFrame:
        """One output table (``TABLES``), built now: a caller needing a few builds only those.

        Columns and dtypes are the data dictionary's, an empty table's included.
        """
        builders = {
            "countries": self._countries,
            "prices": lambda: self._by_good(PRICE_COLUMNS),
            "flows": self._flow_table,
            "production": lambda: self._by_good(PRODUCTION_COLUMNS),
            "events": lambda: _rows("events", self._events, EVENT_COLUMNS),
            "event_targets": lambda: _rows(
                "event_targets", self._event_targets, EVENT_TARGET_COLUMNS
            ),
            "deals": lambda: _rows("deals", self._deals, DEAL_COLUMNS),
        }
        if name not in builders:
            raise KeyError(name)
        return typed(name, builders[name]())

    def column(self, table: str, name: str, last: bool = False) -> np.ndarray:
        """One column of the countries, prices, production or deals table, in the
        table's row order, without building the table (a sweep's outcomes read a few);
        ``last``: the last recorded step's rows only (not for deals)."""
        if table == "countries":
            values = [m[name] for m in self._metrics[self._first(last) :]]
            return np.concatenate(values) if values else np.zeros(0)
        if table in ("prices", "production"):
            return self._good_column(name, last)
        if table == "deals" and not last:
            return np.array([row[name] for row in self._deals])
        raise KeyError(f"{table}.{name}")

    def _good_column(self, name: str, last: bool) -> np.ndarray:
        arrays = self._goods[name][self._first(last) :]
        return np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0)

    def _first(self, last: bool) -> int:
        return max(len(self._steps) - 1, 0) if last else 0

    def _countries(self, last: bool = False) -> pd.DataFrame:
        """Rows for every (step, country), or the last step's."""
        codes = self.world.codes
        first = self._first(last)
        steps, dates = self._steps[first:], self._dates[first:]
        n = len(steps)
        table = {
            "step": np.repeat(steps, len(codes)),
            "date": labels(dates, np.repeat(np.arange(n), len(codes))),
            "country": labels(codes, np.tile(np.arange(len(codes)), n)),
        }
        for column in COUNTRY_COLUMNS[3:]:  # after step, date, country
            table[column] = self.column("countries", column, last)
        return pd.DataFrame(table, columns=COUNTRY_COLUMNS)

    def _by_good(self, columns: list[str], last: bool = False) -> pd.DataFrame:
        """Rows for every (step, good, country), ordered that way, or the last step's."""
        goods, codes = self.world.goods, self.world.codes
        first = self._first(last)
        steps, dates = self._steps[first:], self._dates[first:]
        per_step = len(goods) * len(codes)
        n = len(steps)
        good = np.tile(np.repeat(np.arange(len(goods)), len(codes)), n)
        table = {
            "step": np.repeat(steps, per_step),
            "date": labels(dates, np.repeat(np.arange(n), per_step)),
            "country": labels(codes, np.tile(np.arange(len(codes)), len(goods) * n)),
            "mineral": labels([m for m, _ in goods], good),
            "stage": labels([s for _, s in goods], good),
        }
        for column in columns[_KEYS:]:
            table[column] = self._good_column(column, last)
        return pd.DataFrame(table, columns=columns)

    def _flow_table(self) -> pd.DataFrame:
        if not self._flows:
            return empty("flows")
        flows = np.stack(self._flows)  # (T, G, I, J)
        t, g, i, j = np.nonzero(flows > MIN_TONNES)
        tonnes = flows[t, g, i, j]
        codes, goods = self.world.codes, self.world.goods
        return pd.DataFrame(
            {
                "step": np.array(self._steps)[t],
                "date": labels(self._dates, t),
                "exporter": labels(codes, j),
                "importer": labels(codes, i),
                "mineral": labels([m for m, _ in goods], g),
                "stage": labels([s for _, s in goods], g),
                "tonnes": tonnes,
                "value": tonnes * np.stack(self._flow_prices)[t, g, j],
            },
            columns=FLOW_COLUMNS,
        )


def _rows(table: str, rows: list, columns: list[str]) -> pd.DataFrame:
    """A table of ``rows`` (dicts or tuples); with none, the dictionary's empty table."""
    return pd.DataFrame(rows, columns=columns) if rows else empty(table)
