"""Small charts and tables drawn as SVG and HTML text: no plotting library, nothing fetched."""

import math
from collections.abc import Callable
from html import escape

import pandas as pd

from model.text import format_value, localise_number, t

WIDTH, HEIGHT = 640, 300
MARGIN = {"left": 80, "right": 110, "top": 16, "bottom": 36}
MAX_TICKS = 6  # labels on the x axis ("2025 Q2" is wide)
LABEL_GAP = 12  # px between the end labels of two lines
# Dark enough for their end labels to pass WCAG AA (4.5:1) on white.
COLOURS = ["#1f5fa8", "#c0392b", "#23812f", "#b35900", "#7b4fa8", "#8c564b", "#b0407f", "#127a86"]


def _fmt(value: float) -> str:
    if abs(value) >= 1e6:
        return localise_number(f"{value / 1e6:.1f}M")
    if abs(value) >= 1e4:
        return localise_number(f"{value / 1e3:.3g}k")
    return localise_number(f"{value:.3g}")


def line_chart(
    frame: pd.DataFrame, label: str, x_label: str = "step", tick: Callable[[int], str] = str
) -> str:
    """One line per column of ``frame`` against its index; ``label`` names the picture.

    ``tick`` writes an x value as a person reads it (a step as its quarter, "2025 Q2").
    """
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px">',
        f"<title>{escape(label)}</title>",
    ]
    values = frame.to_numpy(dtype=float)
    if frame.empty or not (values == values).any():
        parts.append("</svg>")
        return "".join(parts)
    x0, x1 = float(frame.index.min()), float(frame.index.max())
    y0, y1 = float(pd.DataFrame(values).min().min()), float(pd.DataFrame(values).max().max())
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:  # a flat line: 5% either side, or 1 either side of zero (a score of 0)
        half = abs(y0) * 0.05 or 1.0
        y0, y1 = y0 - half, y1 + half
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    def sy(y: float) -> float:
        return bottom - (y - y0) / (y1 - y0) * (bottom - top)

    axis = 'stroke="#888" stroke-width="1"'
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" {axis}/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" {axis}/>')
    for k in range(5):
        y = y0 + (y1 - y0) * k / 4
        parts.append(
            f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{_fmt(y)}</text>"
        )
    xs = sorted(set(int(v) for v in frame.index))
    every = max(1, math.ceil(len(xs) / MAX_TICKS))
    for x in xs:
        if (x - xs[0]) % every == 0:
            parts.append(
                f'<text x="{sx(x):.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle">'
                f"{escape(tick(x))}</text>"
            )
    parts.append(
        f'<text x="{(left + right) / 2}" y="{HEIGHT - 4}" font-size="11" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    ends = []  # (y, x, name, colour) of each line's end label, spread apart below
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
        ends.append([sy(float(last_y)) + 4, sx(float(last_x)) + 6, str(column), colour])
    ends.sort()
    for k in range(1, len(ends)):  # end labels never overlap: at least a line apart
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + LABEL_GAP)
    parts.extend(
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{colour}">{escape(name)}</text>'
        for y, x, name, colour in ends
    )
    parts.append("</svg>")
    return "".join(parts)


HIGHLIGHT = "font-weight:bold;background:#fff1a8"  # the player's row: bold on pale yellow


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
    ``highlight[1]``, stands out.
    """
    head = "".join(
        f'<th scope="col" title="{escape(help_)}" style="text-align:left;padding:2px 6px">'
        f"{escape(header)}</th>"
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
            f'<td style="padding:2px 6px">{escape(format_value(fmt, record[col]))}</td>'
            for col, _, _, fmt in columns
        )
        rows.append(f"<tr{style}>{cells}</tr>")
    # A table wider than a phone scrolls sideways in its own box (focusable, so a keyboard
    # can scroll it too) instead of being cut off by the card.
    return (
        f'<div tabindex="0" role="group" aria-label="{escape(label)}" '
        'style="overflow-x:auto;max-width:100%">'
        f'<table aria-label="{escape(label)}" style="border-collapse:collapse;width:100%">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        + column_help(columns)
    )


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
    left, right = 90, WIDTH - 90
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
            f'<text x="{left - 6}" y="{y_of(exporters, name) + 4}" font-size="12" '
            f'text-anchor="end">{escape(name)}</text>'
        )
    for name in importers:
        parts.append(
            f'<text x="{right + 6}" y="{y_of(importers, name) + 4}" font-size="12">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
