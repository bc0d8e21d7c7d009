"""Small charts and tables drawn as SVG and HTML text: no plotting library, nothing fetched."""

import math
from collections.abc import Callable, Sequence
from html import escape

import pandas as pd

from model.text import format_value, localise_number, t

WIDTH, HEIGHT = 640, 300
MARGIN = {"left": 80, "right": 110, "top": 16, "bottom": 36}
MAX_TICKS = 6  # labels on the x axis ("2025 Q2" is wide)
MAX_Y_TICKS = 6  # round values on the y axis, 1, 2 or 5 times a power of ten apart
END_FONT = 11  # the size of a line's name at its end, in the chart's own units
# Between the baselines of two names: a line of text is ≈ 1.2 × its font size high, so two
# names 12 apart (the first rule) still overlapped by a pixel at full size.
LABEL_GAP = math.ceil(END_FONT * 1.25)
FLOW_FONT = 12  # the size of the economies' names beside the trade-flows diagram
GLYPH = 0.6  # a generous average width of a letter, in font sizes (Roboto: 0.45 to 0.56)
# A chart drawn narrower than this (px) would shrink its names below ≈ 9.5 px (11 × 560 /
# 640) and crowd them (6 px high on a 390 px phone): there it names its lines in a legend
# below instead, in page text. Chosen by the chart's own width (a container query), not
# the screen's, so a chart in a narrow column does the same.
NARROW = 560
# There the ticks' numbers and quarters grow to this, in the chart's own units (≈ 10 px in a
# 310 px card on a 390 px phone, instead of 5); every other quarter (of four or more) and
# the x axis's title ("quarter", under its quarters) go, so they do not run into each other.
NARROW_TICK_FONT = 20
# Dark enough for their end labels to pass WCAG AA (4.5:1) on white.
COLOURS = ["#1f5fa8", "#c0392b", "#23812f", "#b35900", "#7b4fa8", "#8c564b", "#b0407f", "#127a86"]


def _percent(value: float, span: float) -> str:
    """A y tick in per cent ("0.25%", "12%"), with as many decimals as the axis's span
    needs for its five ticks to differ."""
    digits = 0 if span >= 8 else 1 if span >= 0.8 else 2
    if abs(value) < 0.5 * 10**-digits:  # the padding below a zero: "0%", not "-0.0%"
        value = 0.0
    return format_value(f"{{:.{digits}%}}", value / 100.0)


def _fmt(value: float) -> str:
    """An axis value, short, with the true minus sign the tables and the score have."""
    if abs(value) >= 1e6:
        text = f"{value / 1e6:.1f}M"
    elif abs(value) >= 1e4:
        text = f"{value / 1e3:.3g}k"
    elif abs(value) >= 1e3:  # "8,020", never "8.02e+03"
        text = f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    return localise_number(text).replace("-", "−")


def round_ticks(low: float, high: float, most: int = MAX_Y_TICKS) -> list[float]:
    """At most ``most`` round values from at or below ``low`` to at or above ``high``, a
    step of 1, 2 or 5 times a power of ten apart: −2,000, −1,500 … 500, not −1,847, −1,358."""
    power = 10.0 ** math.floor(math.log10((high - low) / most))
    for step in (m * power * 10**k for k in range(3) for m in (1, 2, 5)):
        first, last = math.floor(low / step), math.ceil(high / step)
        if last - first + 1 <= most:
            break
    digits = max(0, 1 - math.floor(math.log10(step)))  # no 0.30000000000000004
    return [round(k * step, digits) + 0.0 for k in range(first, last + 1)]


def spread(targets: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Where to put labels wanted at ``targets`` (one axis): as near them as can be, kept in
    their order (ties in the order given), at least ``gap`` apart, and inside [low, high]
    when there is room for all (else from ``low`` on).

    Labels that would crowd each other gather in a block one gap apart, centred on where
    its labels want to be (so three lines ending together have their names above, beside
    and below them, not all pushed under the first); a label with room does not move.
    """
    order = sorted(range(len(targets)), key=lambda k: targets[k])
    blocks: list[list[int]] = []  # runs of places in ``order`` set one gap apart
    starts: list[float] = []  # each block's first position

    def place(block: list[int]) -> float:
        wanted = sum(targets[order[j]] - (j - block[0]) * gap for j in block) / len(block)
        return max(low, min(wanted, high - (len(block) - 1) * gap))

    for j in range(len(order)):
        blocks.append([j])
        starts.append(place([j]))
        while len(blocks) > 1 and starts[-2] + len(blocks[-2]) * gap > starts[-1]:
            merged = blocks.pop()
            blocks[-1] += merged
            starts.pop()
            starts[-1] = place(blocks[-1])
    placed = [0.0] * len(targets)
    for block, start in zip(blocks, starts, strict=True):
        for j in block:
            placed[order[j]] = start + (j - block[0]) * gap
    return placed


# The names at the lines' ends, or below a narrow chart the same names as a legend.
CHART_CSS = f"""<style>
.minerals-chart {{ container-type: inline-size; }}
.minerals-chart-legend {{ display: none; flex-wrap: wrap; gap: 2px 14px; list-style: none;
  margin: 4px 0 0; padding: 0; font-size: 14px; }}
.minerals-chart-key {{ display: inline-block; width: 18px; height: 0; margin-right: 4px;
  border-top: 3px solid currentColor; vertical-align: middle; }}
@container (max-width: {NARROW - 1}px) {{
  .minerals-chart-ends {{ display: none; }} .minerals-chart-legend {{ display: flex; }}
  .minerals-chart .minerals-chart-tick {{ font-size: {NARROW_TICK_FONT}px; }}
  .minerals-chart .minerals-chart-axis, .minerals-chart .minerals-chart-minor {{
    display: none; }} }}
.minerals-chart-keyed .minerals-chart-ends {{ display: none; }}
.minerals-chart-keyed .minerals-chart-legend {{ display: flex; }}
</style>"""
# A name pushed further than this from its line's end no longer says which line it names
# (walk 26: at a game's end six lines met at 0, their names stacked far above and below):
# the chart then names its lines in the legend below, at every width.
DRIFT = 1.5 * LABEL_GAP


def line_chart(
    frame: pd.DataFrame,
    label: str,
    x_label: str = "step",
    tick: Callable[[int], str] = str,
    per_cent: bool = False,
) -> str:
    """One line per column of ``frame`` against its index; ``label`` names the picture.

    ``tick`` writes an x value as a person reads it (a step as its quarter, "2025 Q2");
    ``per_cent``: the values are percentages, and the y axis says so as the tables do.
    """
    parts = [
        f'<div class="minerals-chart">{CHART_CSS}'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px">',
        f"<title>{escape(label)}</title>",
    ]
    values = frame.to_numpy(dtype=float)
    if frame.empty or not (values == values).any():
        parts.append("</svg></div>")
        return "".join(parts)
    x0, x1 = float(frame.index.min()), float(frame.index.max())
    y0, y1 = float(pd.DataFrame(values).min().min()), float(pd.DataFrame(values).max().max())
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:  # a flat line: 5% either side, or 1 either side of zero (a score of 0)
        half = abs(y0) * 0.05 or 1.0
        y0, y1 = y0 - half, y1 + half
    pad = (y1 - y0) * 0.05
    ticks = round_ticks(y0 - pad, y1 + pad)
    y0, y1 = ticks[0], ticks[-1]
    # room on the right for the longest name (up to a third of the chart), none cut off
    longest = max(len(str(column)) for column in frame.columns)
    margin = min(max(MARGIN["right"], math.ceil(6 + longest * END_FONT * GLYPH + 4)), WIDTH // 3)
    left, right = MARGIN["left"], WIDTH - margin
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    def sy(y: float) -> float:
        return bottom - (y - y0) / (y1 - y0) * (bottom - top)

    axis = 'stroke="#888" stroke-width="1"'
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" {axis}/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" {axis}/>')
    for y in ticks:
        parts.append(
            f'<text class="minerals-chart-tick" x="{left - 6}" y="{sy(y) + 4:.1f}" font-size="11" '
            f'text-anchor="end">'
            f"{escape(_percent(y, y1 - y0) if per_cent else _fmt(y))}</text>"
        )
    xs = sorted(set(int(v) for v in frame.index))
    every = max(1, math.ceil(len(xs) / MAX_TICKS))
    shown = [x for x in xs if (x - xs[0]) % every == 0]
    for k, x in enumerate(shown):
        # narrow: larger, and half as many where four or more would crowd (the latest kept)
        minor = " minerals-chart-minor" if (len(shown) - 1 - k) % 2 and len(shown) > 3 else ""
        # the first starts at the y axis: centred on it, it ran into the lowest number
        anchor = "start" if k == 0 else "middle"
        parts.append(
            f'<text class="minerals-chart-tick{minor}" x="{sx(x):.1f}" y="{bottom + 16}" '
            f'font-size="11" text-anchor="{anchor}">'
            f"{escape(tick(x))}</text>"
        )
    parts.append(
        f'<text class="minerals-chart-axis" x="{(left + right) / 2}" y="{HEIGHT - 4}" '
        f'font-size="11" text-anchor="middle">{escape(x_label)}</text>'
    )
    ends = []  # (wanted y, x, name, colour) of each line's end label, spread apart below
    for i, column in enumerate(frame.columns):
        colour = COLOURS[i % len(COLOURS)]
        series = frame[column].dropna()
        points = " ".join(f"{sx(float(x)):.1f},{sy(float(y)):.1f}" for x, y in series.items())
        if not points:
            continue
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{escape(str(column))}</title></polyline>"
        )
        parts.extend(
            f'<circle cx="{sx(float(x)):.1f}" cy="{sy(float(y)):.1f}" r="2.5" fill="{colour}"/>'
            for x, y in series.items()
        )
        last_x, last_y = series.index[-1], series.iloc[-1]
        ends.append((sy(float(last_y)) + 4, sx(float(last_x)) + 6, str(column), colour))
    # A name's baseline 4 below its line's end centres it there; names stay beside the plot
    # (above the last quarter's tick, which reaches into the right margin).
    ys = spread([end[0] for end in ends], LABEL_GAP, top + 4, bottom)
    if any(abs(y - end[0]) > DRIFT for y, end in zip(ys, ends, strict=True)):
        parts[0] = parts[0].replace('"minerals-chart"', '"minerals-chart minerals-chart-keyed"', 1)
    ends = sorted(  # top to bottom, as the legend reads
        ((y, x, name, colour) for y, (_, x, name, colour) in zip(ys, ends, strict=True)),
        key=lambda end: end[0],
    )
    parts.append('<g class="minerals-chart-ends">')
    parts.extend(
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{END_FONT}" fill="{colour}">'
        f"{escape(name)}</text>"
        for y, x, name, colour in ends
    )
    parts.append("</g></svg>")
    legend = "".join(
        f'<li style="color:{colour}"><span class="minerals-chart-key"></span>{escape(name)}</li>'
        for _, _, name, colour in ends
    )
    # aria-hidden: a screen reader reads the chart by its name, at every width alike
    parts.append(f'<ul class="minerals-chart-legend" aria-hidden="true">{legend}</ul></div>')
    return "".join(parts)


HIGHLIGHT = "font-weight:bold;background:#fff1a8"  # the player's row: bold on pale yellow
# Below this width (px) of its box a table (table_html) shows each row as a card of
# "header: value" lines: the deals' six columns at 390 px squeezed their reasons to two
# letters a line, with the terms off-screen. The rule is page CSS (ui/app.py takes it in),
# since a Markdown page drops a <style> of its own.
STACK = 600
STACK_CSS = f"""
.minerals-stack {{ container-type: inline-size; }}
@container (max-width: {STACK - 1}px) {{
  .minerals-stack table, .minerals-stack tbody, .minerals-stack tr, .minerals-stack td {{
    display: block; width: 100%; box-sizing: border-box; }}
  .minerals-stack thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip-path: inset(50%); white-space: nowrap; }}
  .minerals-stack tr {{ border: 1px solid #bbb; border-radius: 4px; margin: 0 0 8px;
    padding: 4px 0; }}
  .minerals-stack td {{ display: grid; grid-template-columns: minmax(5em, 35%) 1fr; gap: 8px;
    text-align: left !important; overflow-wrap: anywhere; }}
  .minerals-stack td:empty {{ display: none; }}
  .minerals-stack td::before {{ content: attr(data-label) / ""; font-weight: bold; }}
}}
"""


def table_html(
    frame: pd.DataFrame,
    columns: list[tuple],
    label: str,
    bold: str | None = None,
    highlight: tuple[str, str] | None = None,
) -> str:
    """An HTML table of ``frame``; ``columns`` are (column, header, hover help, format).

    Every header carries its one-line explanation as a tooltip (``title``) for a mouse,
    and the same explanations follow the table in a disclosure one can tap or open with
    the keyboard (``column_help``): a phone has no hover. The row whose first column equals
    ``bold`` (the player's country), or whose ``highlight[0]`` column equals
    ``highlight[1]``, stands out. In a narrow box each row is a card of "header: value"
    lines (``STACK_CSS``; a phone's walk found the deals, stocks, ranking and industry
    tables scrolling sideways with no sign of it); the roles keep it a table to a screen
    reader, since the cards' CSS takes the table's own away.
    """

    def role(name: str) -> str:
        return f' role="{name}"'

    def labelled(header: str) -> str:  # a card's line names its column
        return f' data-label="{escape(header)}"'

    head = "".join(
        f'<th scope="col"{role("columnheader")} title="{escape(help_)}" '
        f'style="text-align:left;padding:2px 6px">{escape(header)}</th>'
        for _, header, help_, _ in columns
    )
    rows = []
    for record in frame.to_dict("records"):
        first = str(record[columns[0][0]])
        mine = (bold is not None and first == bold) or (
            highlight is not None and str(record.get(highlight[0])) == highlight[1]
        )
        style = f' style="{HIGHLIGHT}" aria-current="true"' if mine else ""
        cells = "".join(
            f"<td{role('cell')}{labelled(header)} "
            f'style="padding:2px 6px">{escape(format_value(fmt, record[col]))}</td>'
            for col, header, _, fmt in columns
        )
        rows.append(f"<tr{role('row')}{style}>{cells}</tr>")
    # A table wider than a phone scrolls sideways in its own box (focusable, so a keyboard
    # can scroll it too) instead of being cut off by the card.
    table = (
        f'<div tabindex="0" role="group" aria-label="{escape(label)}" '
        'style="overflow-x:auto;max-width:100%">'
        f'<table{role("table")} aria-label="{escape(label)}" '
        'style="border-collapse:collapse;width:100%">'
        f"<thead{role('rowgroup')}><tr{role('row')}>{head}</tr></thead>"
        f"<tbody{role('rowgroup')}>{''.join(rows)}</tbody></table></div>"
    )
    return f'<div class="minerals-stack">{table}</div>' + column_help(columns)


def column_help(columns: list[tuple]) -> str:
    """What each column means, behind a native disclosure (tap, Enter or Space opens it)."""
    entries = "".join(
        f'<dt style="font-weight:bold">{escape(header)}</dt>'
        f'<dd style="margin:0 0 4px 12px">{escape(help_)}</dd>'
        for _, header, help_, _ in columns
        if help_
    )
    if not entries:
        return ""
    summary = escape(t("page.columns_help"))
    return (
        '<details class="minerals-help" style="margin:4px 0">'
        f'<summary style="cursor:pointer;color:#1a4fa0;padding:6px 0">{summary}</summary>'
        f'<dl style="margin:4px 0">{entries}</dl></details>'
    )


def flow_chart(flows: pd.DataFrame, label: str) -> str:
    """Exporters on the left, importers on the right, bands as wide as the tonnes."""
    exporters = list(dict.fromkeys(flows["exporter"]))
    importers = list(dict.fromkeys(flows["importer"]))
    height = max(len(exporters), len(importers), 1) * 28 + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" style="max-width:{WIDTH}px">',
        f"<title>{escape(label)}</title>",
    ]
    # room each side for the longest name (up to a third of the chart), none cut off:
    # "Rest of the world" and "European Union" lost their last letter in 90
    longest = max((len(str(name)) for name in exporters + importers), default=0)
    margin = min(max(90, math.ceil(6 + longest * FLOW_FONT * GLYPH + 4)), WIDTH // 3)
    left, right = margin, WIDTH - margin
    biggest = float(flows["tonnes"].max()) if not flows.empty else 1.0

    def y_of(names: list[str], name: str) -> float:
        return 20 + names.index(name) * 28

    for row in flows.itertuples():
        y0, y1 = y_of(exporters, row.exporter), y_of(importers, row.importer)
        width = 1 + 14 * row.tonnes / biggest
        middle = (left + right) / 2
        parts.append(
            f'<path d="M{left},{y0} C{middle},{y0} {middle},{y1} {right},{y1}" fill="none" '
            f'stroke="{COLOURS[exporters.index(row.exporter) % len(COLOURS)]}" '
            f'stroke-opacity="0.6" stroke-width="{width:.1f}">'
            f"<title>{escape(f'{row.exporter} → {row.importer}: {row.tonnes:,.0f} t')}</title>"
            "</path>"
        )
    for name in exporters:
        parts.append(
            f'<text x="{left - 6}" y="{y_of(exporters, name) + 4}" font-size="{FLOW_FONT}" '
            f'text-anchor="end">{escape(name)}</text>'
        )
    for name in importers:
        parts.append(
            f'<text x="{right + 6}" y="{y_of(importers, name) + 4}" font-size="{FLOW_FONT}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
