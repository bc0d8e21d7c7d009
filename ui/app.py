"""The browser game: pick a scenario and a country, then play it quarter by quarter.

Served by ``minerals ui`` (``solara run ui/app.py``). Solara runs this file once per
server process, so nothing here holds a game: each browser session makes its own
``Game`` in ``Page``'s state, saved on the server under the id in the page's address
(``?game=<id>``, ui/saves.py) so that a reload continues it, and the start page offers
under "Continue" the games this browser started (its key in ``localStorage``,
ui/player.py). The page renders the game and submits actions through the player's seat
(agents/seat.py), the same action contract every controller uses.
"""

import threading
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs

import reacton.ipyvuetify as rv
import solara
import solara.lab

from model.text import t
from ui import debrief, saves, server, start, views, words
from ui.a11y import Disclosure, PageRepairs, ScrollTo
from ui.charts import STACK_CSS
from ui.deals import DealsWithReasons
from ui.game import WATCH, Game, countries_of, parse_seed, scenario, scenario_choices
from ui.language import LanguageSwitch
from ui.map import WorldMap, scenario_mineral
from ui.news import NewsFeed
from ui.panels import DecisionPanel, Inbox, Scoreboard, Views
from ui.player import PlayerKey
from ui.progress import Ranking, ScorePanel, Situation

# Visible focus for every control, a page that fits a phone, and no footer over content.
# A select's focus goes round the whole select: drawn on its inner input (a small box after
# the chosen words) it sat over the select as a dark box (walk 31, after a language switch).
# Solara's busy bar (shown while a Step is computed) moves by transform, which the
# compositor animates, not by left/right, which re-laid and repainted the page 60 times a
# second (washington_coalition: ≈ 90 frames, most of the browser's CPU, per Step).
STYLE = """
.v-application a:focus-visible, .v-application button:focus-visible,
.v-application [role=button]:focus-visible, .v-application input:focus-visible,
.v-application [tabindex]:focus-visible, .v-application summary:focus-visible {
  outline: 3px solid #1a4fa0 !important; outline-offset: 2px; }
.v-application .v-select input:focus-visible { outline: none !important; }
.v-application .v-select .v-input__slot:has(input:focus-visible) {
  outline: 3px solid #1a4fa0; outline-offset: 0; }
.minerals-page { max-width: 1280px; margin: 0 auto; padding: 8px; }
.minerals-page table { font-size: 14px; }
.minerals-page table:not([aria-label]) { display: block; overflow-x: auto; max-width: 100%; }
.minerals-page .v-card { overflow-x: auto; }
.minerals-page .v-card__title { word-break: normal; overflow-wrap: anywhere; }
.minerals-page .v-btn { max-width: 100%; height: auto !important; min-height: 36px;
  padding-top: 6px !important; padding-bottom: 6px !important; }
.minerals-page .v-btn__content { white-space: normal; flex-shrink: 1; text-align: left; }
.minerals-hint { background: #e8f0fe; border-left: 4px solid #1a4fa0; padding: 8px 12px;
  color: #111; margin: 6px 0; }
.minerals-alert { background: #fff1a8; border-left: 4px solid #8a6d00; padding: 8px 12px;
  color: #111; margin: 6px 0; font-weight: bold; }
.v-application .v-footer, .solara-footer, footer { position: static !important; }
@media (max-width: 600px) { .minerals-page h1 { font-size: 1.5em; } }
.v-progress-linear__indeterminate .long, .v-progress-linear__indeterminate .short {
  left: 0 !important; right: auto !important; width: 40%; will-change: transform; }
.v-progress-linear__indeterminate--active .long {
  animation: minerals-busy 2.2s linear infinite !important; }
.v-progress-linear__indeterminate--active .short {
  animation: minerals-busy 2.2s linear 1.1s infinite !important; }
@keyframes minerals-busy {
  from { transform: translateX(-100%); } to { transform: translateX(250%); } }
"""


# The game New game left, per browser session: the address may still carry its id, and a
# page redrawn from that address must not take it up again.
LEFT = solara.reactive(None)


def alert(text: str):
    """A line that must not be missed (yellow, announced to screen readers)."""
    markup = f'<div class="minerals-alert" role="status">{escape(text)}</div>'
    return solara.HTML(tag="div", unsafe_innerHTML=markup)


def game_id_of(search: str | None) -> str | None:
    """The ``game`` parameter of the page's query string."""
    found = parse_qs((search or "").lstrip("?")).get("game", [""])[0]
    return found or None


server.harden()


@solara.component
def Page():
    router = solara.use_router()
    wanted = game_id_of(router.search)
    game, set_game = solara.use_state(None)  # one Game per browser session, never shared
    version, set_version = solara.use_state(0)
    missing, set_missing = solara.use_state(None)
    owner, set_owner = solara.use_state(None)  # this browser's key, once it has sent it
    left = LEFT.value

    def changed():
        set_version(lambda v: v + 1)

    def open_game(new: Game | None):
        if new is None:  # first, or the redraw that follows takes the game up again
            LEFT.set(game.game_id if game else None)  # the address may still name it
            router.push(router.path or "/")  # and a reload would bring it back
        set_game(new)
        if new is not None:
            new.save()
            router.push(f"{router.path or '/'}?game={new.game_id}")

    if wanted and (game is None or game.game_id != wanted) and wanted not in (missing, left):
        found = Game.resume(wanted)
        if found is None:
            set_missing(wanted)
        else:
            set_game(found)
            game = found

    def adopt():  # a game started before the key arrived is this browser's all the same
        if game is not None and owner:
            game.adopt(owner)

    solara.use_effect(adopt, [game, owner])
    solara.Title(t("ui.title"))
    solara.Style(STYLE + STACK_CSS)
    PageRepairs()
    PlayerKey(owner, set_owner)
    LanguageSwitch()
    with solara.Column(classes=["minerals-page"]):
        rv.Html(tag="h1", children=[t("ui.title")])
        if game is None:
            if missing:
                solara.Warning(t("game.not_found", id=missing))
            StartScreen(on_start=open_game, owner=owner)
        else:
            GameView(game, changed, on_new=lambda: open_game(None), version=version)


CHOSEN_CARD = "minerals-chosen-card"  # the scenario card chosen, brought into sight
CHOOSING = "minerals-choosing"  # the scenario and the country pickers side by side


@solara.component
def ScenarioCard(name: str, chosen: bool, on_choose: Callable[[str], None]):
    """One scenario: its story, the real events it replays, its length and who reacts."""
    facts = start.facts(name)
    style = {"border": "3px solid #1a4fa0"} if chosen else {"border": "1px solid #bbb"}
    classes = [CHOSEN_CARD] if chosen else []
    with solara.Card(facts["title"], style={**style, "margin": "6px 0"}, classes=classes):
        solara.Text(facts["story"], style={"display": "block"})
        solara.Markdown(
            f"{t('game.card_length', length=facts['length'])}  \n"
            f"{t('game.card_players', players=facts['players'])}"
        )
        if facts["reacts"]:
            solara.Text(t("game.card_reacts"), style={"display": "block"})
        else:
            alert(t("game.card_passive"))
        if facts["scripted"]:
            solara.Text(
                t("game.card_scripted", names=", ".join(facts["scripted"])),
                style={"display": "block"},
            )
        if facts["coalitions"]:
            solara.Text(
                t("game.card_coalition", names=", ".join(facts["coalitions"])),
                style={"display": "block"},
            )
        if scenario(name).header.found_coalitions:
            solara.Text(t("founding.card_open"), style={"display": "block"})
        if facts["replays"]:
            with Disclosure(f"{t('game.card_replays')} ({len(facts['replays'])})"):
                for line in facts["replays"][: start.REPLAYS_SHOWN * 4]:
                    solara.Text(line, style={"display": "block"})
        else:
            solara.Text(t("game.card_no_replays"), style={"display": "block"})
        with Disclosure(t("game.card_sources")):
            solara.Markdown(scenario(name).description or "")
        solara.Button(
            t("game.chosen") if chosen else t("game.choose_this", title=facts["title"]),
            on_click=lambda: on_choose(name),
            color="primary" if chosen else None,
            outlined=not chosen,
            disabled=chosen,
        )


@solara.component
def StartScreen(on_start: Callable[[Game], None], owner: str | None = None):
    """Continue one of this browser's games (``owner``: its key, None until it has come),
    the tutorial, or a new game of a chosen scenario and country."""
    names = [name for name, _ in scenario_choices()]
    first = "baseline" if "baseline" in names else names[0]
    name, set_name = solara.use_state(first)
    choice, set_choice = solara.use_state(t("ui.watch_choice"))
    seed_text, set_seed_text = solara.use_state("")
    seed_error, set_seed_error = solara.use_state("")
    chosen_by_card, set_chosen_by_card = solara.use_state(0)  # brings the card into sight

    def country_choices(name: str) -> dict[str, str]:
        return {t("ui.watch_choice"): WATCH} | {
            t("ui.country_choice", name=full, code=code): code for code, full in countries_of(name)
        }

    choices = country_choices(name)
    if choice not in choices:
        choice = t("ui.watch_choice")

    def choose(new: str):
        """A scenario whose story asks you to play an economy chooses it too."""
        set_name(new)
        play = scenario(new).header.play
        for label, code in country_choices(new).items():
            if code == play:
                set_choice(label)

    def choose_card(new: str):
        choose(new)
        set_chosen_by_card(lambda n: n + 1)

    def begin():
        seed, error = parse_seed(seed_text)
        if error:
            set_seed_error(error)
            return
        on_start(Game(name, choices[choice], seed, owner=owner))

    saved = saves.latest(owner)
    if saved:
        with solara.Card(t("game.continue_title")):
            solara.Text(t("game.continue_hint"), style={"display": "block"})
            for game_id, record, saved_at in saved:
                ContinueButton(game_id, record, saved_at, on_start)
    if start.TUTORIAL in names:
        with solara.Card(t("game.tutorial_title")):
            solara.Text(t("game.tutorial_intro"), style={"display": "block"})
            solara.Button(
                t("game.tutorial_button"),
                on_click=lambda: on_start(Game(start.TUTORIAL, "JPN", owner=owner)),
                color="primary",
            )
    with solara.ColumnsResponsive(default=12, large=[7, 5], classes=[CHOOSING]):
        with solara.Column():
            rv.Html(tag="h2", children=[t("game.choose_scenario")])
            titles = dict(scenario_choices())
            by_title = {title or n: n for n, title in titles.items()}
            solara.Select(
                label=t("ui.scenario"),
                values=list(by_title),
                value=titles.get(name) or name,
                on_value=lambda title: choose(by_title.get(title, name)),
            )
            ScenarioCard(name, True, choose_card)
            ScrollTo(selector=f".{CHOSEN_CARD}", nonce=chosen_by_card, around=f".{CHOOSING}")
            # keyed by the scenario: choosing one folds the list away again
            with Disclosure(t("game.choose_scenario") + " …", expand=False).key(f"others-{name}"):
                for other in names:
                    if other != name:
                        ScenarioCard(other, False, choose_card)
        with solara.Column():
            rv.Html(tag="h2", children=[t("game.choose_country")])
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
            solara.Button(t("ui.start"), on_click=begin, color="primary")
            if choices[choice] != WATCH:
                with solara.Card(t("game.briefing_title")):
                    solara.Markdown(start.mission(name, choices[choice]))
            with solara.Card(t("ui.how_to_title")):
                solara.Markdown(t("ui.how_to"))


@solara.component
def ContinueButton(game_id: str, record: dict, saved_at: float, on_start: Callable[[Game], None]):
    log = record["log"] if isinstance(record.get("log"), dict) else {}
    name = log.get("scenario", "")
    if name not in [n for n, _ in scenario_choices()]:
        return
    turns = log.get("turns", [])
    if not turns:  # a game never stepped is not worth continuing
        return
    label = t(
        "game.continue_button",
        scenario=start.facts(name)["title"],
        role=(
            t("game.continue_as", who=record["country"])
            if record.get("country")
            else t("game.watching_who")
        ),
        date=start.quarter(scenario(name).header.start, min(len(turns) + 1, scenario(name).steps)),
        saved=saves.when(saved_at),
    )

    def resume():
        game = Game.resume(game_id)
        if game is not None:
            on_start(game)

    solara.Button(label, on_click=resume, outlined=True, style={"margin": "2px"})


SPEEDS = {"slow": 2.0, "normal": 1.0, "fast": 0.3}  # seconds between steps when playing


@solara.component
def GameView(game: Game, changed: Callable[[], None], on_new: Callable[[], None], version: int = 0):
    # ``version`` changes whenever the game does: components re-render only when an
    # argument changes, and the Game object itself stays the same.
    world = game.world
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("normal")
    paused_for_offer, set_paused_for_offer = solara.use_state(False)
    asking, set_asking = solara.use_state(None)  # "reset" or "new" while a dialog is open

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

    def stop(for_offer: bool) -> None:
        set_playing(False)
        set_paused_for_offer(for_offer)

    Autoplay(game, step, stop, playing, speed, version)
    total = world.spec.steps
    tables = game.tables()
    offers = game.inbox()
    date_line = t("ui.date_line", date=game.date(), step=min(game.next_step, total), steps=total)
    rv.Html(tag="h2", children=[date_line])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "4px"}):
        # no ripple: its animation cost the browser about a third of its work per Step
        solara.Button(
            t("ui.step"), on_click=step, color="primary", disabled=game.finished, ripple=False
        )
        solara.Button(
            t("ui.pause") if playing else t("ui.play"),
            on_click=lambda: (set_paused_for_offer(False), set_playing(not playing)),
            disabled=game.finished,
        )
        speeds = {t(f"ui.speed_{name}"): name for name in SPEEDS}
        solara.Select(
            label=t("ui.speed"),
            values=list(speeds),
            value=t(f"ui.speed_{speed}"),
            on_value=lambda label: set_speed(speeds.get(label, "normal")),
            style={"min-width": "15em", "max-width": "18em"},  # the whole label shows
        )
        solara.Button(t("ui.undo"), on_click=undo, disabled=not game.snapshots)
        solara.Button(t("ui.reset"), on_click=lambda: set_asking("reset"))
        if game.before_reset is not None:
            solara.Button(t("game.undo_reset"), on_click=lambda: (game.undo_reset(), changed()))
        solara.Button(t("ui.new_game"), on_click=lambda: set_asking("new"), text=True)
        solara.FileDownload(
            lambda: game.export(),
            filename=f"minerals-{game.scenario_name}-{game.game_id}.zip",
            label=t("game.export"),
        )
    for kind, title, on_ok in (("reset", "ui.reset", reset), ("new", "ui.new_game", on_new)):
        solara.lab.ConfirmationDialog(
            asking == kind,
            on_close=lambda: set_asking(None),
            content=t(f"game.confirm_{kind}"),
            title=t(title),
            ok=t(f"game.confirm_yes_{kind}"),
            cancel=t("game.confirm_cancel"),
            on_ok=on_ok,
        )
    # Keys on what comes and goes (and on what follows it): without them an offer arriving
    # shifted the places of everything below, and the whole page was built anew, map
    # included (washington_coalition: 114 widgets opened, 75 closed in one Step).
    if game.country and offers and not game.finished:
        words_ = t("game.inbox_badge", count=len(offers))
        if paused_for_offer:
            words_ = f"{t('game.paused_for_offer')} {words_}"
        alert(words_).key("inbox-badge")
    if game.scenario_name == start.TUTORIAL and game.country:
        hint = start.hint(game.next_step, len(game.decisions), game.finished)
        with solara.Div(classes=["minerals-hint"]).key("hint"):
            solara.Markdown(hint)
    if game.finished:
        debrief.Debrief(game, version=version).key("debrief")
    if game.country is not None:
        first = game.next_step == 1  # open on the first quarter, closed after it
        with Disclosure(t("game.briefing_toggle"), expand=first).key(f"briefing-{first}"):
            solara.Markdown(start.mission(game.scenario_name, game.country))
    with solara.ColumnsResponsive(default=12, large=[5, 7]).key("columns"):
        with solara.Column():
            if game.country is None:
                solara.Info(t("ui.watching"))
            else:
                code = game.country
                solara.Text(t("ui.playing_as", name=words.name(world.data, code), code=code))
                if not game.finished:
                    Inbox(game, changed, version=version)
                    DecisionPanel(game, changed, version=version)
                Situation(world, tables, code, game.budget_usd(), version=version)
        with solara.Column():
            if game.country is not None:
                ScorePanel(world, tables, game.country)
                Ranking(world, tables, game.country)
            else:
                Scoreboard(tables, None)
            with solara.Card(t("ui.views_title")):
                WorldTabs(world, tables, game.country)
            NewsFeed(world, tables, game.country, game.budget_usd() if game.country else None)


@solara.component
def Autoplay(
    game: Game,
    step: Callable[[], None],
    stop: Callable[[bool], None],
    playing: bool,
    speed: str,
    version: int,
):
    """While playing, one step per ``speed``; each step starts the next wait (version moved).

    Pause or a change of speed cancels the wait, never a step half played. An offer waiting
    for the player's answer pauses the play. A component of its own, drawing nothing: the
    thread's state changes (started, running, finished: three per Step) then redraw only
    this, not the whole game page.
    """

    def play_on(cancel: threading.Event):
        if not playing or cancel.wait(SPEEDS[speed]):
            return
        if game.finished:
            stop(False)
            return
        step()
        if game.inbox():
            stop(True)

    solara.use_thread(play_on, dependencies=[playing, speed, version], intrusive_cancel=False)


@solara.component
def WorldTabs(world, tables: dict, country: str | None):
    """The views of the world (ui/panels.Views), the map first, deals with their reasons."""
    mineral = scenario_mineral(world)
    Views(
        world,
        tables,
        country,
        map_view=lambda: WorldMap(world, tables, country, mineral),
        deals_view=lambda: DealsWithReasons(world, tables, country),
    )


__all__ = ["Page", "views"]
