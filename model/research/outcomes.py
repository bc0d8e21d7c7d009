"""What a sweep keeps of each run: named outcomes, each one float per finished run.

An outcome is a function of the finished World and its output tables; the catalogue gives
each a meaning a researcher reads (``minerals sweep --help`` lists them), and patterns
name one per economy (``final_score_<CODE>``). A failed run's row holds NaN in the same
column, so every outcome is a float.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from model.data.tables import TABLES
from model.engine.metrics import mean_price_index, median_price_index
from model.text import allowed_list, t


class LazyTables(Mapping):
    """A finished run's output tables, each built the first time an outcome reads it.

    Outcomes need a few of the six tables (the flows table, the dearest, none of the
    catalogue's); ``derived`` keeps figures several outcomes share, computed once per run.
    """

    def __init__(self, recorder: Any):
        self._recorder = recorder
        self._built: dict[str, pd.DataFrame] = {}
        self.derived: dict[str, Any] = {}

    def column(self, table: str, name: str, last: bool = False) -> np.ndarray:
        """One column of a table in its row order (or its last step's), read without
        building the table: what most outcomes need (``Recorder.column``)."""
        return self._recorder.column(table, name, last)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._built:
            if name not in TABLES:
                raise KeyError(name)
            self._built[name] = self._recorder.table(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)


Tables = LazyTables  # what an outcome reads besides the World


def _reduced(tables: Tables, table: str, name: str, reduce: Callable, last: bool = True) -> float:
    """``reduce`` of a column's rows (the last step's, or all); NaN for a world that has not
    stepped."""
    values = tables.column(table, name, last)
    return float(reduce(values)) if values.size else math.nan


def _refined_value(world, tables: Tables) -> np.ndarray:
    """Refined production at the last step by country (C,), valued at the producer's price
    (NaN for a world that has not stepped)."""
    derived = tables.derived
    if "refined_value" not in derived:
        # The last step's rows of both tables are its (good, country) pairs in that order.
        shape = (len(world.data.goods), len(world.data.codes))
        tonnes = tables.column("production", "production", last=True)
        if tonnes.size == 0:
            return np.full(shape[1], math.nan)
        tonnes = tonnes.reshape(shape)
        price = tables.column("prices", "producer_price", last=True).reshape(shape)
        refined = [stage == "refined" for _, stage in world.data.goods]
        # No producer price where nothing was made: those pairs are worth nothing.
        value = np.where(tonnes > 0, tonnes * price, 0.0)[refined]
        derived["refined_value"] = value.sum(axis=0)
    return derived["refined_value"]


def _china_refined_share(world, tables: Tables) -> float:
    value = _refined_value(world, tables)
    hegemon = world.data.hegemon
    china = value[world.data.country(hegemon)] if hegemon in world.data.codes else 0.0
    return float(china / value.sum())


def _world_welfare(world, tables: Tables) -> float:
    """Σ welfare in USD bn: each GDP index less one, times that economy's GDP."""

    def usd_bn(index: np.ndarray) -> float:  # the last step's rows: the world's codes in order
        return ((index - 1.0) * world.data.gdp).sum() / 1e9

    return _reduced(tables, "countries", "gdp_index", usd_bn)


def _deal_count(status: str) -> Callable[[Any, Tables], float]:
    def count(world, tables: Tables) -> float:
        ids = tables.column("deals", "deal_id")[tables.column("deals", "status") == status]
        return float(len(set(ids.tolist())))

    return count


def _shortage_over_the_run(world, tables: Tables) -> float:
    shares = world.datacollector.model_vars["world_shortage_share"]  # one a quarter
    return float(np.mean(shares)) if shares else math.nan


def _last_mean(column: str) -> Callable[[Any, Tables], float]:
    return lambda world, tables: _reduced(tables, "countries", column, np.mean)


# name -> (meaning, function of the finished world and its tables). Every outcome is a
# float, so a failed run's row holds NaN in the same column type.
OUTCOMES: dict[str, tuple[str, Callable[[Any, Tables], float]]] = {
    "mean_score": (
        "mean of the countries' scores at the last step (unweighted: each economy's points "
        "are shares of its own mineral economy, so a small producer counts as much as the US)",
        _last_mean("score"),
    ),
    "mean_gdp_index": (
        "mean of the countries' GDP indices at the last step (1.0 = the no-action reference path)",
        _last_mean("gdp_index"),
    ),
    "world_welfare_usd_bn": (
        "the world's welfare change against the no-action reference path at the last step, "
        "USD bn in the quarter: every economy's, summed (the world as a whole, each economy "
        "by its size, where mean_score counts economies)",
        _world_welfare,
    ),
    "china_refined_share": (
        "China's share of world refined production at the last step, by value over all "
        "refined goods (tonnes × producer price)",
        _china_refined_share,
    ),
    "non_china_refined_share": (
        "1 − china_refined_share",
        lambda w, tb: 1.0 - _china_refined_share(w, tb),
    ),
    "world_shortage_share_mean": (
        "the world's unserved share of final demand (by value at base prices), mean over steps",
        _shortage_over_the_run,
    ),
    "max_shortage_share": (
        "the worst shortage share of any country in any step",
        lambda w, tb: _reduced(tb, "countries", "shortage_share", np.max, last=False),
    ),
    "mean_price_index": (
        "delivered price each economy pays for each good at the last step, relative to the "
        "base year's (freight included both times), averaged with weights = the base year's "
        "consumption value (t × 2024 price); 1.0 = base-year prices",
        lambda w, tb: w.price_index(mean_price_index),
    ),
    "median_price_index": (
        "median of the same relative delivered prices over the (good, economy) pairs with "
        "base-year use, unweighted; 1.0 = base-year prices",
        lambda w, tb: w.price_index(median_price_index),
    ),
    "deals_accepted": ("number of deals accepted during the run", _deal_count("accepted")),
    "breaches": ("number of deals breached during the run", _deal_count("breached")),
}
# Patterns: a name with an economy code in place of <CODE>.
PATTERNS: dict[str, tuple[str, Callable[[str], Callable[[Any, Tables], float]]]] = {
    "final_score_<CODE>": (
        "the score of economy CODE at the last step",
        lambda code: (
            lambda w, tb: _reduced(
                tb, "countries", "score", lambda scores: scores[w.data.country(code)]
            )
        ),
    ),
}

# The unit each outcome is counted in, as the chart's axis names it (``analysis.unit_<unit>``
# in the catalogues); the meanings above say the same in more words.
UNITS: dict[str, str] = {
    "mean_score": "points",
    "mean_gdp_index": "gdp_index",
    "world_welfare_usd_bn": "usd_bn",
    "china_refined_share": "share",
    "non_china_refined_share": "share",
    "world_shortage_share_mean": "share",
    "max_shortage_share": "share",
    "mean_price_index": "price_index",
    "median_price_index": "price_index",
    "deals_accepted": "deals",
    "breaches": "deals",
    "final_score_<CODE>": "points",
}


def outcome_unit(name: str) -> str:
    """The unit of a catalogue outcome (``UNITS``), "" for a name the catalogue lacks."""
    if name in UNITS:
        return UNITS[name]
    pattern = next((p for p in PATTERNS if name.startswith(p.removesuffix("<CODE>"))), "")
    return UNITS.get(pattern, "")


def outcomes(world: Any, names: Iterable[str] | None = None) -> dict[str, float]:
    """Catalogue outcomes of a finished ``World``, by name: the numbers a sweep keeps.

    ``names`` default to every fixed-name outcome; patterns take an economy code
    (``final_score_CHN``). An unknown name raises ``KeyError`` listing the catalogue.
    """
    names = list(OUTCOMES) if names is None else list(names)
    tables = LazyTables(world.recorder)
    functions = {}
    for name in names:
        try:
            functions[name] = outcome_function(name)
        except KeyError:
            listing = allowed_list(name, [known for known, _ in catalogue()])
            raise KeyError(t("interfaces.unknown_outcome", name=name, allowed=listing)) from None
    return {name: function(world, tables) for name, function in functions.items()}


def outcome_function(name: str) -> Callable[[Any, Tables], float]:
    """The function computing a catalogue outcome (a fixed name or a filled-in pattern)."""
    if name in OUTCOMES:
        return OUTCOMES[name][1]
    for pattern, (_, make) in PATTERNS.items():
        prefix = pattern.removesuffix("<CODE>")
        if name.startswith(prefix):
            return make(name.removeprefix(prefix))
    raise KeyError(name)


def pattern_code(name: str) -> str | None:
    for pattern in PATTERNS:
        prefix = pattern.removesuffix("<CODE>")
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return None


def catalogue() -> list[tuple[str, str]]:
    """(name, meaning) of every outcome a spec may keep."""
    return [(name, meaning) for name, (meaning, _) in OUTCOMES.items()] + [
        (name, meaning) for name, (meaning, _) in PATTERNS.items()
    ]
