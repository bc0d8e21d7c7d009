"""Reading a finished sweep: outcome distributions per lever value, a chart, sensitivity.

A sweep's ``runs`` table (model/research/sweep.py) holds, in order: run_id, seed, one column per
lever then per uncertainty, status, error, one column per outcome. Which factor is a
lever is read from the design itself: every lever combination meets the same seeds
(common random numbers), so a lever is a factor that takes several values among runs
sharing a seed, while an uncertainty never does.

Sensitivity is SALib's RBD-FAST first-order index, because it works on the sample a
sweep already has (random or Latin hypercube, replications included); Sobol' total
indices would need a Saltelli design and Morris its own trajectories.
"""

import json
import re
import textwrap
from contextlib import suppress
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from model.data.scenario import display_path
from model.research.outcomes import outcome_unit
from model.research.sweep import DESIGN_FILE, SweepError
from model.text import allowed_list, has, localise_number, number, read_number, t

RUNS_TABLE = "runs.parquet"
REQUIRED = ("run_id", "seed", "status", "error")
QUANTILES = {"p5": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
STATS = ("count", "mean", "std", "min", *QUANTILES, "max")
# RBD-FAST sums the first M harmonics of the output reordered by one input: at least 2,
# so a U-shaped effect counts too; at most 6, Plischke's EASI default
# (doi:10.1016/j.ress.2009.11.005); in between one per 24 runs, so the bias correction's
# lambda = 2M / runs stays small (tried on y = x1 + 2 (x2 - 1/2)^2 + noise, 16 to 96 runs).
MIN_HARMONICS, MAX_HARMONICS, RUNS_PER_HARMONIC = 2, 6, 24
# SALib's interval bootstraps half the runs: with fewer than 20, its lambda passes 0.4.
MIN_RUNS = 20
TWIN = " (twin)"  # suffix of the twin run's columns while pairing runs
BOOTSTRAP_SEED = 1  # non-zero: SALib 1.4 ignores a seed of 0


class AnalysisError(SweepError):
    """A sweep folder or an analysis argument is wrong; ``str(e)`` is the one message."""


@dataclass(frozen=True)
class Sweep:
    """A finished sweep's runs table and the role of each of its columns."""

    runs: pd.DataFrame
    levers: list[str]
    uncertainties: list[str]
    outcomes: list[str]
    name: str = ""
    # (lever, value) when the outcomes are changes from the runs with that lever value.
    against: tuple[str, str] | None = None
    # "sobol" or "morris" when the design is SALib's (model/research/sensitivity.py reads
    # it in order), with its seeds per sample point; "" for any other design.
    sampler: str = ""
    replications: int = 1

    @classmethod
    def of(cls, runs: pd.DataFrame, name: str = "", where: str = "runs") -> "Sweep":
        """Sort a runs table's columns into levers, uncertainties and outcomes."""
        columns = list(runs.columns)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise AnalysisError(
                t("analysis.not_runs_table", path=where, missing=", ".join(missing))
            )
        factors = columns[columns.index("seed") + 1 : columns.index("status")]
        outcomes = columns[columns.index("error") + 1 :]
        varies = runs.groupby("seed")[factors].nunique().max() > 1 if factors else {}
        levers = [f for f in factors if varies[f]]
        uncertainties = [f for f in factors if not varies[f] and runs[f].nunique() > 1]
        return cls(runs, levers, uncertainties, outcomes, name)

    @property
    def ok(self) -> pd.DataFrame:
        """The runs that finished; failed runs hold NaN outcomes and are left out."""
        return self.runs[self.runs["status"] == "ok"]

    def pick_outcomes(self, outcomes: list[str] | None) -> list[str]:
        for name in outcomes or []:
            if name not in self.outcomes:
                listing = allowed_list(name, self.outcomes)
                raise AnalysisError(t("analysis.unknown_outcome", value=name, allowed=listing))
        return list(dict.fromkeys(outcomes)) if outcomes else list(self.outcomes)

    def group_keys(self, by: str | None) -> list[str]:
        """The columns that split the runs: ``by``, or every lever."""
        if by is None:
            return list(self.levers)
        if by not in self.levers:
            if not self.levers:
                raise AnalysisError(t("analysis.no_levers", value=by))
            listing = allowed_list(by, self.levers)
            raise AnalysisError(t("analysis.unknown_lever", value=by, allowed=listing))
        return [by]


def load_sweep(out_dir: str | Path) -> Sweep:
    """Read the ``runs`` table a finished ``minerals sweep`` wrote to ``out_dir``."""
    folder = Path(out_dir)
    where = display_path(folder)
    if folder.exists() and not folder.is_dir():
        raise AnalysisError(t("analysis.not_a_folder", path=where))
    if not folder.is_dir():
        raise AnalysisError(t("analysis.no_folder", path=where))
    table = folder / RUNS_TABLE
    if not table.is_file():
        started = (folder / DESIGN_FILE).is_file()
        raise AnalysisError(t(f"analysis.{'unfinished' if started else 'not_a_sweep'}", path=where))
    try:
        runs = pd.read_parquet(table)
    except (OSError, ValueError) as error:
        raise AnalysisError(
            t("analysis.unreadable", path=display_path(table), reason=error)
        ) from None
    try:
        design = json.loads((folder / DESIGN_FILE).read_text())
        name = design["name"]
    except (OSError, ValueError, KeyError, TypeError):
        design, name = {}, folder.name  # a runs table copied without its design file
    sweep = Sweep.of(runs, name, display_path(table))
    sampler, replications = design.get("sampler", ""), design.get("replications", 1)
    levers = design.get("levers", [])
    if (
        sampler in ("sobol", "morris")
        and isinstance(replications, int)
        and replications >= 1
        and isinstance(levers, list)
        and set(levers) <= set(sweep.levers + sweep.uncertainties)
    ):
        # A SALib design gives every point the same seeds: the roles come from the design.
        factors = [f for f in sweep.levers + sweep.uncertainties if f not in levers]
        uncertainties = [f for f in runs.columns if f in factors]
        levers = [f for f in runs.columns if f in levers]
        sweep = replace(sweep, levers=levers, uncertainties=uncertainties, sampler=sampler)
        sweep = replace(sweep, replications=replications)
    return sweep


def paired_effects(sweep: Sweep, by: str, reference: str) -> Sweep:
    """The runs' outcomes minus those of their twin run with ``by`` = ``reference``.

    Twins share the seed, the uncertainty values and the other levers: the sweep gives
    every lever value the same seeds (common random numbers), so the difference is the
    lever's own effect, with the shocks held fixed. A pair with a failed run fails.
    """
    sweep.group_keys(by)  # refuses a name that is not a lever
    runs, column = sweep.runs, sweep.runs[by]
    chosen = column.astype(str) == reference
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        with suppress(ValueError):  # text that is no number finds nothing below
            chosen = column == float(read_number(reference))  # "0" finds 0.0, "0,5" 0.5 in French
    if not chosen.any():
        listing = allowed_list(reference, dict.fromkeys(column.astype(str)))
        raise AnalysisError(
            t("analysis.unknown_reference", value=reference, by=by, allowed=listing)
        )
    match = ["seed", *(lever for lever in sweep.levers if lever != by)]
    twins = runs.loc[chosen, [*match, "status", *sweep.outcomes]]
    pairs = runs[~chosen].merge(twins, on=match, how="left", suffixes=("", TWIN))
    outcomes, twin = sweep.outcomes, [name + TWIN for name in sweep.outcomes]
    pairs[outcomes] = pairs[outcomes].to_numpy() - pairs[twin].to_numpy()
    pairs["status"] = pairs["status"].where(pairs["status" + TWIN] == "ok", "failed")
    label = str(column[chosen].iloc[0])
    return replace(sweep, runs=pairs[list(runs.columns)], against=(by, label))


# --- distributions -----------------------------------------------------------------------


def distributions(
    sweep: Sweep, outcomes: list[str] | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per lever value (or combination) and outcome: count, mean, std, quantiles, max.

    Tidy: one row per group and outcome, the group's lever values first. Quantiles are
    pandas' linear interpolation; failed runs are left out.
    """
    outcomes, keys = sweep.pick_outcomes(outcomes), sweep.group_keys(by)
    long = sweep.ok.melt(id_vars=keys, value_vars=outcomes, var_name="outcome")
    values = long.dropna(subset=["value"]).groupby([*keys, "outcome"], sort=False)["value"]
    levels = list(QUANTILES.values())
    quantiles = values.quantile(levels).unstack().reindex(columns=levels)
    quantiles.columns = list(QUANTILES)
    table = values.agg(["count", "mean", "std", "min"]).join(quantiles).join(values.max())
    return table.rename(columns={"value": "max"})[list(STATS)].reset_index()


# --- the chart ---------------------------------------------------------------------------

SLOT, BOX = 96, 36  # px per lever value (at least), box width
PANEL_GAP, PLOT = 60, 150  # px under a panel's plot (labels), and of its plot area
LEFT, RIGHT, MARGIN, MIN_WIDTH = 72, 16, 8, 560  # LEFT at least: room for the ticks
FONT, TITLE_FONT, LINE = 11, 13, 1.3  # px; LINE: a line's height per px of font
# A sans-serif character is about 0.6 em wide on average (digits and lower case; capitals
# are wider, "i" and "l" narrower): enough to wrap a title and size the chart to its text.
EM_WIDTH = 0.6
TICKS = 5  # about so many round values on an outcome's axis
BOX_FILL, INK, DOT = "#cfe0f3", "#1f4e79", "#d62728"


# Characters XML 1.0 forbids even escaped; a lever's text value could hold them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# Written as references, an attribute's tabs and line breaks survive XML's normalisation.
WHITESPACE = str.maketrans({"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def _xml(text: str) -> str:
    """Text safe inside an SVG element or attribute."""
    return escape(NOT_XML.sub("\ufffd", text)).translate(WHITESPACE)


def text_width(text: str, size: float = FONT) -> float:
    """About how many px ``text`` takes at font size ``size`` (see EM_WIDTH)."""
    return EM_WIDTH * size * len(text)


def _wrapped(text: str, size: float, room: float) -> list[str]:
    """``text`` in lines of about ``room`` px; a word longer than that keeps its own line."""
    return textwrap.wrap(text, max(1, int(room / (EM_WIDTH * size))), break_long_words=False)


def round_ticks(low: float, high: float) -> tuple[list[float], int]:
    """Round values inside [low, high], about TICKS of them, each a whole number of a step
    of 1, 2, 2.5 or 5 × a power of ten; and the decimals that step needs."""
    rough = (high - low) / TICKS
    power = 10.0 ** np.floor(np.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    decimals = max(0, -int(np.floor(np.log10(step))) + (1 if step / power == 2.5 else 0))
    first, last = int(np.ceil(low / step - 1e-9)), int(np.floor(high / step + 1e-9))
    return [round(k * step, decimals) + 0.0 for k in range(first, last + 1)], decimals


def readable(value: float, significant: int = 4) -> str:
    """``value`` as the reader's language writes a number (thousands grouped, its decimal
    mark), to about ``significant`` figures, never in e-notation."""
    if not np.isfinite(value) or value == 0:
        return number(0 if value == 0 else value, 0)
    decimals = min(12, max(0, significant - 1 - int(np.floor(np.log10(abs(value))))))
    return number(value, decimals)


def _axis_label(outcome: str, against: tuple[str, str] | None) -> str:
    """What a panel's vertical axis shows: the outcome (its change, when paired), its unit."""
    unit = outcome_unit(outcome)
    key = "analysis.svg_axis" if against is None else "analysis.svg_axis_change"
    if unit:
        key += "_unit"
    return t(key, outcome=outcome, unit=t(f"analysis.unit_{unit}") if unit else "")


@dataclass(frozen=True)
class _Layout:
    """Where the chart's parts go, sized to their text."""

    width: int
    left: int  # x of every vertical axis
    slot: int  # px per lever value
    header: list[tuple[str, int]]  # (line, font size) above the panels
    heads: list[list[str]]  # per outcome, its axis label's lines
    ticks: list[tuple[list[float], int, float, float]]  # per outcome: values, decimals, low, high

    @property
    def top(self) -> int:
        return int(sum(size * LINE for _, size in self.header)) + MARGIN * 2

    def panel_height(self, p: int) -> int:
        return int(len(self.heads[p]) * FONT * LINE) + PLOT + PANEL_GAP

    def panel_top(self, p: int) -> int:
        """The y of outcome ``p``'s plot area."""
        above = sum(self.panel_height(q) for q in range(p))
        return self.top + above + int(len(self.heads[p]) * FONT * LINE)


def _layout(sweep: Sweep, outcomes: list[str], order: list[str], title: str, by_name: str):
    ok = sweep.ok
    ticks = []
    for outcome in outcomes:
        low, high = float(ok[outcome].min()), float(ok[outcome].max())
        if not np.isfinite(low):
            low = high = 0.0
        pad = (high - low) * 0.05 or max(abs(high) * 0.05, 0.5)  # a constant: centred
        values, decimals = round_ticks(low - pad, high + pad)
        ticks.append((values, decimals, low - pad, high + pad))
    widest_tick = max(
        (text_width(number(v, d)) for values, d, _, _ in ticks for v in values), default=0
    )
    left = max(LEFT, int(widest_tick) + 12)
    slot = max(SLOT, *(int(text_width(label)) + 8 for label in order))
    plots = left + slot * len(order) + RIGHT
    width = max(plots, MIN_WIDTH, int(text_width(by_name)) + 2 * MARGIN)
    room = width - 2 * MARGIN
    legend = t("analysis.svg_legend")
    header = [(line, TITLE_FONT) for line in _wrapped(title, TITLE_FONT, room)]
    header += [(line, FONT) for line in _wrapped(legend, FONT, room)]
    heads = [_wrapped(_axis_label(o, sweep.against), FONT, room) for o in outcomes]
    longest = max(
        [text_width(line, size) for line, size in header]
        + [text_width(line) for lines in heads for line in lines]
    )
    width = max(width, int(np.ceil(longest)) + 2 * MARGIN)  # a word longer than a line
    return _Layout(width, left, slot, header, heads, ticks)


def distribution_svg(sweep: Sweep, outcomes: list[str] | None = None, by: str | None = None) -> str:
    """A standalone SVG: per outcome a panel, per lever value a box and its runs as dots.

    Written as text, as ui/charts.py does: no plotting library, and the file opens in
    any browser. Each lever value is one ``<g class="group">`` inside its panel. The
    chart is as wide as its longest line needs; titles wrap rather than run off it.
    """
    outcomes, keys = sweep.pick_outcomes(outcomes), sweep.group_keys(by)
    order = list(dict.fromkeys(_labels(sweep.runs, keys)))  # a value whose runs all failed too
    by_name = " × ".join(keys) or t("analysis.all_runs")
    title = t("analysis.svg_title", by=by_name)
    if sweep.against is not None:
        title = t("analysis.svg_title_paired", by=sweep.against[0], value=sweep.against[1])
    layout = _layout(sweep, outcomes, order, title, by_name)
    height = layout.top + sum(layout.panel_height(p) for p in range(len(outcomes)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_xml(title)}" '
        f'viewBox="0 0 {layout.width} {height}" width="{layout.width}" height="{height}" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f"<title>{_xml(title)}</title>",
    ]
    y = MARGIN
    for line, size in layout.header:
        y += size * LINE
        shade = "" if size == TITLE_FONT else ' fill="#555"'
        font = f' font-size="{size}"' if size != FONT else ""
        parts.append(f'<text x="{MARGIN}" y="{y:.0f}"{font}{shade}>{_xml(line)}</text>')
    stats = distributions(sweep, outcomes, by)
    for p, outcome in enumerate(outcomes):
        parts += _panel(sweep, stats, outcome, p, layout, keys, order, by_name)
    parts.append("</svg>")
    return "".join(parts)


def _panel(sweep, stats, outcome, p, layout, keys, order, by_name) -> list[str]:
    """One outcome's panel: its axis label and round ticks, per lever value a box and dots."""
    top, left, slot = layout.panel_top(p), layout.left, layout.slot
    ticks, decimals, low, high = layout.ticks[p]
    ok = sweep.ok
    values, labels = ok[outcome], _labels(ok, keys)

    def y(v: float) -> float:
        return top + PLOT - (v - low) / (high - low) * PLOT

    parts = [f'<g class="panel" data-outcome="{_xml(outcome)}">']
    lines = layout.heads[p]
    for i, line in enumerate(lines):
        at = top - 4 - (len(lines) - 1 - i) * FONT * LINE
        parts.append(
            f'<text x="{MARGIN}" y="{at:.0f}" font-weight="bold" class="axis">{_xml(line)}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + PLOT}" stroke="#888"/>')
    parts.extend(
        f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">'
        f"{_xml(number(v, decimals))}</text>"
        for v in ticks
    )
    if low < 0 < high:  # a change's sign is what a reader looks for first
        parts.append(
            f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + slot * len(order)}" '
            f'y2="{y(0):.1f}" stroke="#888" stroke-dasharray="4 3"/>'
        )
    panel = stats[stats["outcome"] == outcome]
    for g, label in enumerate(order):
        centre = left + slot * g + slot / 2
        row = panel[_labels(panel, keys) == label]
        dots = values[(labels == label).to_numpy()].dropna()
        parts.append(f'<g class="group" data-value="{_xml(label)}">')
        if not row.empty:
            s = row.iloc[0]
            tip = t(
                "analysis.svg_group",
                by=by_name,
                value=label,
                count=int(s["count"]),
                median=readable(s["median"]),
            )
            parts.append(f"<title>{_xml(tip)}</title>")
            parts.append(
                f'<line x1="{centre}" y1="{y(s["p5"]):.1f}" x2="{centre}" '
                f'y2="{y(s["p95"]):.1f}" stroke="{INK}"/>'
            )
            parts.append(
                f'<rect x="{centre - BOX / 2}" y="{y(s["p75"]):.1f}" width="{BOX}" '
                f'height="{y(s["p25"]) - y(s["p75"]):.1f}" fill="{BOX_FILL}" stroke="{INK}"/>'
            )
            parts.append(
                f'<line x1="{centre - BOX / 2}" y1="{y(s["median"]):.1f}" '
                f'x2="{centre + BOX / 2}" y2="{y(s["median"]):.1f}" stroke="{INK}" '
                'stroke-width="2"/>'
            )
        # Spread the dots sideways by their order, not at random: the same file every time.
        parts.extend(
            f'<circle cx="{centre + ((i % 9) - 4) * 3:.1f}" cy="{y(v):.1f}" r="2" '
            f'fill="{DOT}" fill-opacity="0.6"/>'
            for i, v in enumerate(dots)
        )
        parts.append(
            f'<text x="{centre}" y="{top + PLOT + 16}" text-anchor="middle">{_xml(label)}</text>'
        )
        parts.append("</g>")
    middle = max(left + slot * len(order) / 2, MARGIN + text_width(by_name) / 2)
    parts.append(
        f'<text x="{middle}" y="{top + PLOT + 32}" text-anchor="middle" fill="#555">'
        f"{_xml(by_name)}</text>"
    )
    parts.append("</g>")
    return parts


def _labels(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Each row's group as text: its lever values joined by " / "."""
    if not keys:
        return pd.Series(t("analysis.all_runs"), index=frame.index)
    text = frame[keys].astype(str)
    return (
        text.iloc[:, 0].str.cat(text.iloc[:, 1:], sep=" / ") if len(keys) > 1 else text.iloc[:, 0]
    )


# --- sensitivity -------------------------------------------------------------------------


def sensitivity(
    sweep: Sweep, outcomes: list[str] | None = None, by: str | None = None
) -> pd.DataFrame:
    """First-order sensitivity of each outcome to each numeric uncertainty, per lever group.

    S1 is the share of the outcome's variance across the group's runs explained by one
    uncertainty alone (SALib's RBD-FAST, bias-corrected; S1_conf the half-width of its
    95 % bootstrap interval). Levers are held fixed within a group, so they do not count
    as variance; the seeds' noise and interactions are what S1 leaves unexplained.
    """
    outcomes, keys = sweep.pick_outcomes(outcomes), sweep.group_keys(by)
    try:
        from SALib.analyze import rbd_fast
    except ImportError:
        raise AnalysisError(t("analysis.no_salib")) from None
    ok = sweep.ok
    factors = [
        u
        for u in sweep.uncertainties
        if pd.api.types.is_numeric_dtype(ok[u]) and not pd.api.types.is_bool_dtype(ok[u])
    ]
    if not factors:
        raise AnalysisError(t("analysis.no_uncertainties"))
    groups = ok.groupby(keys, sort=False) if keys else [((), ok)]
    rows = []
    for key, group in groups:
        where = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        for outcome in outcomes:
            runs = group[np.isfinite(group[outcome])]
            if len(runs) < MIN_RUNS:
                label = ", ".join(f"{k} = {v}" for k, v in where.items()) or t("analysis.all_runs")
                raise AnalysisError(
                    t("analysis.too_few_runs", group=label, runs=len(runs), needed=MIN_RUNS)
                )
            x = runs[factors].to_numpy(dtype=float)
            y = runs[outcome].to_numpy(dtype=float)
            s1 = conf = [np.nan] * len(factors)
            if np.ptp(y) > 0:  # a constant outcome has no variance to share out
                problem = {
                    "num_vars": len(factors),
                    "names": factors,
                    "bounds": [[x[:, i].min(), x[:, i].max()] for i in range(len(factors))],
                }
                harmonics = min(MAX_HARMONICS, max(MIN_HARMONICS, len(runs) // RUNS_PER_HARMONIC))
                result = rbd_fast.analyze(problem, x, y, M=harmonics, seed=BOOTSTRAP_SEED)
                s1, conf = result["S1"], result["S1_conf"]
            rows.extend(
                {
                    **where,
                    "outcome": outcome,
                    "uncertainty": name,
                    "S1": float(s),
                    "S1_conf": float(c),
                    "runs": len(runs),
                }
                for name, s, c in zip(factors, s1, conf, strict=True)
            )
    return pd.DataFrame(rows)


# --- the report printed by `minerals analyse` ----------------------------------------------


def report(
    sweep: Sweep,
    table: pd.DataFrame,
    indices: pd.DataFrame | None,
    keys: list[str],
    path: str,
    note: str = "",
    against: tuple[str, str] | None = None,
) -> list[str]:
    """The lines `minerals analyse` prints: what the sweep is, then one block per outcome.

    ``sweep`` is the sweep as run; ``against`` says the tables hold paired changes.
    """
    runs, ok = len(sweep.runs), len(sweep.ok)
    lines = [
        t("analysis.summary", name=sweep.name, runs=runs, ok=ok, failed=runs - ok, path=path),
        t(
            "analysis.roles",
            levers=", ".join(sweep.levers) or t("analysis.none"),
            uncertainties=", ".join(sweep.uncertainties) or t("analysis.none"),
        ),
    ]
    by_name = " × ".join(keys) or t("analysis.all_runs")
    if against is not None:
        lever, value = against
        lines.append(t("analysis.paired", by=lever, value=value))
    for outcome, block in table.groupby("outcome", sort=False):
        lines += ["", t("analysis.distribution_heading", outcome=outcome, by=by_name)]
        lines.append(printed(block.drop(columns="outcome"), ".4g"))
    if indices is None:  # no note: the caller prints its own sensitivity block
        return [*lines, "", t("analysis.no_sensitivity", reason=note)] if note else lines
    lines += ["", t("analysis.sensitivity_heading")]
    indices = indices.assign(group=_labels(indices, keys))
    for outcome, block in indices.groupby("outcome", sort=False):
        cells = block.assign(
            cell=[
                t("analysis.sensitivity_cell", s1=s, conf=c)
                if np.isfinite(s)
                else t("analysis.no_variance")
                for s, c in zip(block["S1"], block["S1_conf"], strict=True)
            ]
        )
        grid = cells.pivot(index="uncertainty", columns="group", values="cell")
        rank = block.groupby("uncertainty")["S1"].mean().sort_values(ascending=False)
        grid = grid.loc[rank.index, list(dict.fromkeys(cells["group"]))]
        grid.index.name, grid.columns.name = heading("uncertainty"), by_name
        lines += ["", t("analysis.sensitivity_outcome", outcome=outcome), grid.to_string()]
    return lines


def heading(name: str) -> str:
    """The header a person reads over a column of statistics (``analysis.column_mean``).

    Only printed tables are translated: the frames the functions above return keep their
    English names, which scripts read. A lever's or an outcome's name is what the
    researcher typed in the spec and types again after --by or --outcome: it stays.
    """
    key = f"analysis.column_{name}"
    return t(key) if has(key) else name


def printed(frame: pd.DataFrame, digits: str) -> str:
    """``frame`` as `minerals analyse` prints it, headers and numbers in the reader's
    language (--against reads a lever's value written either way)."""
    return frame.rename(columns=heading).to_string(
        index=False, float_format=lambda value: localise_number(f"{value:{digits}}")
    )
