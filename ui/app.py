"""The browser game: pick a scenario and a country, then play it quarter by quarter.

Served by ``minerals ui`` (``solara run ui/app.py``). Solara runs this file once per
server process, so nothing here holds a game: each browser session makes its own
``Game`` in ``Page``'s state. The page renders the game and submits actions through the
player's seat (agents/seat.py), the same action contract every controller uses.
"""

import threading
from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara

from model.text import country_name, t
from ui import views
from ui.charts import table_html
from ui.game import WATCH, Game, countries_of, parse_seed, scenario, scenario_choices
from ui.language import LanguageSwitch
from ui.panels import (
    MAX_NEWS,
    DecisionPanel,
    Inbox,
    NewsFeed,
    Scoreboard,
    Views,
    column,
    html,
    line,
    score_columns,
)


@solara.component
def Page():
    game, set_game = solara.use_state(None)  # one Game per browser session, never shared
    version, set_version = solara.use_state(0)

    def changed():
        set_version(lambda v: v + 1)

    solara.Title(t("ui.title"))
    LanguageSwitch()
    with solara.Column(style={"max-width": "1200px", "margin": "0 auto", "padding": "12px"}):
        solara.Markdown(f"# {t('ui.title')}")
        if game is None:
            StartScreen(on_start=set_game)
        else:
            GameView(game, changed, on_new=lambda: set_game(None), version=version)


@solara.component
def StartScreen(on_start: Callable[[Game], None]):
    names = [name for name, _ in scenario_choices()]
    first = "baseline" if "baseline" in names else names[0]
    name, set_name = solara.use_state(first)
    choice, set_choice = solara.use_state(t("ui.watch_choice"))
    seed_text, set_seed_text = solara.use_state("")
    seed_error, set_seed_error = solara.use_state("")

    choices = {t("ui.watch_choice"): WATCH} | {
        t("ui.country_choice", name=full, code=code): code for code, full in countries_of(name)
    }
    if choice not in choices:
        choice = t("ui.watch_choice")
    spec = scenario(name)

    def start():
        seed, error = parse_seed(seed_text)
        if error:
            set_seed_error(error)
            return
        on_start(Game(name, choices[choice], seed))

    with solara.Columns([3, 2]):
        with solara.Column():
            solara.Select(label=t("ui.scenario"), values=names, value=name, on_value=set_name)
            with solara.Card(spec.title):
                solara.Markdown(spec.description or "")
            solara.Select(
                label=t("ui.country"), values=list(choices), value=choice, on_value=set_choice
            )
            solara.InputText(
                label=t("ui.seed"),
                value=seed_text,
                on_value=lambda v: (set_seed_text(v or ""), set_seed_error("")),
                continuous_update=True,
                error=seed_error or False,
                message=None if seed_error else t("ui.seed_hint"),
            )
            solara.Button(t("ui.start"), on_click=start, color="primary")
        with solara.Card(t("ui.how_to_title")):
            solara.Markdown(t("ui.how_to"))


SPEEDS = {"slow": 2.0, "normal": 1.0, "fast": 0.3}  # seconds between steps when playing


@solara.component
def GameView(game: Game, changed: Callable[[], None], on_new: Callable[[], None], version: int = 0):
    # ``version`` changes whenever the game does: components re-render only when an
    # argument changes, and the Game object itself stays the same.
    world = game.world
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("normal")

    def step():
        game.step()
        changed()

    def undo():
        game.undo()
        changed()

    def reset():
        set_playing(False)
        game.reset()
        changed()

    def play_on(cancel: threading.Event):
        """While playing, one step per ``speed``; each step re-runs this (version moved).

        Pause or a change of speed cancels the wait, never a step half played.
        """
        if not playing or cancel.wait(SPEEDS[speed]):
            return
        if game.finished:
            set_playing(False)
            return
        step()

    solara.use_thread(play_on, dependencies=[playing, speed, version], intrusive_cancel=False)

    total = world.spec.steps
    tables = game.tables()
    date_line = t("ui.date_line", date=game.date(), step=min(game.next_step, total), steps=total)
    rv.Html(tag="h2", children=[date_line])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(t("ui.step"), on_click=step, color="primary", disabled=game.finished)
        solara.Button(
            t("ui.pause") if playing else t("ui.play"),
            on_click=lambda: set_playing(not playing),
            disabled=game.finished,
        )
        speeds = {t(f"ui.speed_{name}"): name for name in SPEEDS}
        solara.Select(
            label=t("ui.speed"),
            values=list(speeds),
            value=t(f"ui.speed_{speed}"),
            on_value=lambda label: set_speed(speeds.get(label, "normal")),
            style={"max-width": "12em"},
        )
        solara.Button(t("ui.undo"), on_click=undo, disabled=not game.snapshots)
        solara.Button(t("ui.reset"), on_click=reset)
        solara.Button(t("ui.new_game"), on_click=on_new, text=True)
    if game.finished:
        Debrief(game, version=version)
    with solara.Columns([2, 3]):
        with solara.Column():
            if game.country is None:
                solara.Info(t("ui.watching"))
            else:
                code = game.country
                solara.Text(t("ui.playing_as", name=country_name(code), code=code))
                if not game.finished:
                    DecisionPanel(game, changed, version=version)
                    Inbox(game, changed, version=version)
            Scoreboard(tables, game.country)
        with solara.Column():
            with solara.Card(t("ui.views_title")):
                Views(world, tables, game.country)
            NewsFeed(world, tables)


@solara.component
def Debrief(game: Game, version: int = 0):
    """The end of the game: the ranking, the key moves, and the player against no action."""
    tables = game.tables()
    world = game.world
    without = solara.use_thread(
        lambda: game.without_me() if game.country else None, dependencies=[version]
    )
    with solara.Card(t("ui.debrief_title")):
        solara.Markdown(f"**{t('ui.finished', steps=world.spec.steps)}**")
        solara.Markdown(f"**{t('ui.ranking_title')}**")
        ranking = views.scoreboard(tables)
        columns = score_columns([column("rank")])
        html(table_html(ranking, columns, t("ui.ranking_title"), bold=None))
        if game.country:
            solara.Markdown(f"**{t('ui.comparison_title', code=game.country)}**")
            if without.state == solara.ResultState.FINISHED and without.value is not None:
                frame = views.comparison(tables, without.value, game.country)
                columns = [
                    column("game"),
                    column("score", fmt="{:.1f}"),
                    column("rank"),
                    column("shortage_share", "shortage", fmt="{:.1%}"),
                    ("industry_output", t("ui.col_industry"), t("ui.help_industry_all"), "{:.1%}"),
                    column("gdp_index", "gdp", fmt="{:.3f}"),
                ]
                html(table_html(frame, columns, t("ui.comparison_title", code=game.country)))
            else:
                solara.Text(t("ui.comparison_wait"))
        solara.Markdown(f"**{t('ui.timeline_title')}**")
        moves = views.timeline(tables)
        if moves.empty:
            solara.Text(t("ui.timeline_empty"))
        for row in moves.tail(MAX_NEWS).itertuples():
            line(t("ui.news_line", date=world.quarter_label(row.step), detail=row.detail))
