"""Replay recorded episodes on the calibrated world and set the model beside history.

``minerals hindcast`` runs each episode's scenario (configs/scenarios/hindcast_*.toml:
the recorded measures, everyone else passive, no random outages), measures what the
issue's bands speak of, and writes docs/validation.md with a small SVG chart per episode.
The bands are the ones tests/test_history.py asserts; the real figures and their sources
come from docs/sources/wave2/history/.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.data.scenario import load_scenario
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


@dataclass
class Result:
    episode: Episode
    series: dict[str, np.ndarray] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

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
    return Result(episode, series, episode.checks(series))


def chart(result: Result) -> str:
    """A small SVG line chart of the episode's prices, relative to 2024 (= 1)."""
    width, height, pad = 360, 160, 28
    lines = [result.series[key] for key in result.episode.chart]
    top = max(2.0, max(float(line.max()) for line in lines) * 1.1)
    steps = len(lines[0])

    def point(k: int, y: float) -> str:
        x = pad + (width - 2 * pad) * k / max(steps - 1, 1)
        return f"{x:.1f},{height - pad - (height - 2 * pad) * y / top:.1f}"

    colours = ("#1f77b4", "#d62728", "#2ca02c")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{t("economics.hindcast_chart", name=result.episode.scenario)}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<polyline fill="none" stroke="#999" stroke-dasharray="3,3" '
        f'points="{point(0, 1.0)} {point(steps - 1, 1.0)}"/>',
    ]
    for colour, key, line in zip(colours, result.episode.chart, lines, strict=False):
        points = " ".join(point(k, float(y)) for k, y in enumerate(line))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        parts.append(
            f'<text x="{width - pad}" y="{point(steps - 1, float(line[-1])).split(",")[1]}" '
            f'font-size="10" fill="{colour}" text-anchor="end">{key}</text>'
        )
    axis = t("economics.hindcast_axis", top=top)
    parts.append(f'<text x="{pad}" y="{pad - 10}" font-size="10">{axis}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


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
