"""The browser game: pick a scenario and a country, then play it quarter by quarter.

Served by ``minerals ui`` (``solara run ui/app.py``). Solara runs this file once per
server process, so nothing here holds a game: each browser session makes its own
``Game`` in ``Page``'s state. The page renders the game and submits actions through the
player's seat (ui/seat.py), the same action contract every controller uses.
"""

from collections.abc import Callable
from html import escape

import reacton.ipyvuetify as rv
import solara

from agents.actions import ALL
from model.text import t
from ui.charts import line_chart
from ui.game import (
    WATCH,
    Game,
    TariffForm,
    countries_of,
    parse_seed,
    scenario,
    scenario_choices,
)

MAJOR_ECONOMIES = ["USA", "CHN", "EU", "JPN", "IND"]  # drawn in the price chart with yours
MAX_NEWS = 60  # lines in the news feed


@solara.component
def Page():
    game, set_game = solara.use_state(None)  # one Game per browser session, never shared
    version, set_version = solara.use_state(0)

    def changed():
        set_version(lambda v: v + 1)

    solara.Title(t("ui.title"))
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


@solara.component
def GameView(game: Game, changed: Callable[[], None], on_new: Callable[[], None], version: int = 0):
    # ``version`` changes whenever the game does: components re-render only when an
    # argument changes, and the Game object itself stays the same.
    world = game.world

    def step():
        game.step()
        changed()

    def undo():
        game.undo()
        changed()

    def reset():
        game.reset()
        changed()

    total = world.spec.steps
    if game.finished:
        solara.Markdown(f"**{t('ui.finished', steps=total)}**")
    date_line = t("ui.date_line", date=game.date(), step=min(game.next_step, total), steps=total)
    rv.Html(tag="h2", children=[date_line])
    with solara.Row():
        solara.Button(t("ui.step"), on_click=step, color="primary", disabled=game.finished)
        solara.Button(t("ui.undo"), on_click=undo, disabled=not game.snapshots)
        solara.Button(t("ui.reset"), on_click=reset)
        solara.Button(t("ui.new_game"), on_click=on_new, text=True)
    with solara.Columns([2, 3]):
        with solara.Column():
            if game.country is None:
                solara.Info(t("ui.watching"))
            else:
                code = game.country
                solara.Text(
                    t("ui.playing_as", name=world.data.names[world.data.country(code)], code=code)
                )
                DecisionPanel(game, changed, version=version)
            Scoreboard(game, version=version)
        with solara.Column():
            PriceChart(game, version=version)
            NewsFeed(game, version=version)


@solara.component
def DecisionPanel(game: Game, changed: Callable[[], None], version: int = 0):
    data = game.world.data
    partners = [ALL] + [c for c in data.codes if c != game.country]
    default_partner = "CHN" if "CHN" in partners else partners[0]
    partner, set_partner = solara.use_state(default_partner)
    mineral, set_mineral = solara.use_state(data.minerals[0])
    stage, set_stage = solara.use_state(data.stages[0])
    rate, set_rate = solara.use_state("")
    errors, set_errors = solara.use_state({})

    def edit(setter, field):
        def on_value(value):
            setter(value if value is not None else "")
            if field in errors:
                set_errors({k: v for k, v in errors.items() if k != field})

        return on_value

    def queue():
        problems = game.queue_tariff(TariffForm(partner, mineral, stage, rate))
        set_errors(problems)
        if not problems:
            set_rate("")
        changed()

    def clear():
        game.seat.clear()
        changed()

    with solara.Card(t("ui.decisions_title", date=game.date())):
        solara.Markdown(f"**{t('ui.tariff_title')}**")
        solara.Select(
            label=t("ui.partner"),
            values=partners,
            value=partner,
            on_value=edit(set_partner, "partner"),
        )
        _field_error(errors.get("partner"))
        solara.Select(
            label=t("ui.mineral"),
            values=[*data.minerals, ALL],
            value=mineral,
            on_value=edit(set_mineral, "mineral"),
        )
        _field_error(errors.get("mineral"))
        solara.Select(
            label=t("ui.stage"),
            values=[*data.stages, ALL],
            value=stage,
            on_value=edit(set_stage, "stage"),
        )
        _field_error(errors.get("stage"))
        solara.InputText(
            label=t("ui.rate"),
            value=rate,
            on_value=edit(set_rate, "rate"),
            continuous_update=True,
            error=errors.get("rate") or False,
        )
        solara.Button(t("ui.queue_tariff"), on_click=queue, color="primary")
        solara.Markdown(f"**{t('ui.queued_title')}**")
        if not game.seat.queue:
            solara.Text(t("ui.queued_none"))
        for action in game.seat.queue:
            solara.Text(
                t(
                    "ui.queued_tariff",
                    rate=f"{action.rate:.0%}",
                    mineral=action.mineral,
                    stage=action.stage,
                    partner=",".join(action.targets),
                )
            )
        if game.seat.queue:
            solara.Button(t("ui.clear_queue"), on_click=clear, text=True)


def _field_error(message: str | None):
    """A refusal under a select (text fields show theirs inside the field)."""
    if message:
        solara.Error(message, dense=True, text=True, outlined=False)


@solara.component
def PriceChart(game: Game, version: int = 0):
    data = game.world.data
    mineral, set_mineral = solara.use_state(data.minerals[0])
    stage, set_stage = solara.use_state(data.stages[0])
    shown = list(dict.fromkeys(c for c in [game.country, *MAJOR_ECONOMIES] if c in data.codes))
    with solara.Card(t("ui.prices_title")):
        with solara.Row():
            solara.Select(
                label=t("ui.chart_mineral"),
                values=data.minerals,
                value=mineral,
                on_value=set_mineral,
            )
            solara.Select(
                label=t("ui.chart_stage"), values=data.stages, value=stage, on_value=set_stage
            )
        if (mineral, stage) not in data.goods:
            solara.Text(t("ui.no_good", mineral=mineral, stage=stage))
            return
        prices = game.prices(mineral, stage, shown)
        if prices.empty:
            solara.Text(t("ui.no_prices"))
            return
        solara.Text(t("ui.prices_caption", mineral=mineral, stage=stage))
        solara.HTML(
            tag="div",
            unsafe_innerHTML=line_chart(prices, t("ui.chart_label", mineral=mineral, stage=stage)),
        )


@solara.component
def NewsFeed(game: Game, version: int = 0):
    news = game.news()
    with solara.Card(t("ui.news_title")):
        if news.empty:
            solara.Text(t("ui.no_news", steps=4))
        for row in news.head(MAX_NEWS).itertuples():
            solara.Text(
                t("ui.news_line", date=game.world.quarter_label(row.step), detail=row.detail)
            )


@solara.component
def Scoreboard(game: Game, version: int = 0):
    board = game.scoreboard()
    with solara.Card(t("ui.scoreboard_title")):
        if board.empty:
            solara.Text(t("ui.no_scores"))
            return
        head = (
            f"<th>{escape(t('ui.col_country'))}</th>"
            f'<th title="{escape(t("ui.help_score"))}">{escape(t("ui.col_score"))}</th>'
            f'<th title="{escape(t("ui.help_shortage"))}">{escape(t("ui.col_shortage"))}</th>'
        )
        rows = "".join(
            f"<tr{' style="font-weight:bold"' if row.country == game.country else ''}>"
            f"<td>{escape(row.country)}</td><td>{row.score:.1f}</td>"
            f"<td>{row.shortage_share:.1%}</td></tr>"
            for row in board.itertuples()
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<table style="border-collapse:collapse;width:100%">'
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            ),
        )
