"""Replay recorded episodes on the calibrated world and set the model beside history.

``minerals hindcast`` runs each episode's scenario (configs/scenarios/hindcast_*.toml:
the recorded measures, everyone else passive, no random outages), measures what the
issue's bands speak of, and writes docs/validation.md with a small SVG chart per episode.
The bands are the ones tests/test_history.py asserts; the real figures and their sources
come from docs/sources/wave2/history/. The recorded prices drawn beside the model's
(configs/history/recorded_prices.csv, each row with its source) are taken from there.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.data.scenario import load_scenario
from model.data.world_data import CONFIG_DIR, quarter_index
from model.engine.world import World
from model.text import t


@dataclass(frozen=True)
class Check:
    """One band of an episode: what is measured, the band, the model's figure, pass/fail."""

    label: str
    band: str
    value: float
    passed: bool


@dataclass(frozen=True)
class Episode:
    scenario: str
    series: Callable[[World], dict[str, float]]  # measured after every quarter
    checks: Callable[[dict[str, np.ndarray]], list[Check]]
    real: str  # the recorded figures, with their sources (catalogue key)
    chart: tuple[str, ...]  # series drawn
    gap: str = ""  # where the model falls short, and why (catalogue key); shown pass or fail


@dataclass(frozen=True)
class Recorded:
    """A recorded price beside one of the model's lines, on the model's scale: the price
    at ``date`` relative to the recorded price at the line's reference date (the last one
    before the measure), times the model's level then (its base, 1, before the run)."""

    line: str
    date: str  # as recorded: "2011-10" or "2011-Q2"
    quarter: int  # quarters after the run's first
    value: float
    anchor: bool = False  # the reference itself: equal to the model by construction


@dataclass
class Result:
    episode: Episode
    series: dict[str, np.ndarray] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    recorded: list[Recorded] = field(default_factory=list)
    start: str = ""  # the run's first quarter, "2010Q3"

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


def price_outside(world: World, mineral: str, stage: str, outside: str) -> float:
    """Output-weighted producer price of a good's producers other than ``outside``,
    relative to 2024: the marginal price buyers outside that country pay."""
    g = world.data.good(mineral, stage)
    made = world.outcome.production[:, g].copy()
    made[world.data.country(outside)] = 0.0
    return float((world.outcome.price[g] * made).sum() / max(made.sum(), 1e-12))


def capacity_outside(world: World, goods: list[tuple[str, str]], outside: str) -> float:
    columns = [world.data.good(m, s) for m, s in goods]
    capacity = world.state.capacity[:, columns].sum(axis=1)
    return float(capacity.sum() - capacity[world.data.country(outside)])


REE_GOODS = [("rare_earths", "refined"), ("heavy_rare_earths", "refined")]


def ree_series(world: World) -> dict[str, float]:
    return {
        "ndpr": price_outside(world, "rare_earths", "refined", "CHN"),
        "dytb": price_outside(world, "heavy_rare_earths", "refined", "CHN"),
        "capacity": capacity_outside(world, REE_GOODS, "CHN"),
    }


def ree_checks(series: dict[str, np.ndarray]) -> list[Check]:
    checks = []
    for key in ("ndpr", "dytb"):
        prices = series[key]
        peak_at = int(np.argmax(prices[:6]))
        peak = float(prices[peak_at])
        checks.append(Check(t(f"economics.hindcast_peak_{key}"), "≥ 4×", peak, peak >= 4.0))
        after = prices[peak_at + 1 : peak_at + 9]
        low = float(after.min() / peak) if after.size else 1.0
        checks.append(Check(t(f"economics.hindcast_fall_{key}"), "≤ 0.5", low, low <= 0.5))
    capacity = series["capacity"]
    growth = float(capacity[15] / series["capacity0"])
    checks.append(Check(t("economics.hindcast_capacity_ree"), "≥ 1.2×", growth, growth >= 1.2))
    return checks


def drc_series(world: World) -> dict[str, float]:
    g = world.data.good("cobalt", "refined")
    ore = world.state.inventory[:, world.data.good("cobalt", "mined")]
    return {
        "cobalt": price_outside(world, "cobalt", "refined", "COD"),
        "output": float(world.outcome.production[:, g].sum()),
        # hydroxide held outside the DR Congo: what refiners could still run down
        "ore_outside": float(ore.sum() - ore[world.data.country("COD")]),
        # users' refined cobalt: the 2023-24 surplus they run down instead of buying new metal
        "stock_refined": float(world.state.inventory[:, g].sum()),
    }


def drc_checks(series: dict[str, np.ndarray]) -> list[Check]:
    """The replay opens a quarter before the ban (2024Q4): prices are measured against that
    quarter's, as the real ×1.5–2.2 is against the US$21.5k/t the ban met."""
    before, after = series["cobalt"][0], series["cobalt"][1:]
    peak = float(after[:3].max() / before)
    year = float(series["output"][1:5].mean() / series["output0"])
    return [
        Check(t("economics.hindcast_peak_cobalt"), "1.5–2.2×", peak, 1.5 <= peak <= 2.2),
        Check(t("economics.hindcast_output_cobalt"), "≥ 0.85", year, year >= 0.85),
    ]


EPISODES = {
    "hindcast_ree_2010": Episode(
        "hindcast_ree_2010",
        ree_series,
        ree_checks,
        "economics.hindcast_real_ree",
        ("ndpr", "dytb"),
        "economics.hindcast_gap_ree",
    ),
    "hindcast_drc_2025": Episode(
        "hindcast_drc_2025",
        drc_series,
        drc_checks,
        "economics.hindcast_real_drc",
        ("cobalt",),
        "economics.hindcast_gap_drc",
    ),
}


def replay(name: str, overrides: Sequence[str] = ()) -> Result:
    """Run one episode to its scenario's end and check it against its bands; ``overrides``
    are ``--set`` changes (``parameters.smuggling_quarters=2``): how much a band owes to
    a value."""
    episode = EPISODES[name]
    world = World(load_scenario(name, list(overrides)))
    start = {}
    if name == "hindcast_ree_2010":
        start["capacity0"] = capacity_outside(world, REE_GOODS, "CHN")
    if name == "hindcast_drc_2025":
        g = world.data.good("cobalt", "refined")
        start["output0"] = float(world.data.production0[:, g].sum())
    rows = []
    for _ in range(world.spec.steps):
        world.step()
        rows.append(episode.series(world))
    series = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    series.update({key: np.float64(value) for key, value in start.items()})
    recorded = recorded_prices(name, world.spec.start, series)
    return Result(episode, series, episode.checks(series), recorded, world.spec.start)


RECORDED_PRICES = CONFIG_DIR / "history" / "recorded_prices.csv"


def recorded_prices(name: str, start: str, series: dict[str, np.ndarray]) -> list[Recorded]:
    """The recorded prices of episode ``name`` that fall within its run (first quarter
    ``start``), scaled to the model's lines."""
    rows = pd.read_csv(RECORDED_PRICES, dtype={"date": str, "reference": str})
    rows = rows[rows.episode == name]
    first = int(quarter_index(start))
    scaled = []
    for (line, reference), group in rows.groupby(["line", "reference"], sort=False):
        at = group.set_index("date").value
        offset = _quarter(reference) - first
        level = float(series[line][offset]) if offset >= 0 else 1.0
        for date, value in at.items():
            quarter = _quarter(date) - first
            if 0 <= quarter < len(series[line]):
                scaled.append(
                    Recorded(line, date, quarter, level * value / at[reference], date == reference)
                )
    return sorted(scaled, key=lambda point: (point.line, point.quarter, point.date))


def _quarter(date: str) -> int:
    """A recorded date, "2011-10" or "2011-Q4", as its quarter's index (quarter_index)."""
    year, part = date.split("-")
    quarter = int(part[1]) if part.startswith("Q") else (int(part) - 1) // 3 + 1
    return int(quarter_index(f"{year}Q{quarter}"))


def chart(result: Result) -> str:
    """A small SVG line chart of the episode's prices relative to their base (= 1): the
    model's lines, the recorded prices as rings of the same colour, a key, the first and
    last quarters and a few values on the axis."""
    width, height = 420, 210
    left, right, top_pad, bottom = 36, 12, 44, 24
    lines = [result.series[key] for key in result.episode.chart]
    drawn = [point for point in result.recorded if point.line in result.episode.chart]
    highest = max([float(line.max()) for line in lines] + [point.value for point in drawn])
    ticks = _ticks(max(2.0, highest * 1.05))
    top = ticks[-1]
    steps = len(lines[0])

    def x(k: float) -> float:
        return left + (width - left - right) * k / max(steps - 1, 1)

    def y(value: float) -> float:
        return height - bottom - (height - top_pad - bottom) * value / top

    colours = dict(zip(result.episode.chart, ("#1f77b4", "#d62728", "#2ca02c"), strict=False))
    title = t("economics.hindcast_chart", name=result.episode.scenario)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{title}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="14" font-size="11" font-weight="bold">{title}</text>',
    ]
    for value in ticks:
        dash = ' stroke-dasharray="3,3"' if value == 1 else ""
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{"#999" if value == 1 else "#e5e5e5"}"{dash}/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 3:.1f}" font-size="9" '
            f'text-anchor="end">{value:g}</text>'
        )
    first = int(quarter_index(result.start))
    for k, anchor in ((0, "start"), (steps - 1, "end")):
        parts.append(
            f'<text x="{x(k):.1f}" y="{height - 8}" font-size="9" '
            f'text-anchor="{anchor}">{_label(first + k)}</text>'
        )
    parts.append(
        f'<text x="4" y="{top_pad - 8}" font-size="9">{t("economics.hindcast_axis")}</text>'
    )
    key_x = left
    for key, line in zip(result.episode.chart, lines, strict=True):
        points = " ".join(f"{x(k):.1f},{y(float(v)):.1f}" for k, v in enumerate(line))
        parts.append(
            f'<polyline fill="none" stroke="{colours[key]}" stroke-width="2" points="{points}"/>'
        )
        parts.append(
            f'<line x1="{key_x}" x2="{key_x + 16}" y1="27" y2="27" stroke="{colours[key]}" '
            f'stroke-width="2"/><text x="{key_x + 20}" y="30" font-size="10">{key}</text>'
        )
        key_x += 28 + 7 * len(key)
    for recorded in drawn:
        parts.append(
            f'<circle cx="{x(recorded.quarter):.1f}" cy="{y(recorded.value):.1f}" r="3" '
            f'fill="white" stroke="{colours[recorded.line]}" stroke-width="1.5">'
            f"<title>{recorded.date}: {recorded.value:.2f}</title></circle>"
        )
    if drawn:
        parts.append(
            f'<circle cx="{key_x + 4}" cy="27" r="3" fill="white" stroke="#555" '
            f'stroke-width="1.5"/><text x="{key_x + 12}" y="30" font-size="10">'
            f"{t('economics.hindcast_legend')}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _ticks(highest: float) -> list[float]:
    """1 (the base) and round values up to just above ``highest``, at most six; 0 too
    where it does not crowd the base."""
    step = next(s for s in (0.5, 1, 2, 5, 10, 20, 50) if highest / s <= 5)
    values = [k * step for k in range(0 if step < 5 else 1, int(np.ceil(highest / step)) + 1)]
    return sorted({*values, 1.0})


def _label(quarter: int) -> str:
    """A quarter's index (world_data.quarter_index) as the report writes it: 2010-Q3."""
    year, part = divmod(quarter, 4)
    return f"{year}-Q{part + 1}"


def beside(result: Result) -> list[str]:
    """The recorded prices and the model's in the same quarters, as a Markdown table."""
    if not result.recorded:
        return []
    out = [t("economics.hindcast_beside_head"), "|---|---|---|---|"]
    for point in result.recorded:
        model = float(result.series[point.line][point.quarter])
        date = t("economics.hindcast_anchor", date=point.date) if point.anchor else point.date
        out.append(f"| {point.line} | {date} | {point.value:.2f} | {model:.2f} |")
    return ["", t("economics.hindcast_beside"), "", *out, "", *timing(result)]


def timing(result: Result) -> list[str]:
    """When each line is highest, recorded and modelled over the same quarters: what the
    bands (a peak within so many quarters) do not test."""
    first = int(quarter_index(result.start))
    out = []
    for line in dict.fromkeys(point.line for point in result.recorded):
        points = [point for point in result.recorded if point.line == line]
        top = max(points, key=lambda point: point.value)
        window = result.series[line][: points[-1].quarter + 1]
        peak = int(np.argmax(window))
        out.append(
            t(
                "economics.hindcast_timing",
                line=line,
                recorded_date=top.date,
                recorded=top.value,
                model_date=_label(first + peak),
                model=float(window[peak]),
            )
        )
    return out


def report(results: list[Result], charts: str = "validation", overrides: Sequence[str] = ()) -> str:
    """docs/validation.md: each episode's model figures beside the real ones."""
    out = [t("economics.hindcast_title"), "", t("economics.hindcast_intro"), ""]
    if overrides:
        changes = ", ".join(f"`{change}`" for change in overrides)
        out += [t("economics.hindcast_changed", changes=changes), ""]
    for result in results:
        name = result.episode.scenario
        verdict = t("economics.hindcast_pass" if result.passed else "economics.hindcast_fail")
        out += [f"## {name} — {verdict}", "", t(result.episode.real), ""]
        out += [t("economics.hindcast_table_head"), "|---|---|---|---|"]
        for check in result.checks:
            mark = t("economics.hindcast_pass" if check.passed else "economics.hindcast_fail")
            out.append(f"| {check.label} | {check.band} | {check.value:.2f} | {mark} |")
        out += beside(result)
        if result.episode.gap:
            out += ["", t(result.episode.gap)]
        out += ["", f"![{name}]({charts}/{name}.svg)", ""]
    return "\n".join(out)


def write(path: Path, overrides: Sequence[str] = ()) -> list[Result]:
    """Replay every episode; write the report at ``path`` and its charts beside it."""
    results = [replay(name, overrides) for name in EPISODES]
    folder = path.parent / path.stem
    folder.mkdir(parents=True, exist_ok=True)
    for result in results:
        (folder / f"{result.episode.scenario}.svg").write_text(chart(result))
    path.write_text(report(results, path.stem, overrides))
    return results
