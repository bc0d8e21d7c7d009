"""The class game in the browser: the teacher's page and each delegation's seat page.

Served by ``minerals host``, which saves the game in a state directory and passes it in
``MINERALS_CLASS_DIR``. Every tab of this server process shares that one ``ClassGame``
(model/game/classroom.py); each tab watches it from its own thread and re-renders when it
changes, whoever changed it. The link's token says who is looking: the teacher, or the
delegation of one country. Decisions go through the same decision panel and checks as
the single-player game.
"""

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import reacton.ipyvuetify as rv
import segno
import solara

from agents.actions import Action
from model.game import classroom
from model.game.classroom import EVERYONE, TEACHER, ClassGame, ClassroomError
from model.game.decisions import answer_to
from model.text import country_name, t
from ui import views
from ui.charts import table_html
from ui.language import ClassLanguage, LanguageSwitch
from ui.panels import (
    DecisionPanel,
    Inbox,
    NewsFeed,
    Scoreboard,
    Views,
    column,
    describe,
    html,
    line,
    score_columns,
)

MAX_MINUTES = 600  # a round's timer: ten hours is more than any lesson
WATCH_TIMEOUT = 1.0  # seconds a tab's watcher waits before checking it is still wanted
MAX_MESSAGES = 50

# Games branched in this process, by teacher token (after a restart: minerals host --resume).
_branches: dict[str, ClassGame] = {}
_branches_lock = threading.Lock()


def class_game(token: str) -> ClassGame:
    """The game this link belongs to: the hosted one, or a branch made from it."""
    with _branches_lock:
        branches = list(_branches.values())
    for game in branches:
        if game.role(token) is not None:
            return game
    return classroom.shared(os.environ["MINERALS_CLASS_DIR"])


def use_watch(game: ClassGame) -> int:
    """Re-render this tab whenever the shared game changes; return the version seen."""
    seen, set_seen = solara.use_state(game.version)

    def watch(cancel: threading.Event):
        changed = threading.Event()
        unsubscribe = game.subscribe(changed.set)
        try:
            version = seen  # what this tab drew: a change before the thread started counts
            while not cancel.is_set():
                if game.version != version:
                    version = game.version
                    set_seen(version)
                changed.wait(WATCH_TIMEOUT)
                changed.clear()
        finally:
            unsubscribe()

    solara.use_thread(watch, dependencies=[id(game)], intrusive_cancel=False)
    return seen


class SeatDesk:
    """A delegation's desk for the decision panel: every change is a new submission."""

    def __init__(self, game: ClassGame, token: str, code: str):
        self.game, self.token, self.country = game, token, code

    @property
    def world(self):
        return self.game.world

    @property
    def decisions(self) -> list[Action]:
        return self.game.submission(self.country)

    def queue(self, action: Action) -> str | None:
        try:
            return self.game.add_decision(self.token, action)
        except ClassroomError as refusal:
            return str(refusal)

    def withdraw(self, index: int) -> None:
        with contextlib.suppress(ClassroomError):  # gone already: the page redraws the rest
            self.game.withdraw(self.token, index)

    def inbox(self) -> list[dict]:
        return self.game.inbox(self.country)

    def answer_to(self, offer_id: int) -> str | None:
        return answer_to(self.decisions, offer_id)

    def date(self) -> str:
        return self.game.date()

    def budget_usd(self) -> float:
        return self.game.budget_left(self.country)


@solara.component
def Page():
    router = solara.use_router()
    token = parse_qs((router.search or "").lstrip("?")).get("token", [""])[0]
    solara.Title(t("class_ui.title"))
    LanguageSwitch()
    try:
        game = class_game(token)
    except (KeyError, ClassroomError) as problem:
        solara.Error(t("class_ui.no_game", problem=str(problem)))
        return
    version = use_watch(game)
    role = game.role(token)
    with solara.Column(style={"max-width": "1300px", "margin": "0 auto", "padding": "12px"}):
        if role is None:
            solara.Error(t("class_ui.bad_link"))
        elif role[0] == "teacher":
            TeacherPage(game, token, version=version)
        else:
            SeatPage(game, token, role[1], version=version)


def round_line(game: ClassGame) -> str:
    world = game.world
    date = game.date()
    if game.finished:
        return t("class_ui.over", steps=world.spec.steps)
    if game.paused:
        state = t("class_ui.paused")
    elif game.round_open:
        seconds = game.time_left()
        left = None if seconds is None else max(0, round(seconds / 60))
        state = t("class_ui.open") if left is None else t("class_ui.open_timer", minutes=left)
    else:
        state = t("class_ui.closed")
    return t("class_ui.round_line", date=date, round=world.steps + 1, state=state)


# --- a delegation's page -----------------------------------------------------------------


@solara.component
def SeatPage(game: ClassGame, token: str, code: str, version: int = 0):
    world = game.world
    desk = SeatDesk(game, token, code)
    name = country_name(code, world.data.names[world.data.country(code)])
    changed = lambda: None  # noqa: E731 - the watcher re-renders on every submission
    solara.Markdown(f"# {t('class_ui.seat_title', name=name, code=code)}")
    rv.Html(tag="h2", children=[round_line(game)])
    tables = views.Tables(game.tables())
    with solara.Columns([2, 3]):
        with solara.Column():
            if game.players.get(code) == "bot":
                solara.Info(t("class_ui.seat_bot"))
            elif game.round_open and not game.paused:
                submitted = game.submitted().get(code, False)
                if submitted:
                    solara.Success(t("class_ui.saved"))
                else:
                    solara.Info(t("class_ui.not_submitted"))
                DecisionPanel(desk, changed, version=version)
                Inbox(desk, changed, version=version)
            else:
                solara.Info(t("class_ui.wait"))
                Submitted(desk.decisions)
            Messages(game, token, code, version=version)
            Scoreboard(tables, code)
        with solara.Column():
            with solara.Card(t("ui.views_title")):
                Views(world, tables, code)
            NewsFeed(world, tables)


@solara.component
def Submitted(decisions: list[Action]):
    for action in decisions:
        line(describe(action))


def who(code: str) -> str:
    """A message's sender or recipient as a person reads it."""
    return {EVERYONE: t("class_ui.to_all"), TEACHER: t("class_ui.teacher")}.get(code, code)


@solara.component
def Messages(game: ClassGame, token: str, code: str | None, version: int = 0):
    """Short messages between delegations; the teacher reads them all."""
    world = game.world
    names = {t("class_ui.to_all"): EVERYONE, t("class_ui.teacher"): TEACHER}
    names |= {c: c for c in game.seats}
    choices = [label for label, who in names.items() if who != (code or TEACHER)]
    to, set_to = solara.use_state(choices[0])
    text, set_text = solara.use_state("")
    error, set_error = solara.use_state("")

    def send():
        target = names.get(to, to)
        try:
            game.send_message(token, target, text)
        except ClassroomError as refusal:
            set_error(str(refusal))
            return
        set_text("")
        set_error("")

    with solara.Card(t("class_ui.messages_title")):
        for message in game.messages(token)[-MAX_MESSAGES:]:
            line(
                t(
                    "class_ui.message_line",
                    sender=who(message["sender"]),
                    to=who(message["to"]),
                    date=world.quarter_label(min(message["round"], world.spec.steps)),
                    text=message["text"],
                )
            )
        solara.Select(label=t("class_ui.message_to"), values=choices, value=to, on_value=set_to)
        solara.InputText(
            label=t("class_ui.message_text"),
            value=text,
            on_value=lambda v: set_text(v or ""),
            continuous_update=True,
            error=error or False,
        )
        solara.Button(t("class_ui.send"), on_click=send)


# --- the teacher's page ----------------------------------------------------------------------


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, title=url)


@solara.component
def TeacherPage(game: ClassGame, token: str, version: int = 0):
    world = game.world
    error, set_error = solara.use_state("")
    minutes, set_minutes = solara.use_state("")
    show_debrief, set_show_debrief = solara.use_state(False)

    def act(do: Callable[[], object]) -> Callable[[], None]:
        """Run a teacher's action; a refusal is shown, nothing else changes."""

        def run():
            try:
                do()
            except (ClassroomError, ValueError) as refusal:
                set_error(str(refusal))
            else:
                set_error("")

        return run

    def open_round():
        text = minutes.strip()
        value = None
        if text:
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not (math.isfinite(value) and 0 < value <= MAX_MINUTES):
                raise ClassroomError(t("class_ui.bad_minutes", value=text, most=MAX_MINUTES))
        game.open_round(token, value)

    solara.Markdown(f"# {t('class_ui.teacher_title', scenario=world.spec.title)}")
    ClassLanguage()
    rv.Html(tag="h2", children=[round_line(game)])
    if error:
        solara.Error(error)
    over = world.steps >= world.spec.steps
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText(
            label=t("class_ui.timer"),
            value=minutes,
            on_value=lambda v: set_minutes(v or ""),
            continuous_update=True,
        )
        solara.Button(
            t("class_ui.open_round"),
            on_click=act(open_round),
            color="primary",
            disabled=game.round_open or over,
        )
        solara.Button(
            t("class_ui.close_round"),
            on_click=act(lambda: game.close_round(token)),
            color="primary",
            disabled=not game.round_open,
        )
        solara.Button(
            t("class_ui.unpause") if game.paused else t("class_ui.pause"),
            on_click=act(lambda: game.unpause(token) if game.paused else game.pause(token)),
        )
        rules = {t(f"class_ui.absent_{rule}"): rule for rule in ("standing", "bot")}
        solara.Select(
            label=t("class_ui.absent_rule"),
            values=list(rules),
            value=t(f"class_ui.absent_{game.absent_rule}"),
            on_value=lambda label: act(lambda: game.set_absent_rule(token, rules[label]))(),
        )
        solara.Button(t("class_ui.debrief"), on_click=lambda: set_show_debrief(not show_debrief))
        Export(game, token, act)
    SeatStatus(game, token, act, version=version)
    if show_debrief or over:
        ClassDebrief(game, version=version)
    with solara.Columns([1, 1]):
        with solara.Column():
            History(game, token, act, version=version)
            Cards(game, token, act, version=version)
            Messages(game, token, None, version=version)
        with solara.Column():
            JoinLinks(game, token)
    tables = views.Tables(game.tables())
    with solara.Card(t("ui.views_title")):
        Views(world, tables, None)
    NewsFeed(world, tables)


@solara.component
def Export(game: ClassGame, token: str, act):
    """The whole game as one archive, saved in the state folder and offered for download."""
    saved, set_saved = solara.use_state(None)

    def export():
        path = game.state_dir / f"export-round-{game.round_no}.zip"
        set_saved(game.export(token, path))

    solara.Button(t("class_ui.export"), on_click=act(export))
    if saved is not None:
        solara.FileDownload(
            saved.read_bytes(), filename=saved.name, label=t("class_ui.download", name=saved.name)
        )


@solara.component
def SeatStatus(game: ClassGame, token: str, act, version: int = 0):
    """Every seat: who plays it, whether it has submitted, its score and its decisions."""
    status = game.status()
    with solara.Card(t("class_ui.status_title")):
        columns = [
            column("code", "country"),
            column("players", topic="class_ui"),
            column("submitted", topic="class_ui"),
            column("score", fmt="{:.1f}"),
            column("shortage_share", "shortage", fmt="{:.1%}"),
        ]
        frame = status.assign(
            submitted=status["submitted"].map({True: t("class_ui.yes"), False: t("class_ui.no")}),
            players=status["players"].map(lambda p: t(f"class_ui.players_{p}")),
        )
        html(table_html(frame, columns, t("class_ui.status_title")))
        for code in status["code"]:
            decisions = game.submission(code)
            if decisions:
                solara.Markdown(
                    t(
                        "class_ui.seat_decisions",
                        code=code,
                        decisions="; ".join(describe(action) for action in decisions),
                    )
                )
            to = "people" if game.players.get(code) == "bot" else "bot"
            solara.Button(
                t(f"class_ui.hand_to_{to}", code=code),
                on_click=act(lambda code=code, to=to: game.hand_over(token, code, to)),
                small=True,
                text=True,
            )


@solara.component
def History(game: ClassGame, token: str, act, version: int = 0):
    """Roll back to an earlier round, or branch a new game from it."""
    played = game.world.steps
    rounds = [str(k) for k in range(played + 1)]
    chosen, set_chosen = solara.use_state("0")
    branch_links, set_branch_links = solara.use_state("")
    if chosen not in rounds:
        chosen = rounds[-1]

    def branch():
        directory = f"{game.state_dir}-branch-{int(chosen)}-{int(time.time())}"
        new = game.branch(token, int(chosen), directory)
        with _branches_lock:
            _branches[new.teacher_token] = new
        set_branch_links(t("class_ui.branch_made", dir=directory, token=new.teacher_token))

    with solara.Card(t("class_ui.history_title")):
        solara.Select(
            label=t("class_ui.round_choice"), values=rounds, value=chosen, on_value=set_chosen
        )
        with solara.Row():
            solara.Button(
                t("class_ui.rollback"), on_click=act(lambda: game.rollback(token, int(chosen)))
            )
            solara.Button(t("class_ui.branch"), on_click=act(branch))
        if branch_links:
            solara.Markdown(branch_links)


@solara.component
def Cards(game: ClassGame, token: str, act, version: int = 0):
    """Prepared event cards from real history, fired into the next round."""
    cards = game.cards()
    titles = {title: name for name, title, _ in cards}
    chosen, set_chosen = solara.use_state(cards[0][1] if cards else "")
    with solara.Card(t("class_ui.cards_title")):
        if not cards:
            solara.Text(t("class_ui.no_cards"))
            return
        solara.Select(
            label=t("class_ui.card"), values=list(titles), value=chosen, on_value=set_chosen
        )
        for _, title, description in cards:
            if title == chosen:
                solara.Markdown(description)
        solara.Button(
            t("class_ui.fire_card"),
            on_click=act(lambda: game.fire_card(token, titles[chosen])),
        )


@solara.component
def JoinLinks(game: ClassGame, token: str):
    """The seats' join links and QR codes, to project on the screen."""
    links = game.links(token, os.environ.get("MINERALS_CLASS_URL", ""))
    with solara.Card(t("class_ui.links_title")):
        for code in game.seats:
            url = links[code]
            solara.Markdown(t("class_ui.link_line", code=code, url=url))
            html(qr_svg(url))


@solara.component
def ClassDebrief(game: ClassGame, version: int = 0):
    debrief = solara.use_thread(game.debrief, dependencies=[version])
    world = game.world
    with solara.Card(t("ui.debrief_title")):
        if debrief.state != solara.ResultState.FINISHED:
            solara.Text(t("class_ui.debrief_wait"))
            return
        result = debrief.value
        ranking = result["ranking"]
        columns = score_columns([column("rank")])
        html(table_html(ranking, columns, t("ui.ranking_title")))
        solara.Markdown(f"**{t('class_ui.counterfactual_title')}**")
        compared = result["counterfactual"]
        columns = [
            column("country"),
            column("score", "real", fmt="{:.1f}", topic="class_ui"),
            (
                "score_without_deals",
                t("class_ui.col_without"),
                t("class_ui.help_without"),
                "{:.1f}",
            ),
        ]
        html(table_html(compared, columns, t("class_ui.counterfactual_title")))
        solara.Markdown(f"**{t('ui.timeline_title')}**")
        for row in result["timeline"].itertuples():
            line(t("ui.news_line", date=world.quarter_label(row.step), detail=row.detail))
        solara.Markdown(f"**{t('ui.deals_title')}**")
        deals = views.deals_ledger({"deals": result["deals"]})
        for row in views.ledger_in_words(deals).itertuples() if not deals.empty else ():
            line(
                t(
                    "class_ui.deal_line",
                    deal=row.deal_id,
                    kind=row.kind,
                    parties=row.parties,
                    status=row.status,
                )
            )


@solara.component
def Layout(children=()):
    """No navigation bar: a link leads to one page, the teacher's or a delegation's."""
    solara.Column(children=list(children))


routes = [
    solara.Route(path="/", component=Page, layout=Layout),
    solara.Route(path="teacher", component=Page),
    solara.Route(path="seat", component=Page),
]
