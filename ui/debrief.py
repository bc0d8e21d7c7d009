"""The end of the game: your score against your no-action path, the prices that mattered,
your key moves first, what really happened, and your rank among your peers by points over
the game (the total of the quarterly scores)."""

import pandas as pd
import solara

from model.game.debrief import key_moves
from model.text import listed_name, t
from ui import progress, views, words
from ui.a11y import Disclosure
from ui.charts import line_chart, table_html
from ui.deals import LastOffers
from ui.news import advised_move
from ui.panels import column, score_columns

PRICES_SHOWN = 2  # goods whose price chart the debrief draws
MOVES_SHOWN = 30


def score_paths(played: dict, without: dict | None, code: str) -> pd.DataFrame:
    """The player's score by step, as played and (when known) without their actions."""

    def path(tables):
        frame = tables["countries"]
        return frame[frame["country"] == code].set_index("step")["score"]

    series = {t("game.debrief_played"): path(played)}
    if without is not None:
        series[t("game.debrief_without")] = path(without)
    return pd.DataFrame(series)


def prices_that_mattered(tables: dict, code: str, n: int = PRICES_SHOWN) -> list[tuple]:
    """The goods whose delivered price to the player rose most (first to last quarter)."""
    prices = tables["prices"]
    mine = prices[prices["country"] == code]
    if mine["step"].nunique() < 2:
        return []
    first = mine[mine["step"] == mine["step"].min()].set_index(["mineral", "stage"])["price"]
    last = mine[mine["step"] == mine["step"].max()].set_index(["mineral", "stage"])["price"]
    change = (last / first.where(first > 0)).dropna().sort_values(ascending=False)
    return list(change.index[:n])


def your_moves(tables: dict, code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(your key moves, the others' key moves). Yours are the moves you made and the deals
    you made: an accepted deal's news names whoever accepted it, so an offer of yours that
    was accepted is yours by its target."""
    moves = key_moves(tables)
    with_you = moves["target"].astype(str).str.split(",").map(lambda names: code in names)
    mine = (moves["actor"] == code) | ((moves["action"] == "accepted") & with_you)
    return moves[mine], moves[~mine]


def what_really_happened(world, tables: dict, code: str | None) -> list[tuple[int, str]]:
    """The scenario's history as the game told it, (step, sentence) by quarter: the moves
    its script played (their news, the source's note included), and your own government's,
    which the news gave you as advice a quarter ahead instead of playing them."""
    events = tables["events"]
    scripted = events[events["decided_by"] == "script"]
    told = []
    for row in scripted.itertuples():
        if row.action != "history":
            told.append((int(row.step), str(row.detail)))
        elif row.actor == code:
            told.append((int(row.step) + 1, advised_move(world, int(row.step) + 1, row.detail)))
    return sorted(told, key=lambda item: item[0])


@solara.component
def Debrief(game, version: int = 0):
    tables = game.tables()
    world = game.world
    code = game.country
    without = solara.use_thread(lambda: game.without_me() if code else None, dependencies=[version])
    done = without.state == solara.ResultState.FINISHED and without.value is not None
    with solara.Card(t("ui.debrief_title")):
        solara.Markdown(f"**{t('ui.finished', steps=world.spec.steps)}**")
        if code is None:
            solara.Markdown(f"**{t('ui.ranking_title')}**")
            columns = score_columns([column("rank")])
            solara.HTML(
                tag="div",
                unsafe_innerHTML=table_html(
                    views.with_names(views.scoreboard(tables), "country"),
                    columns,
                    t("ui.ranking_title"),
                ),
            )
        else:
            board = progress.ranking(world, tables, code)
            rank = int(board.index[board["country"] == code][0]) + 1
            role = world.data.roles[world.data.country(code)]
            who = (
                t(f"game.debrief_peers_{role}")
                if len(board) < len(world.data.codes) - 1
                else t("game.debrief_peers_hegemon")
            )
            solara.Markdown(f"**{t('ui.ranking_title')}**")
            solara.Markdown(t("game.debrief_rank", rank=rank, count=len(board), who=who))
            columns = [
                ("rank", t("ui.col_rank"), t("ui.help_rank"), "{}"),
                ("name", t("game.col_economy"), t("game.help_economy"), "{}"),
                ("points", t("ui.col_points"), t("ui.help_points"), "{:.1f}"),
                ("score", t("ui.col_score"), t("ui.help_score"), "{:.1f}"),
            ]
            solara.HTML(
                tag="div",
                unsafe_innerHTML=table_html(
                    board, columns, t("ui.ranking_title"), highlight=("country", code)
                ),
            )
            solara.Markdown(f"**{t('game.debrief_score_chart')}**")
            paths = score_paths(tables, without.value if done else None, code)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=line_chart(
                    paths, t("game.debrief_score_chart"), t("ui.chart_quarter"), world.quarter_label
                ),
            )
            solara.Markdown(f"**{t('ui.comparison_title', code=words.name(world.data, code))}**")
            if done:
                frame = views.comparison(tables, without.value, code)
                columns = [
                    column("game"),
                    column("points", fmt="{:.1f}"),
                    column("score", fmt="{:.1f}"),
                    ("rank", t("ui.col_rank_all"), t("ui.help_rank_all"), "{}"),
                    column("shortage_share", "shortage", fmt="{:.1%}"),
                    ("industry_output", t("ui.col_industry"), t("ui.help_industry_all"), "{:.1%}"),
                    column("gdp_index", "gdp", fmt="{:.3f}"),
                ]
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=table_html(
                        frame, columns, t("ui.comparison_title", code=words.name(world.data, code))
                    ),
                )
            else:
                solara.Text(t("ui.comparison_wait"))
            goods = prices_that_mattered(tables, code)
            if goods:
                solara.Markdown(f"**{t('game.debrief_prices')}**")
                for mineral, stage in goods:
                    shown = progress.peers(world, code)[:0] or [code, "CHN", "USA", "EU"]
                    shown = [c for c in dict.fromkeys(shown) if c in world.data.codes]
                    frame = views.prices(tables, mineral, stage, shown)
                    frame = frame.rename(columns=listed_name)  # a legend of names, not codes
                    label = t("game.debrief_prices_chart", good=words.good(mineral, stage))
                    solara.Text(label, style={"display": "block"})
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=line_chart(
                            frame, label, t("ui.chart_quarter"), world.quarter_label
                        ),
                    )
            LastOffers(game)
            mine, others = your_moves(tables, code)
            solara.Markdown(f"**{t('game.debrief_your_moves')}**")
            if mine.empty:
                solara.Text(t("game.debrief_no_moves"))
            for row in mine.head(MOVES_SHOWN).itertuples():
                solara.Text(
                    t("ui.news_line", date=world.quarter_label(row.step), detail=row.detail),
                    style={"display": "block"},
                )
            with Disclosure(t("game.debrief_others")):
                for row in others.tail(MOVES_SHOWN).itertuples():
                    solara.Text(
                        t("ui.news_line", date=world.quarter_label(row.step), detail=row.detail),
                        style={"display": "block"},
                    )
        solara.Markdown(f"**{t('game.debrief_history')}**")
        told = what_really_happened(world, tables, code)
        if not told:
            solara.Text(t("game.debrief_history_none"))
        for step, sentence in told:
            solara.Text(
                t("ui.news_line", date=world.quarter_label(step), detail=sentence),
                style={"display": "block"},
            )
