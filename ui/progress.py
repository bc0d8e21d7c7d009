"""How the player is doing, and why: the score and its parts, the situation, the ranking.

A quarter's score is a flow; the game's result, and the ranking, is the total of the
quarterly scores so far (its points over the game, ``model/game/totals.py``).

The score's parts are the columns ``score_consumers``, ``score_producers``,
``score_transfers``, ``score_downstream`` and ``score_objectives`` of the countries table
(they sum to ``score``; 0 = the no-action path). A table without them still shows the
score, and explains its moves with the plain measures it has (shortage, import bill,
export revenue, tariff revenue). Pure pandas here, Solara in the components at the end.
"""

from html import escape

import numpy as np
import pandas as pd
import solara

from model.engine.economy import growth_factor
from model.engine.metrics import exposure, supply_of
from model.game import totals
from model.text import t
from ui import words
from ui.charts import line_chart, table_html

PARTS = (
    "score_consumers",
    "score_producers",
    "score_transfers",
    "score_downstream",
    "score_objectives",
)
# What explains a move when the parts are not recorded: (column, kind of number)
PLAIN = (
    ("shortage_share", "share"),
    ("import_bill", "money"),
    ("export_revenue", "money"),
    ("tariff_revenue", "money"),
)
DRIVERS = 3  # reasons given for a move of the score
MIN_PEERS = 3  # fewer economies of your kind: the ranking shows everyone
SHOWN_MEASURES = 8
SHOWN_STOCKS = 6
SHOWN_DEPENDENCIES = 3


def parts(frame: pd.DataFrame) -> list[str]:
    """The score's parts this table records (none before the score's rebuild)."""
    return [name for name in PARTS if name in frame.columns]


def history(tables: dict, code: str) -> pd.DataFrame:
    """The player's score and its parts by step."""
    frame = tables["countries"]
    mine = frame[frame["country"] == code].set_index("step")
    return mine[["score", *parts(frame)]]


def why(tables: dict, code: str) -> list[str]:
    """The two or three biggest reasons the score moved in the last quarter, in words."""
    frame = tables["countries"]
    mine = frame[frame["country"] == code].sort_values("step")
    found = parts(frame)
    if mine.empty or (len(mine) < 2 and not found):
        return []
    now = mine.iloc[-1]
    # The rebuilt score is 0 on the no-action path, so the first quarter moves from 0.
    before = mine.iloc[-2] if len(mine) > 1 else pd.Series(0.0, index=mine.columns)
    if found:
        moves = [(name, float(now[name] - before[name])) for name in found]
        moves = [m for m in moves if abs(m[1]) >= 0.05]
        moves.sort(key=lambda m: -abs(m[1]))
        return [
            t(f"game.why_{name}_{'up' if delta > 0 else 'down'}", points=words.signed(delta))
            for name, delta in moves[:DRIVERS]
        ]
    lines = []
    scored = []
    for name, kind in PLAIN:
        if name not in frame.columns:
            continue
        delta = float(now[name] - before[name])
        size = abs(delta) * 100 if kind == "share" else abs(delta) / max(abs(before[name]), 1.0)
        if (kind == "share" and abs(delta) >= 0.001) or (kind == "money" and size >= 0.01):
            scored.append((size, name, kind, delta))
    for _, name, kind, delta in sorted(scored, reverse=True)[:DRIVERS]:
        value = f"{abs(delta) * 100:.1f}" if kind == "share" else words.money(abs(delta))
        lines.append(t(f"game.plain_{name}_{'up' if delta > 0 else 'down'}", value=value))
    return lines


def measures_in_force(world, code: str) -> tuple[list[str], list[str]]:
    """(your measures, measures aimed at you) in force now, in words, biggest first.

    Only the (good, partner) pairs with a measure are put in words (numpy finds them): a
    Step redraws this, and naming every pair of a 59-economy world took most of its time.
    """
    data, state = world.data, world.state
    i = data.country(code)
    tariff, level = state.effective_tariff(), state.export_level
    others = np.arange(len(data.codes)) != i
    # (size for sorting, key, value, good, partner) per kind: g × partner arrays
    kinds = (
        ("yours", "game.your_tariff", "rate", tariff[:, i, :], tariff[:, i, :] > 0),
        ("yours", "game.your_control", "level", level[:, :, i], level[:, :, i] < 1),
        ("at_you", "game.tariff_on_you", "rate", tariff[:, :, i], tariff[:, :, i] > 0),
        ("at_you", "game.control_on_you", "level", level[:, i, :], level[:, i, :] < 1),
    )
    found: dict[str, list] = {"yours": [], "at_you": []}
    for side, key, field, values, in_force in kinds:
        for g, j in zip(*np.nonzero(in_force & others[None, :]), strict=True):
            value = float(values[g, j])
            size = value if field == "rate" else 2 - value
            partner = words.name(data, data.codes[j])
            good = words.good(*data.goods[g])
            found[side].append((size, t(key, good=good, partner=partner, **{field: value})))
    yours, at_you = found["yours"], found["at_you"]

    def top(items):
        items.sort(key=lambda item: -item[0])
        shown = [text for _, text in items[:SHOWN_MEASURES]]
        if len(items) > SHOWN_MEASURES:
            shown.append(t("game.and_more", count=len(items) - SHOWN_MEASURES))
        return shown

    return top(yours), top(at_you)


def stocks(world, tables: dict, code: str) -> pd.DataFrame:
    """The goods the player holds in stock, or held at the end of an earlier quarter (a
    stock run down to 0 t stays listed, at 0 days): tonnes and days of cover at normal use.

    Normal use is the base year's (final users' and processors' alike: magnet makers use
    most refined rare earths; recycled feed included), grown to this quarter as demand
    grows; not last quarter's use, which a shortage cuts: 11 t of heavy rare earths read
    384 days under China's cap.
    Read from the World (numpy), not the tables: a Step redraws it fast.
    """
    data = world.data
    i = data.country(code)
    days_per_step = 365.0 / data.steps_per_year
    held = world.state.stock[i]
    listed = (held > 0) | world.recorder.ever_held(i)
    use = data.demand0[i] * growth_factor(data, world.steps)  # recycled feed included
    rows = []
    for g, (mineral, stage) in enumerate(data.goods):
        if not listed[g]:
            continue
        lasting = np.inf if held[g] > 0 else 0.0  # nothing used: forever, unless none held
        days = held[g] / use[g] * days_per_step if use[g] > 0 else lasting
        rows.append({"good": words.good(mineral, stage), "tonnes": held[g], "days": days})
    frame = pd.DataFrame(rows, columns=["good", "tonnes", "days"])
    return frame.sort_values("days").head(SHOWN_STOCKS).reset_index(drop=True)


def dependencies(world, tables: dict, code: str) -> list[str]:
    """The goods where the player's biggest foreign supplier holds most at stake (its
    share × what a missing tonne stops: metrics.exposure), with that supplier's share of
    the player's supply in the World's last clearing.

    What is at stake, and who holds it, are read from normal supply (the base year's
    flows): read from the last clearing, a good cut off entirely would leave the list the
    quarter it bites, and one cut to a trickle would name whoever still sells it."""
    data = world.data
    if world.outcome is None:
        return []
    i = data.country(code)
    top, stake = exposure(data, supply_of(data, world.calibration.flows, i), i)
    supply = world.outcome.flows[:, i, :]  # (G, J) tonnes bought by the player
    bought = supply.sum(axis=1)
    lines = []
    for g in np.argsort(-stake)[:SHOWN_DEPENDENCIES]:
        if stake[g] <= 0:
            continue
        j = int(top[g])
        lines.append(
            t(
                "game.dependency",
                good=words.good(*data.goods[g]),
                share=supply[g, j] / bought[g] if bought[g] > 0 else 0.0,
                partner=words.name(data, data.codes[j]),
            )
        )
    return lines


def peers(world, code: str) -> list[str]:
    """Economies of the player's kind (importers, producers); everyone when too few."""
    data = world.data
    role = data.roles[data.country(code)]
    same = [c for c, r in zip(data.codes, data.roles, strict=True) if r == role and c != "ROW"]
    return same if len(same) >= MIN_PEERS else [c for c in data.codes if c != "ROW"]


def ranking(world, tables: dict, code: str) -> pd.DataFrame:
    """The player's peers, best first by their points over the game so far (the total of
    their quarterly scores), with ranks, names and this quarter's score."""
    frame = tables["countries"]
    now = frame[frame["step"] == frame["step"].max()]
    chosen = now[now["country"].isin(peers(world, code))]
    chosen = chosen.assign(points=chosen["country"].map(totals.points(frame)))
    chosen = chosen.sort_values("points", ascending=False, kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "rank": range(1, len(chosen) + 1),
            "name": [words.name(world.data, c) for c in chosen["country"]],
            "country": chosen["country"].to_numpy(),
            "points": chosen["points"].to_numpy(),
            "score": chosen["score"].to_numpy(),
        }
    )


# --- components --------------------------------------------------------------------------
def html(markup: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=markup)


def title(text: str, top: int = 18) -> None:
    """A bold line over a list (``top``: space above, px). Plain HTML: a Markdown widget
    is replaced, and its Vue template compiled again in the browser, when its words change.
    """
    style = f"font-weight:700;color:rgba(0,0,0,.87);margin:{top}px 0 7px"  # as Markdown's
    solara.HTML(tag="p", unsafe_innerHTML=escape(text), style=style)


def _line(text: str) -> None:
    solara.Text(text, style={"display": "block"})


def bullets(lines: list[str]) -> None:
    """A list of lines as one block of HTML (one widget, fast to redraw)."""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    html(f'<ul style="margin:0 0 8px 0;padding-left:1.2em">{items}</ul>')


@solara.component
def ScorePanel(world, tables: dict, code: str):
    """Your score now, its move since last quarter, why, its parts and its history."""
    mine = history(tables, code)
    with solara.Card(t("game.score_title")):
        if mine.empty:
            solara.Text(t("game.score_none"))
            return
        score = float(mine["score"].iloc[-1])
        before = float(mine["score"].iloc[-2]) if len(mine) > 1 else 0.0  # 0: nobody acted yet
        move = score - before
        solara.HTML(
            tag="p",
            unsafe_innerHTML=(
                f'<span style="font-size:2em;font-weight:bold">{words.points(score)}</span> '
                f"{t('game.score_move', move=words.signed(move))}"
            ),
        )
        if parts(mine):  # the rebuilt score: 0 is the no-action path
            solara.Text(t("game.score_meaning"), style={"display": "block"})
        total = words.points(float(mine["score"].sum()))
        solara.Text(t("game.points_so_far", points=total), style={"display": "block"})
        reasons = why(tables, code)
        if reasons:
            title(t("game.why_title"))
            bullets(reasons)
        found = [name for name in PARTS if name in mine.columns]
        if found:
            last = mine.iloc[-1]
            frame = pd.DataFrame(
                {"part": [t(f"game.part_{n}") for n in found], "value": [last[n] for n in found]}
            )
            columns = [
                ("part", t("game.col_part"), t("game.help_part"), "{}"),
                ("value", t("game.col_points"), t("game.help_points"), "{:+.1f}"),
            ]
            html(table_html(frame, columns, t("game.parts_table")))
        if len(mine) > 1:
            chart = mine.rename(columns={"score": t("game.score_series")})
            chart = chart.rename(columns={n: t(f"game.part_{n}") for n in found})
            html(
                line_chart(chart, t("game.score_chart"), t("ui.chart_quarter"), world.quarter_label)
            )


@solara.component
def Situation(world, tables: dict, code: str, budget_usd: float, version: int = 0):
    """Your situation at a glance: measures in force, stocks, budget, dependencies."""
    yours, at_you = measures_in_force(world, code)
    with solara.Card(t("game.situation_title")):
        title(t("game.budget_left", usd=words.money(budget_usd)), top=10)
        title(t("game.measures_at_you"))
        bullets(at_you or [t("game.none")])
        title(t("game.measures_yours"))
        bullets(yours or [t("game.none")])
        title(t("game.dependencies_title"))
        bullets(dependencies(world, tables, code) or [t("game.no_dependencies")])
        title(t("game.stocks_title"))
        held = stocks(world, tables, code)
        if held.empty:
            solara.Text(t("game.no_stocks"))
        else:
            held = held.assign(
                days=held["days"].map(
                    lambda d: t("game.days_forever") if not np.isfinite(d) else f"{d:,.0f}"
                )
            )
            columns = [
                ("good", t("game.col_good"), t("game.help_good"), "{}"),
                ("tonnes", t("game.col_stock"), t("game.help_stock"), "{:,.0f}"),
                ("days", t("game.col_cover"), t("game.help_cover"), "{}"),
            ]
            html(table_html(held, columns, t("game.stocks_title")))


@solara.component
def Ranking(world, tables: dict, code: str):
    """Where you stand among economies of your kind; your row is highlighted."""
    with solara.Card(t("game.ranking_title")):
        if tables["countries"].empty:
            solara.Text(t("ui.no_scores"))
            return
        role = world.data.roles[world.data.country(code)]
        board = ranking(world, tables, code)
        everyone = len(board) >= len(world.data.codes) - 1
        solara.Text(t("game.ranking_all") if everyone else t(f"game.ranking_{role}"))
        solara.Text(t("game.ranking_by"), style={"display": "block"})
        columns = [
            ("rank", t("ui.col_rank"), t("ui.help_rank"), "{}"),
            ("name", t("game.col_economy"), t("game.help_economy"), "{}"),
            ("points", t("ui.col_points"), t("ui.help_points"), "{:.1f}"),
            ("score", t("ui.col_score"), t("ui.help_score"), "{:.1f}"),
        ]
        html(table_html(board, columns, t("game.ranking_title"), highlight=("country", code)))
