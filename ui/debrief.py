"""The end of the game: your score against your no-action path, the prices that mattered,
your key moves first, what really happened, and your rank among your peers."""

import pandas as pd
import solara

from model.game.debrief import key_moves
from model.text import t
from ui import progress, start, views, words
from ui.a11y import Disclosure
from ui.charts import line_chart, table_html
from ui.deals import LastOffers
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
    """(your key moves, the others' key moves)."""
    moves = key_moves(tables)
    mine = moves["actor"] == code
    return moves[mine], moves[~mine]


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
        spec = world.spec
        notes = [(event.step, event.note) for event in spec.events if event.note]
        if not notes:
            solara.Text(t("game.debrief_history_none"))
        for step, note in notes:
            solara.Text(
                t("ui.news_line", date=start.quarter(spec.header.start, step), detail=note),
                style={"display": "block"},
            )
