"""A world map of one good: who produces it, who supplies you, and where measures bite.

Drawn as SVG from country outlines shipped in ``ui/assets/world-110m.json`` (made by
``ui/build_map.py`` from the world-atlas package of Natural Earth's 1:110m countries): no
tile server, nothing fetched. The browser receives the outlines once (``ui/map.vue``) and
after each Step only their fills and titles and the marks over them (``map_layers``): the
outlines were 130 KB of the page's update per Step. ``map_table`` is the same picture as
a table, the map's text alternative. The single-player page and the classroom projector
both draw ``WorldMap``.
"""

import json
from functools import cache
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import solara

from model.engine.policies import good_label
from model.text import country_name, percent, t
from ui.charts import table_html
from ui.panels import choose, mineral_name, stage_name

SHAPES = Path(__file__).parent / "assets" / "world-110m.json"
EU_MEMBERS = [  # ISO numbers of the EU's 27 members
    "040", "056", "100", "191", "196", "203", "208", "233", "246", "250", "276", "300", "348",
    "372", "380", "428", "440", "442", "470", "528", "616", "620", "642", "703", "705", "724",
    "752",
]  # fmt: skip
ISO_NUMERIC = {  # the world data's codes as ISO 3166 numeric ids of the outlines
    "USA": "840", "CHN": "156", "JPN": "392", "KOR": "410", "IND": "356", "AUS": "036",
    "CAN": "124", "CHL": "152", "ARG": "032", "COD": "180", "IDN": "360", "PHL": "608",
    "ZAF": "710", "GAB": "266", "MMR": "104", "BRA": "076", "RUS": "643", "UKR": "804",
    "GRL": "304", "MYS": "458", "VNM": "704", "MOZ": "508", "MDG": "450", "NOR": "578",
    "ZWE": "716", "GBR": "826", "MEX": "484", "SAU": "682", "THA": "764", "ISR": "376",
    "ARE": "784", "NZL": "554", "KAZ": "398", "UZB": "860", "PER": "604", "PAK": "586",
    "MAR": "504", "QAT": "634", "OMN": "512", "ECU": "218", "DOM": "214", "KEN": "404",
    "JOR": "400", "BOL": "068", "PRY": "600", "AGO": "024", "ARM": "051", "GIN": "324",
    "MNG": "496", "ZMB": "894", "SLE": "694", "GHA": "288", "CIV": "384", "TZA": "834",
}  # fmt: skip
DOTS = {"SGP": (103.8, 1.35), "BHR": (50.55, 26.07), "COK": (-159.78, -21.23)}  # too small
SHADES = ["#d4e4f3", "#a9cbe8", "#6fa8d6", "#3a7fc0", "#0b4f8a"]  # share of world output
SHADE_LIMITS = (0.02, 0.10, 0.30, 0.60)  # upper bounds of the first four shades
OUTSIDE = "#ececec"  # land that is no economy of this world (the rest of world)
SUPPLY = "#b35806"  # flows to you
BITE = "#c51b1b"  # a measure on this good between you and them
LEGEND = 34  # height of the legend strip under the map


@cache
def shapes() -> dict:
    with SHAPES.open() as f:
        return json.load(f)


def _numbers(code: str) -> list[str]:
    return EU_MEMBERS if code == "EU" else [ISO_NUMERIC[code]] if code in ISO_NUMERIC else []


def _point(code: str) -> tuple[float, float] | None:
    """Where a country's label, dot and flow ends sit on the map."""
    world = shapes()
    if code in DOTS:
        lon, lat = DOTS[code]
        scale = world["width"] / 360.0
        return (lon + 180.0) * scale, (84.0 - lat) * scale
    code_number = "276" if code == "EU" else ISO_NUMERIC.get(code)  # the EU: Germany
    shape = world["countries"].get(code_number or "")
    return tuple(shape["at"]) if shape else None


def shade(share: float) -> str:
    return SHADES[int(np.searchsorted(SHADE_LIMITS, share, side="right"))]


def map_table(world, tables: dict, mineral: str, stage: str, country: str | None) -> pd.DataFrame:
    """One row per economy: its share of world output of the good, what it ships to you
    last quarter, and the measures on this good between you and it (or, when watching,
    the export controls it imposes on anyone)."""
    data = world.data
    g = data.goods.index((mineral, stage))
    outcome = world.outcome  # the last clearing, numpy: faster than cutting the tables
    output = data.production0[:, g] if outcome is None else outcome.production[:, g]
    total = output.sum()
    share = output / total if total > 0 else np.zeros_like(output)
    to_you = np.zeros(len(data.codes))
    state = world.state
    measures = [[] for _ in data.codes]
    if country is not None:
        i = data.country(country)
        flows = world.calibration.flows if outcome is None else outcome.flows
        to_you = flows[g, i, :].astype(float)  # a copy
        to_you[i] = 0.0
        tariff, level = state.effective_tariff()[g], state.export_level[g]
        for j, _ in enumerate(data.codes):
            if j == i:
                continue
            if level[i, j] < 1.0:
                measures[j].append(t("game.map_controls_you", level=level[i, j]))
            if level[j, i] < 1.0:
                measures[j].append(t("game.map_you_control", level=level[j, i]))
            if tariff[i, j] > 0:
                measures[j].append(t("game.map_your_tariff", rate=tariff[i, j]))
            if tariff[j, i] > 0:
                measures[j].append(t("game.map_tariff_on_you", rate=tariff[j, i]))
    else:
        level = state.export_level[g]
        for j, _ in enumerate(data.codes):
            limited = level[:, j] < 1.0
            limited[j] = False
            if limited.any():
                measures[j].append(t("game.map_controls_some", count=int(limited.sum())))
    frame = pd.DataFrame(
        {
            "country": data.codes,
            "name": [country_name(c, n) for c, n in zip(data.codes, data.names, strict=True)],
            "share": share,
            "to_you": to_you,
            "measures": [t("game.map_separator").join(m) for m in measures],
        }
    )
    frame = frame[frame["country"] != "ROW"]  # the rest of the world is no place on a map
    return frame.sort_values(["share", "to_you"], ascending=False).reset_index(drop=True)


@cache
def outlines() -> str:
    """Every country's [iso number, SVG path, name], as JSON text: one object for every map
    drawn, so the page sees it unchanged and sends the geometry to a browser once, not
    every Step (text, not a list: Solara would walk a list's 500 items on every redraw)."""
    rows = [[number, shape["d"], shape["name"]] for number, shape in shapes()["countries"].items()]
    return json.dumps(rows, separators=(",", ":"))


def view_box() -> str:
    world = shapes()
    return f"0 0 {world['width']:.0f} {world['height'] + LEGEND:.0f}"


def map_layers(frame: pd.DataFrame, country: str | None) -> dict:
    """What a Step changes on the map: fills and hover titles of the outlines by iso number
    (shaded by share), and the marks drawn over them as SVG text: the dots of economies too
    small to see, a red ring where measures bite, flows to ``country`` as lines."""
    rows = {row.country: row for row in frame.itertuples()}
    fills, titles = {}, {}
    for code, row in rows.items():
        for number in _numbers(code):
            fills[number], titles[number] = shade(row.share), f"{row.name}: {row.share:.0%}"
    parts = []
    for code in DOTS:
        if code in rows:
            x, y = _point(code)
            name = escape(rows[code].name)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{shade(rows[code].share)}" '
                f'stroke="#333" stroke-width="0.5"><title>{name}</title></circle>'
            )
    for code, row in rows.items():  # measures between you and them: a red ring
        if row.measures and (at := _point(code)):
            parts.append(
                f'<circle cx="{at[0]:.1f}" cy="{at[1]:.1f}" r="9" fill="none" stroke="{BITE}" '
                f'stroke-width="2.5" stroke-dasharray="4 2"><title>'
                f"{escape(f'{row.name}: {row.measures}')}</title></circle>"
            )
    home = _point(country) if country else None
    biggest = max((row.to_you for row in rows.values()), default=0.0)
    if home and biggest > 0:
        for code, row in rows.items():
            at = _point(code)
            if row.to_you <= 0.02 * biggest or not at:
                continue
            width_ = 1.0 + 7.0 * row.to_you / biggest
            mx, my = (at[0] + home[0]) / 2, min(at[1], home[1]) - 40
            parts.append(
                f'<path d="M{at[0]:.1f},{at[1]:.1f} Q{mx:.1f},{my:.1f} {home[0]:.1f},{home[1]:.1f}"'
                f' fill="none" stroke="{SUPPLY}" stroke-opacity="0.8" '
                f'stroke-width="{width_:.1f}" stroke-linecap="round"><title>'
                f"{escape(t('game.map_flow_title', name=row.name, tonnes=row.to_you))}"
                "</title></path>"
            )
        parts.append(
            f'<circle cx="{home[0]:.1f}" cy="{home[1]:.1f}" r="5" fill="#111" stroke="#fff"/>'
        )
    return {"fills": fills, "titles": titles, "marks": "".join(parts)}


def shade_label(k: int) -> str:
    """The key's words for shade ``k``: "< 2%", "≥ 2%", … in the reader's language."""
    return f"≥ {percent(SHADE_LIMITS[k - 1])}" if k else f"< {percent(SHADE_LIMITS[0])}"


def legend_svg(flows: bool = True) -> str:
    """The key under the map, as SVG text (it changes only with the page's language);
    without ``flows`` (a map for nobody in particular: the projector) no "shipped to you"."""
    height = shapes()["height"] + LEGEND
    items = []
    for k, colour in enumerate(SHADES):
        text = shade_label(k)
        x = 10 + k * 70
        items.append(
            f'<rect x="{x}" y="{height - 24}" width="14" height="14" fill="{colour}" '
            f'stroke="#555" stroke-width="0.5"/><text x="{x + 18}" y="{height - 13}" '
            f'font-size="12" fill="#222">{escape(text)}</text>'
        )
    x = 10 + len(SHADES) * 70
    if flows:
        items.append(
            f'<line x1="{x}" y1="{height - 17}" x2="{x + 24}" y2="{height - 17}" '
            f'stroke="{SUPPLY}" stroke-width="4"/><text x="{x + 30}" y="{height - 13}" '
            f'font-size="12" fill="#222">{escape(t("game.map_legend_flow"))}</text>'
        )
        x += 150
    items.append(
        f'<circle cx="{x + 8}" cy="{height - 17}" r="7" fill="none" stroke="{BITE}" '
        f'stroke-width="2.5" stroke-dasharray="4 2"/><text x="{x + 22}" y="{height - 13}" '
        f'font-size="12" fill="#222">{escape(t("game.map_legend_measure"))}</text>'
    )
    return "".join(items)


# The key drawn in the map on a wide screen, the key as page text on a narrow one (every
# page that shows the map: the game and the classroom).
MAP_CSS = """
.map-legend-html { display: none; flex-wrap: wrap; gap: 4px 12px; font-size: 14px; }
@media (max-width: 600px) { .map-legend { display: none; } .map-legend-html { display: flex; } }
"""


def legend_html(flows: bool = True) -> str:
    """The same key as HTML, for a phone: inside the SVG it shrinks with the map to text a
    few pixels high (the page's style shows one or the other by the screen's width)."""
    box = "display:inline-block;width:14px;height:14px;margin-right:4px;vertical-align:middle"
    items = [
        f'<span><span style="{box};background:{colour};border:1px solid #555"></span>'
        f"{escape(shade_label(k))}</span>"
        for k, colour in enumerate(SHADES)
    ]
    if flows:
        items.append(
            f'<span><span style="{box};height:0;border-top:4px solid {SUPPLY}"></span>'
            f"{escape(t('game.map_legend_flow'))}</span>"
        )
    items.append(
        f'<span><span style="{box};border:2px dashed {BITE};border-radius:50%"></span>'
        f"{escape(t('game.map_legend_measure'))}</span>"
    )
    return f'<div class="map-legend-html">{"".join(items)}</div>'


def scenario_mineral(world) -> str | None:
    """The mineral the scenario is about (its first scripted event), not the first listed."""
    events = [e for e in world.spec.events if e.mineral in world.data.minerals]
    return events[0].mineral if events else None


def goods_of(data, mineral: str) -> list[str]:
    """The stages this world has for ``mineral``: the dropdowns offer nothing else."""
    return [stage for m, stage in data.goods if m == mineral]


def map_columns(country: str | None) -> list[tuple]:
    columns = [
        ("name", t("game.col_economy"), t("game.help_economy"), "{}"),
        ("share", t("game.col_world_share"), t("game.help_world_share"), "{:.0%}"),
    ]
    if country:
        columns.append(("to_you", t("game.col_to_you"), t("game.help_to_you"), "{:,.0f}"))
    columns.append(("measures", t("game.col_measures"), t("game.help_measures"), "{}"))
    return columns


@solara.component_vue("map.vue")
def MapSvg(
    shapes: str, outside: str, view_box: str, label: str, legend: str, fills: dict,
    titles: dict, marks: str,
):  # fmt: skip
    """The map drawn in the browser (ui/map.vue) from the outlines and what changes."""


@solara.component
def WorldMap(world, tables: dict, country: str | None, mineral: str | None = None):
    """The map of one good, its pickers (only goods that exist) and its table."""
    data = world.data
    first = mineral or data.minerals[0]
    chosen, set_chosen = solara.use_state(first)
    stages = goods_of(data, chosen)
    stage, set_stage = solara.use_state("refined" if "refined" in stages else stages[0])
    if stage not in stages:
        stage = stages[0]
    with solara.Row(style={"flex-wrap": "wrap"}):
        choose(t("game.map_mineral"), data.minerals, chosen, set_chosen, names=mineral_name,
               style={"min-width": "12em"})  # fmt: skip
        choose(t("game.map_stage"), stages, stage, set_stage, names=stage_name,
               style={"min-width": "10em"})  # fmt: skip
    frame = map_table(world, tables, chosen, stage, country)
    good = good_label(chosen, stage)
    label = t("game.map_label", good=good)
    solara.Text(t("game.map_caption_you" if country else "game.map_caption", good=good))
    MapSvg(
        shapes=outlines(),
        outside=OUTSIDE,
        view_box=view_box(),
        label=label,
        legend=legend_svg(flows=country is not None),
        **map_layers(frame, country),
    )
    solara.Style(MAP_CSS)
    solara.HTML(tag="div", unsafe_innerHTML=legend_html(flows=country is not None))
    notable = frame[(frame["share"] >= 0.005) | (frame["to_you"] > 0) | (frame["measures"] != "")]
    table = table_html(notable, map_columns(country), t("game.map_table", good=good))
    summary = escape(t("game.map_table_summary"))
    solara.HTML(
        tag="div", unsafe_innerHTML=f"<details><summary>{summary}</summary>{table}</details>"
    )
