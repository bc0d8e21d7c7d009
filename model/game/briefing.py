"""Briefing sheets for delegations, written from the world data so they stay true.

One Markdown sheet per seat: the country's position (role, size, what it is scored on,
what it makes), its dependencies (where each good it uses comes from in the calibrated
base year, and how much from China) and its levers (export controls where it supplies
others, its quarterly budget, its stocks). Every number comes from the scenario's world
(configs/worlds) and its calibration, the same the game starts from.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.data.scenario import load_scenario
from model.data.world_data import OBJECTIVES
from model.engine.metrics import SCORED_OBJECTIVES, exposure, supply_of
from model.engine.policies import disbursed, good_label, producer_label
from model.engine.world import World
from model.game.seats import DEFAULT_SEATS, seat_codes
from model.text import country_name, named, percent, t

USES = 6  # goods shown in a sheet's dependency table, most at stake first (exposure)
SOURCES = 3  # import sources named per good
NOTABLE = 0.02  # a share of world output (or of a supply) below 2 % is not worth a line
COLUMNS = ("good", "tonnes", "home", "sources", "china")  # the dependency table's, in order


@dataclass(frozen=True)
class Use:
    """One row of the dependency table: a good the country uses and where it comes from."""

    good: str
    tonnes: float  # a year
    home: float  # the share made at home
    sources: str  # the main foreign sources with their shares, in words
    china: str  # the share from China, in words


def markdown_table(uses: list["Use"]) -> list[str]:
    """The dependency table as Markdown lines (the printed sheets)."""
    head = "| " + " | ".join(t(f"briefing.col_{name}") for name in COLUMNS) + " |"
    rows = [
        t(
            "briefing.table_row",
            good=use.good,
            tonnes=use.tonnes,
            home=use.home,
            sources=use.sources,
            china=use.china,
        )
        for use in uses
    ]
    return [head, t("briefing.table_rule"), *rows]


def sheets(scenario: str, seats: list[str] | None = None) -> str:
    """The briefing sheets of ``seats`` (default: the class game's default seats) as Markdown."""
    spec = load_scenario(scenario)
    world = World(spec)
    codes = seat_codes(world.data.codes, list(DEFAULT_SEATS) if seats is None else seats)
    parts = [
        t(
            "briefing.intro",
            title=spec.title,
            world=named("worlds", world.data.name, world.data.title),
            year=world.data.year,
        )
    ]
    parts += [sheet(world, code) for code in codes]
    return "\n\n".join(parts) + "\n"


def sheet(world: World, code: str, table: Callable[[list[Use]], list[str]] = markdown_table) -> str:
    """One country's sheet; ``table`` writes its dependency table (a page gives its own)."""
    data = world.data
    c = data.country(code)
    flows = world.calibration.flows  # (G, importer, exporter), t/step, base year
    per_year = data.steps_per_year
    output = data.production0.sum(axis=0)
    share = np.divide(data.production0[c], output, out=np.zeros_like(output), where=output > 0)
    makes = [
        t("briefing.share_item", good=good_label(*data.goods[g]), share=share[g])
        for g in np.argsort(-share)
        if share[g] >= NOTABLE
    ]
    weights = ", ".join(
        t("briefing.weight_item", objective=t(f"briefing.objective_{name}"), weight=weight)
        for name, weight in zip(OBJECTIVES, data.objectives[c], strict=True)
        if weight > 0 and name in SCORED_OBJECTIVES  # the rest is welfare (docs/scoring.md)
    )
    lines = [
        t("briefing.heading", name=country_name(code, data.names[c]), code=code),
        "",
        t(
            "briefing.position",
            role=t(f"briefing.role_{data.roles[c]}"),
            gdp=data.gdp[c] * per_year / 1e9,
            year=data.year,
            strategy=t(f"briefing.strategy_{world.country_agent(code).strategy}"),
            weights=weights,
        ),
        "",
        t("briefing.makes", goods=", ".join(makes)) if makes else t("briefing.makes_nothing"),
        "",
        t("briefing.dependencies"),
        "",
        *table(_dependencies(world, c, flows)),
        "",
        t("briefing.levers"),
        "",
        *_levers(world, c, flows),
        *_history(world, code),
    ]
    return "\n".join(lines)


def _first_year_money(world: World, c: int) -> float:
    """What the country's programmes (programmes.csv) pay in over the game's first year."""
    quarters = [world.calendar_quarter(step) for step in range(1, world.data.steps_per_year + 1)]
    return float(sum(disbursed(world.data, world.parameters, q)[c] for q in quarters))


def _history(world: World, code: str) -> list[str]:
    """The scenario's scripted moves for this country, dated: advice, never played for a seat."""
    country = world.country_agent(code)
    items = [
        t("governments.briefing_history_item", date=world.quarter_label(step), what=what)
        for step in sorted(country.script.actions_by_step if country.script else {})
        for what in map(world.describe, country.scripted_at(step))
    ]
    return ["", t("governments.briefing_history"), "", *items] if items else []


def _dependencies(world: World, c: int, flows: np.ndarray) -> list[Use]:
    """One table row per good where the country's biggest foreign supplier holds most at
    stake (metrics.exposure; by value of use where nothing foreign is), with its sources."""
    data = world.data
    supply = supply_of(data, flows, c)  # (G, J) t/step, home supply and recycled feed included
    use = supply.sum(axis=1)
    _, stake = exposure(data, supply, c)
    china = data.codes.index(data.hegemon) if data.hegemon is not None else None
    rows = []
    for g in np.lexsort((-use * data.price0, -stake))[:USES]:
        if use[g] <= 0:
            continue
        shares = supply[g] / use[g]
        sources = [
            t("briefing.source_item", code=data.codes[j], share=shares[j])
            for j in np.argsort(-shares)
            if j != c and shares[j] >= NOTABLE
        ][:SOURCES]
        rows.append(
            Use(
                good=good_label(*data.goods[g]),
                tonnes=float(use[g] * data.steps_per_year),
                home=float(shares[c]),
                sources=", ".join(sources) or t("briefing.none"),
                china=_from_china(shares, c, china),
            )
        )
    return rows


def _from_china(shares: np.ndarray, c: int, china: int | None) -> str:
    if china is None:
        return t("briefing.none")
    return t("briefing.is_china") if china == c else percent(shares[china])


def _levers(world: World, c: int, flows: np.ndarray) -> list[str]:
    data = world.data
    exports = flows[:, :, c].sum(axis=1) - flows[:, c, c]  # (G,) t/step sold abroad
    world_trade = flows.sum(axis=(1, 2)) - np.einsum("gii->g", flows)
    trade_share = np.divide(exports, world_trade, out=np.zeros_like(exports), where=world_trade > 0)
    code = data.codes[c]
    controls = [
        t(
            "briefing.share_item",
            good=producer_label(data, code, *data.goods[g]),
            share=trade_share[g],
        )
        for g in np.argsort(-trade_share)
        if trade_share[g] >= NOTABLE
    ]
    stock = data.stock_days[c]
    stocked = [
        t("briefing.stock_item", good=good_label(*data.goods[g]), days=stock[g])
        for g in np.argsort(-stock)
        if stock[g] > 0
    ]
    return [
        t("briefing.lever_controls", goods=", ".join(controls))
        if controls
        else t("briefing.lever_no_controls"),
        t("briefing.lever_budget", usd=_first_year_money(world, c) / 1e6),
        t("briefing.lever_stocks", goods=", ".join(stocked))
        if stocked
        else t("briefing.lever_no_stocks"),
        t("briefing.lever_deals"),
    ]
