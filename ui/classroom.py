"""The class game in the browser: the teacher's console, the projector, the join page and
each delegation's page.

Served by ``minerals host``, which saves the game in a state directory and passes it in
``MINERALS_CLASS_DIR``. Every tab of this server process shares that one ``ClassGame``
(model/game/classroom.py); each tab watches it from its own thread and re-renders when it
changes in a way it shows (a message redraws only the message boxes). The link's token
says who is looking: the teacher (everything, private), the projector (nothing private:
clock, leaderboard, headlines, prices, how to join) or the delegation of one country (its
role card, its decisions, what happened to it). The join page needs no token: the class
code opens the seats not yet locked. Decisions go through the same decision panel and
checks as the single-player game."""

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from html import escape
from urllib.parse import parse_qs

import reacton.ipyvuetify as rv
import segno
import solara

from agents.actions import Action, Propose
from model.engine.policies import good_label
from model.game import classroom, report, roles
from model.game.board import BOARD
from model.game.classroom import EVERYONE, TEACHER, ClassGame, ClassroomError
from model.game.deals import deal_stories
from model.game.decisions import answer_to
from model.game.lesson import MAX_QUARTERS, Lesson
from model.text import again, country_name, format_value, has, language, t
from ui import server, views
from ui.a11y import PageRepairs
from ui.charts import STACK_CSS, table_html
from ui.language import ClassLanguage, LanguageSwitch
from ui.map import WorldMap, scenario_mineral
from ui.panels import (
    DecisionPanel,
    Inbox,
    Views,
    column,
    describe,
    html,
    line,
    listed_name,
    score_columns,
)

server.harden()

MAX_MINUTES = classroom.MAX_MINUTES  # the model's limit: the page refuses what it would
WATCH_TIMEOUT = 1.0  # seconds a tab's watcher waits before checking it is still wanted
MAX_MESSAGES = 50


def lines(texts: list[str], heading: str | None = None) -> None:
    """Lines of text as ONE widget: a round's close redraws thirty tabs, and each widget
    is a message to send and a component for every browser to build."""
    if not texts and heading is None:
        return
    top = f"<h3>{escape(heading)}</h3>" if heading else ""
    body = "".join(f"<div>{escape(text)}</div>" for text in texts)
    html(f'<div class="class-lines">{top}{body}</div>')


def news_item(detail: str) -> str:
    """A sentence of the events table as a list item, in this reader's language.

    The tables keep the words the quarter was played in (one language, for researchers;
    provenance says which); ``again`` says a recorded sentence anew from its catalogue key
    and fields, so one round summary, worked out once for every tab, reads in each
    delegation's own language."""
    return f"• {again(detail, language())}"


def answer_line(said, clubs: Mapping[str, str] | None = None) -> str:
    """An answer to a delegation's offer (``report.what_happened``) as a list item;
    ``clubs``: each coalition's code -> its name in words (World.club_names)."""
    if not isinstance(said, tuple):
        return news_item(said)
    if said[0] == "countered":  # ("countered", who, kind of deal)
        return "• " + t("lesson.report_countered", actor=said[1], deal=t(f"deals.kind_{said[2]}"))
    _, club, accepted, rejected = said  # ("club", coalition, how many accepted, rejected)
    club = (clubs or {}).get(club, club)
    if not accepted:
        return "• " + t("lesson.report_club_rejected", count=rejected, club=club)
    yes = t("lesson.report_club_accepted", count=accepted, club=club)
    if not rejected:
        return f"• {yes}."
    no = t("lesson.report_club_rejected_too", count=rejected)
    return "• " + t("lesson.report_club_both", accepted=yes, rejected=no)


def tenth(value: float) -> float:
    """A score to one decimal, never "-0.0" (a change too small to show is no change)."""
    return round(value, 1) + 0.0


def class_game(token: str) -> ClassGame:
    """The game this link belongs to: the hosted one, or a game branched from it (branches
    are remembered in the hosted game, so their links work again after a restart)."""
    hosted = classroom.shared(os.environ["MINERALS_CLASS_DIR"])
    if hosted.role(token) is not None:
        return hosted
    for directory in list(hosted.branches):
        try:
            branch = classroom.shared(directory)
        except ClassroomError:
            continue  # a branch folder deleted by hand: its links are simply invalid
        if branch.role(token) is not None:
            return branch
    return hosted


def use_watch(game: ClassGame, shows: tuple[str, ...] = (), presence: bool = False) -> int:
    """Re-render this tab when the shared game changes in a way it shows (``shows``: the
    seats whose submissions it lists; a message rewrites only the message block, see
    ``MessageLines``), and, with ``presence``, when a device joins or leaves a seat; return
    the version seen. The watcher also lets the game close a round whose time is up, if
    the lesson says so."""

    def now() -> tuple[int, int]:
        return game.page_version(shows), game.presence if presence else 0

    seen, set_seen = solara.use_state(now())

    def watch(cancel: threading.Event):
        changed = threading.Event()
        unsubscribe = game.subscribe(changed.set)
        try:
            drawn = seen  # what this tab drew: a change before the thread started counts
            while not cancel.is_set():
                with contextlib.suppress(ClassroomError):
                    game.tick()
                latest = now()
                if latest != drawn:
                    drawn = latest
                    set_seen(latest)
                changed.wait(WATCH_TIMEOUT)
                changed.clear()
        finally:
            unsubscribe()

    solara.use_thread(watch, dependencies=[id(game), shows, presence], intrusive_cancel=False)
    return seen[0] * 100_000 + seen[1]


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
        """Offers from delegations, all of them; from the computer's countries, a few."""
        return self.game.inbox(self.country)

    def hidden_offers(self) -> dict[str, int]:
        """The computer's offers held back from this delegation, counted by kind of deal."""
        return self.game.hidden_offers(self.country)

    def answer_to(self, offer: int | str) -> str | None:
        return answer_to(self.decisions, offer)

    def breaches(self) -> list[list]:
        """For each queued decision, the deals in force it would break."""
        return self.game.breaches(self.country)

    @property
    def last_round(self) -> bool:
        return self.game.last_round

    def offers_answered(self) -> list[str]:
        """What became of this delegation's offers to other delegations this round."""
        answers = self.game.answers_to(self.country)
        said = []
        for action in self.decisions:
            if isinstance(action, Propose) and action.ref:
                answer = answers.get(action.ref, "waiting")
                said.append(
                    t(f"class_offers.yours_{answer}", partner=action.partner, offer=action.ref)
                )
        for void in self.game.voided(self.country):
            if void["proposer"] == self.country:
                said.append(
                    t("class_offers.withdrawn_answered", offer=void["ref"], partner=void["partner"])
                )
        return said

    def answers_voided(self) -> list[str]:
        """This delegation's answers made void: their offer was withdrawn after them."""
        return [
            t("class_offers.answer_voided", offer=void["ref"], proposer=void["proposer"])
            for void in self.game.voided(self.country)
            if void["partner"] == self.country
        ]

    def date(self) -> str:
        return self.game.date()

    def budget_usd(self) -> float:
        return self.game.budget_left(self.country)


@solara.component
def Page():
    router = solara.use_router()
    token = parse_qs((router.search or "").lstrip("?")).get("token", [""])[0]
    solara.Title(t("class_ui.title"))
    solara.Style(PAGE_CSS + STACK_CSS)  # tables read as cards on a phone, as the game's do
    PageRepairs()  # the page's language (a screen reader reads French as French), zoom, selects
    LanguageSwitch()
    try:
        game = class_game(token)
    except (KeyError, ClassroomError) as problem:
        solara.Error(t("class_ui.no_game", problem=str(problem)))
        return
    role = game.role(token)
    if role is None or role[0] == "screen":
        shows = ()
    elif role[0] == "teacher":
        shows = tuple(game.seats)
    else:
        shows = (role[1],)
    teacher = role is not None and role[0] == "teacher"
    version = use_watch(game, shows, presence=teacher)  # noqa: SH101
    with solara.Column(classes=["class-page"]):
        if (router.path or "").rstrip("/").endswith("join"):
            JoinPage(game)
        elif role is None:
            solara.Error(t("class_ui.bad_link"))
        elif role[0] == "teacher":
            TeacherPage(game, token, version=version)
        elif role[0] == "screen":
            ScreenPage(game, version=version)
        else:
            SeatPage(game, token, role[1], version=version)


# Phones: one column under 700 px, words never broken mid-word, buttons wrap. A typed field's
# label sits above it and wraps (Vuetify's floats inside the field on one line, and a phone cut
# "Part des exportations habituelles autorisée (%)" before its unit).
PAGE_CSS = """
.class-page { max-width: 1300px; margin: 0 auto; padding: 12px; }
.class-cols { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.class-cols > * { flex: 1 1 360px; min-width: 0; }
.class-page .v-btn { max-width: 100%; height: auto !important; min-height: 36px; }
.class-page .v-btn__content { white-space: normal; word-break: normal; overflow-wrap: normal; }
.class-page .row { flex-wrap: wrap; }
.class-page, .class-page * { word-break: normal; overflow-wrap: break-word; hyphens: none; }
.class-page .v-text-field:not(.v-select) .v-text-field__slot { flex-wrap: wrap; }
.class-page .v-text-field:not(.v-select) .v-label {
  position: static !important; transform: none !important; flex: 0 0 100%;
  max-width: 100% !important; height: auto; white-space: normal; overflow: visible;
  font-size: 12px; line-height: 1.3;
}
@media (max-width: 700px) {
  .class-cols > * { flex-basis: 100%; }
  .class-page { padding: 4px; }
}
.big-clock { font-size: 4.5rem; font-weight: 700; line-height: 1.1; }
.screen-page { font-size: 1.35rem; }
.screen-page h1 { font-size: 2.2rem; margin: 0; }
.screen-page table { font-size: 1.5rem; }
.class-lines { color: rgba(0, 0, 0, 0.87); line-height: 1.5; }
.class-lines h3 { font-size: 1.05em; margin: 0.6em 0 0.2em; }
.screen-page .class-lines { font-size: 1.4rem; }
"""


def round_line(game: ClassGame) -> str:
    """ "2026 Q2 · round 3 of 5 · round open" (no clock: the Countdown ticks beside it);
    between rounds, the one played and the one next ("round 1 played · round 2 of 3 next"),
    and before the first, "round 1 of 3 · not started"."""
    if game.finished:
        return t("lesson.over", total=game.rounds_total)
    last = [t("lesson.last_round")] if game.last_round else []
    this = [t("lesson.round_of", round=game.class_round, total=game.rounds_total), *last]
    if game.round_open:
        parts = [*this, t("lesson.paused") if game.paused else t("lesson.open")]
    elif game.rounds_played == 0:
        parts = [*this, t("lesson.not_started")]
    else:
        played = t("lesson.round_played", round=game.rounds_played)
        parts = [played, t("lesson.round_next", round=game.class_round, total=game.rounds_total)]
        parts += last
    return " · ".join([game.date(), *parts])


def clock_text(game: ClassGame) -> str:
    seconds = game.time_left()
    if not game.round_open or game.finished:
        return ""
    if seconds is None:
        return t("lesson.no_timer")
    if seconds <= 0:
        return t("lesson.time_up")
    whole = int(math.ceil(seconds))
    return t("lesson.countdown", minutes=whole // 60, seconds=whole % 60)


@solara.component
def Countdown(game: ClassGame, version: int = 0, big: bool = False):
    """The round's clock, ticking once a second on its own (only this line is redrawn)."""
    _, set_ticks = solara.use_state(0)

    def tick(cancel: threading.Event):
        ticks = 0
        while not cancel.wait(1.0):
            if game.round_open and game.deadline is not None:
                ticks += 1
                set_ticks(ticks)

    solara.use_thread(tick, dependencies=[id(game), version], intrusive_cancel=False)
    text = clock_text(game)
    if not text:
        return
    rv.Html(
        tag="div",
        class_="big-clock" if big else "",
        style_="" if big else "font-size:1.6rem;font-weight:600",
        attributes={"role": "timer", "aria-label": t("lesson.clock")},
        children=[text],
    )


def Header(game: ClassGame, title: str, version: int) -> None:
    solara.Markdown(f"# {title}")
    rv.Html(tag="h2", children=[round_line(game)])
    Countdown(game, version=version)


# --- a delegation's page -----------------------------------------------------------------

SECTIONS = ("card", "decide", "report", "world", "debrief")


def stage(game: ClassGame) -> str:
    """The section the game puts a delegation on now: its role card before the first round,
    deciding while a round is open, what happened once it closed, the debrief at the end."""
    if game.finished:
        return "debrief"
    if game.round_open and not game.paused:
        return "decide"
    if game.round_no == 0:
        return "card"
    return "report"


def moment(game: ClassGame) -> tuple[str, int]:
    """Where the game is: its stage in its round. A tab picked holds while this stays."""
    return stage(game), game.round_no


@solara.component
def SeatPage(game: ClassGame, token: str, code: str, version: int = 0):
    """A delegation's page: its role card first, then deciding, what happened, the world.

    The page follows the game: a tab the delegation picks holds until the game moves on
    (a round opens or closes, the lesson ends), and then the page goes where the game is,
    as it would after a reload; so the end of the lesson brings every page to its debrief.
    """
    world = game.world
    desk = SeatDesk(game, token, code)
    here = moment(game)
    chosen, set_chosen = solara.use_state((None, None))  # (tab picked, the game's moment then)
    solara.use_effect(lambda: game.connect(code), [id(game), code])
    Header(game, t("class_ui.seat_title", code=code), version)
    picked, when = chosen
    section = picked if picked is not None and when == here else here[0]
    sections = [s for s in SECTIONS if s != "debrief" or game.finished]
    with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
        for key in sections:
            solara.Button(
                t(f"lesson.{key}_tab"),
                on_click=lambda key=key: set_chosen((key, moment(game))),
                color="primary",
                outlined=key != section,
            )
    if section == "card":
        RoleCardView(game, code)
    elif section == "decide":
        DecideSection(game, desk, token, code, version=version)
    elif section == "report":
        RoundReport(game, code, version=version)
    elif section == "world":
        tables = views.Tables(game.tables())
        with solara.Card(t("ui.views_title")):
            Views(world, tables, code)
        ClassNews(game, version=version)
        with solara.Card(t("lesson.leaderboard_title")):
            board = class_board(game)
            Leaderboard(game, board)
            line(t("lesson.leaderboard_note"))
    else:
        SeatDebrief(game, code, version=version)


@solara.component
def DecideSection(game: ClassGame, desk, token: str, code: str, version: int = 0):
    changed = lambda: None  # noqa: E731 - the watcher re-renders on every submission
    with rv.Html(tag="div", class_="class-cols"):
        with solara.Column():
            if game.players.get(code) == "bot":
                solara.Info(t("class_ui.seat_bot"))
            elif game.round_open and not game.paused:
                if not game.deals_open:
                    solara.Warning(t("lesson.deals_from_round", round=game.lesson.deals_from))
                if game.submitted().get(code, False):
                    solara.Success(t("class_ui.saved"))
                else:
                    solara.Info(t("class_ui.not_submitted"))
                DecisionPanel(desk, changed, version=version)
                offers = desk.offers_answered()
                if offers:
                    lines(offers, heading=t("class_offers.yours_title"))
            else:
                solara.Info(t("class_ui.wait") if desk.decisions else t("class_ui.closed"))
                Submitted(desk.decisions, desk.world.club_names())
        with solara.Column():
            if game.players.get(code) != "bot" and game.round_open and not game.paused:
                for void in desk.answers_voided():
                    solara.Warning(void, dense=True)
                Inbox(desk, changed, version=version)
                hidden = desk.hidden_offers()
                if hidden:
                    kinds = t("lesson.kind_separator").join(
                        t("lesson.kind_count", kind=t(f"deals.kind_{k}"), count=n)
                        for k, n in hidden.items()
                    )
                    solara.Text(t("lesson.offers_more", count=sum(hidden.values()), kinds=kinds))
            Messages(game, token, code, version=version)


@solara.component
def RoleCardView(game: ClassGame, code: str):
    """The delegation's role card (model/game/roles.py), the same as the printed one, made
    again when the reader switches language (its sentences are the reader's)."""
    lang = language()
    card = solara.use_memo(lambda: roles.card(game.world, code), [id(game), code, lang])
    with solara.Card(t("lesson.card_tab")):
        solara.Markdown(
            "\n\n".join(
                [
                    f"**{t('lesson.mission_title')}** {card.mission}",
                    *[f"**{t('lesson.standing_title')}** {line}" for line in card.standing],
                    f"**{t('lesson.fears_title')}** {card.fears}",
                    f"**{t('lesson.depends_title')}**\n\n"
                    + "\n".join(f"- {d}" for d in card.depends),
                    f"**{t('lesson.allies_title')}** {', '.join(card.allies) or '–'}. "
                    f"**{t('lesson.rivals_title')}** {', '.join(card.rivals) or '–'}.",
                    f"**{t('lesson.moves_title')}**\n\n"
                    + "\n".join(f"{k}. {m}" for k, m in enumerate(card.moves, 1)),
                    f"**{t('lesson.scored_title')}** {card.scored}",
                    f"**{t('lesson.story_title')}** {card.story}",
                    roles.glossary_markdown().replace("## ", "### "),
                ]
            )
        )


def class_board(game: ClassGame):
    """The class's leaderboard after the last round (shared by every tab)."""
    tables = game.tables()
    return game.per_world(
        ("board",), lambda: report.leaderboard(tables, game.seats, game.round_no, _since(game))
    )


def _since(game: ClassGame) -> int:
    """The quarter before the last round played (its scores are the round's starting point)."""
    return max(game.round_no - game.lesson.quarters, 0) if game.round_no else 0


@solara.component
def RoundReport(game: ClassGame, code: str, version: int = 0):
    """What happened to this delegation in the last round, in a few blocks of text."""
    with solara.Card(t("lesson.report_tab")):
        tables = game.tables()
        result = game.per_world(
            ("what_happened", code),
            lambda: report.what_happened(
                tables, code, _since(game), game.round_no, game.world.deal_refs
            ),
        )
        if not result["played"]:
            solara.Text(t("lesson.report_none"))
            return
        said = []
        points, score = tenth(result["points"]), tenth(result["score"])
        if result["change"] is None:
            said.append(t("lesson.report_score_first", points=points, score=score))
        else:
            change = tenth(result["change"])
            said.append(t("lesson.report_score", points=points, change=change, score=score))
        parts = [
            t("lesson.report_part", name=t(f"lesson.component_{name}"), value=tenth(value))
            for name, value in result["components"].items()
            if abs(value) >= 0.05
        ]
        if parts:
            said.append(t("lesson.report_parts", parts=", ".join(parts)))
        offers = len(game.inbox(code))
        if offers and game.round_open:
            said.append(t("lesson.report_offers", count=offers))
        if not result["hits"]:
            said.append(t("lesson.report_no_hits"))
        lines(said)
        if result["yours"]:
            moves = [news_item(move) for move in result["yours"][:8]]
            lines(moves, heading=t("lesson.report_yours"))
        if result["answers"]:
            clubs = game.world.club_names()
            answers = [answer_line(said, clubs) for said in result["answers"]]
            lines(answers, heading=t("lesson.report_answers"))
        if result["breaches"]:
            broken = [news_item(breach) for breach in result["breaches"]]
            lines(broken, heading=t("lesson.report_breaches"))
        if result["hits"]:
            hits = [news_item(hit) for hit in result["hits"][:8]]
            lines(hits, heading=t("lesson.report_hits"))
        if result["prices"]:
            prices = []
            for row in result["prices"]:
                change = (
                    t("lesson.report_price_new")
                    if row["change"] is None
                    else t("lesson.report_price_change", change=round(row["change"], 2) + 0.0)
                )
                good = good_label(row["mineral"], row["stage"])
                prices.append(
                    "• " + t("lesson.report_price", good=good, price=row["price"], change=change)
                )
            lines(prices, heading=t("lesson.report_prices"))


@solara.component
def SeatDebrief(game: ClassGame, code: str, version: int = 0):
    """At the end: the class's leaderboard and this delegation's place on it."""
    tables = game.tables()
    board = game.per_world(
        ("final",), lambda: report.leaderboard(tables, game.seats, game.round_no, 0)
    )
    with solara.Card(t("lesson.debrief_tab")):
        mine = board[board["country"] == code]
        if not mine.empty:
            line(
                t(
                    "lesson.debrief_you",
                    points=tenth(float(mine["points"].iloc[0])),
                    rank=int(mine["rank"].iloc[0]),
                    count=len(board),
                )
            )
        Leaderboard(game, board, change=False)
    RoundReport(game, code, version=version)


# --- joining ----------------------------------------------------------------------------------


@solara.component
def JoinPage(game: ClassGame):
    """The class code leads to the seats not yet locked; each is a link to its page."""
    code, set_code = solara.use_state("")
    seats, set_seats = solara.use_state(None)
    error, set_error = solara.use_state("")

    def show():
        try:
            set_seats(game.join(code))
            set_error("")
        except ClassroomError as refusal:
            set_seats(None)
            set_error(str(refusal))

    solara.Markdown(f"# {t('lesson.join_title')}")
    solara.InputText(
        label=t("lesson.class_code"),
        value=code,
        on_value=lambda v: set_code(v or ""),
        continuous_update=True,
        error=error or False,
    )
    solara.Button(t("lesson.join_button"), on_click=show, color="primary")
    if seats is None:
        return
    if not seats:
        solara.Info(t("lesson.no_seat_left"))
        return
    solara.Text(t("lesson.pick_seat"))
    data = game.world.data
    names = {c: country_name(c, n) for c, n in zip(data.codes, data.names, strict=True)}
    with solara.Row(style={"flex-wrap": "wrap"}):
        for seat, token in seats.items():
            solara.Button(
                f"{names[seat]} ({seat})",
                href=f"./seat?token={token}",
                color="primary",
                outlined=True,
            )


@solara.component
def Submitted(decisions: list[Action], clubs: Mapping[str, str] | None = None):
    for action in decisions:
        line(describe(action, clubs=clubs))


def who(code: str) -> str:
    """A message's sender or recipient as a person reads it: "China", not "CHN"."""
    named = {EVERYONE: t("class_ui.to_all"), TEACHER: t("class_ui.teacher")}
    return named.get(code) or listed_name(code)


@solara.component
def MessageLines(game: ClassGame, token: str):
    """The messages this link reads, in one block. A new message rewrites that block's
    text straight from this tab's watcher thread, without a render: reacton renders a page
    by walking all of it, and a message to everyone would make thirty tabs walk theirs.
    Only the links that may read it are rewritten (a message between two delegations
    touches three tabs, not thirty)."""
    block = solara.use_ref(None)

    def markup() -> str:
        world = game.world
        texts = [
            t(
                "class_ui.message_line",
                sender=who(message["sender"]),
                to=who(message["to"]),
                date=world.quarter_label(min(message["round"], world.spec.steps)),
                text=message["text"],
            )
            for message in game.messages(token)[-MAX_MESSAGES:]
        ]
        body = "".join(f"<div>{escape(text)}</div>" for text in texts)
        return f'<div class="class-lines">{body}</div>'

    shown = solara.HTML(tag="div", unsafe_innerHTML=markup())

    def keep() -> None:
        block.current = solara.get_widget(shown)

    solara.use_effect(keep, [])

    def watch(cancel: threading.Event):
        changed = threading.Event()
        unsubscribe = game.subscribe(changed.set)
        try:
            posted, read = game.quiet[BOARD], game.message_count(token)
            while not cancel.is_set():
                if game.quiet[BOARD] != posted:  # a message: is it one this link reads?
                    posted = game.quiet[BOARD]
                    count = game.message_count(token)
                    if count != read and block.current is not None:
                        read = count
                        block.current.unsafe_innerHTML = markup()
                changed.wait(WATCH_TIMEOUT)
                changed.clear()
        finally:
            unsubscribe()

    solara.use_thread(watch, dependencies=[id(game), token], intrusive_cancel=False)


@solara.component
def Messages(game: ClassGame, token: str, code: str | None, version: int = 0):
    """Short messages between delegations; the teacher reads them all."""
    targets = [c for c in (EVERYONE, TEACHER, *game.seats) if c != (code or TEACHER)]
    to, set_to = solara.use_state(targets[0])  # a code: the names follow the reader's language
    text, set_text = solara.use_state("")
    error, set_error = solara.use_state("")

    def send():
        try:
            game.send_message(token, to, text)
        except ClassroomError as refusal:
            set_error(str(refusal))
            return
        set_text("")
        set_error("")

    with solara.Card(t("class_ui.messages_title")):
        MessageLines(game, token)
        rv.Select(
            label=t("class_ui.message_to"),
            items=[{"text": who(target), "value": target} for target in targets],
            v_model=to,
            on_v_model=set_to,
        )
        solara.InputText(
            label=t("class_ui.message_text"),
            value=text,
            on_value=lambda v: set_text(v or ""),
            continuous_update=True,
            error=error or False,
        )
        solara.Button(t("class_ui.send"), on_click=send, classes=["mt-2"])


# --- the teacher's page ----------------------------------------------------------------------


def qr_svg(url: str, scale: int = 3) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, title=url)


@solara.component
def TeacherPage(game: ClassGame, token: str, version: int = 0):
    """The teacher's console: private (decisions, messages, links). Project the screen page."""
    world = game.world
    error, set_error = solara.use_state("")
    minutes, set_minutes = solara.use_state("")
    more, set_more = solara.use_state("5")
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

    Header(game, t("class_ui.teacher_title", scenario=world.spec.title), version)
    ClassLanguage()
    if error:
        solara.Error(error)
    over = game.finished
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText(
            label=t("class_ui.timer"),
            value=minutes,
            on_value=lambda v: set_minutes(v or ""),
            continuous_update=True,
        )
        solara.Button(
            t("class_ui.open_round"),
            on_click=act(lambda: game.open_round(token, typed_minutes(minutes))),
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
            t("lesson.plus_minute"),
            on_click=act(lambda: game.extend(token, 1)),
            disabled=not game.round_open,
        )
        solara.InputText(
            label=t("lesson.extend_minutes"),
            value=more,
            on_value=lambda v: set_more(v or ""),
            continuous_update=True,
        )
        solara.Button(
            t("lesson.extend"),
            on_click=act(lambda: game.extend(token, typed_minutes(more) or 1)),
            disabled=not game.round_open,
        )
        solara.Button(
            t("class_ui.unpause") if game.paused else t("class_ui.pause"),
            on_click=act(lambda: game.unpause(token) if game.paused else game.pause(token)),
        )
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Checkbox(
            label=t("lesson.auto_close"),
            value=game.lesson.auto_close,
            on_value=lambda on: act(lambda: game.set_auto_close(token, on))(),
        )
        rules = {t(f"class_ui.absent_{rule}"): rule for rule in classroom.ABSENT_RULES}
        solara.Select(
            label=t("class_ui.absent_rule"),
            values=list(rules),
            value=t(f"class_ui.absent_{game.absent_rule}"),
            on_value=lambda label: act(lambda: game.set_absent_rule(token, rules[label]))(),
        )
        solara.Button(t("class_ui.debrief"), on_click=lambda: set_show_debrief(not show_debrief))
        Export(game, token, act)
    if game.round_no == 0 and not game.round_open:
        LessonForm(game, token)
    SeatStatus(game, token, act, version=version)
    if show_debrief or over:
        ClassDebrief(game, version=version)
    with rv.Html(tag="div", class_="class-cols"):
        with solara.Column():
            JoinLinks(game, token, act, version=version)
            Messages(game, token, None, version=version)
        with solara.Column():
            History(game, token, act, version=version)
            Cards(game, token, act, version=version)
    tables = views.Tables(game.tables())
    with solara.Card(t("ui.views_title")):
        Views(world, tables, None)
    ClassNews(game, version=version)


def whole(text: str, field: str, least: int, most: int) -> int | None:
    """A typed whole number from ``least`` to ``most`` (None if left empty); ClassroomError
    naming the field and what is allowed otherwise."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not least <= int(text) <= most:
        raise ClassroomError(
            t("lesson_form.bad_whole", field=t(field), value=text, least=least, most=most)
        )
    return int(text)


@solara.component
def LessonForm(game: ClassGame, token: str):
    """The lesson's shape, chosen before round 1 opens (as ``minerals host --rounds ...``)."""
    lesson, steps = game.lesson, game.world.spec.steps
    rounds, set_rounds = solara.use_state("" if lesson.rounds is None else str(lesson.rounds))
    quarters, set_quarters = solara.use_state(str(lesson.quarters))
    deals, set_deals = solara.use_state(str(lesson.deals_from))
    minutes, set_minutes = solara.use_state("" if lesson.minutes is None else f"{lesson.minutes:g}")
    error, set_error = solara.use_state("")
    done, set_done = solara.use_state("")

    def save():
        try:
            quarter_count = whole(quarters, "lesson_form.quarters", 1, MAX_QUARTERS) or 1
            most = Lesson(quarters=quarter_count).total(steps)
            round_count = whole(rounds, "lesson_form.rounds", 1, most)
            deals_from = whole(deals, "lesson_form.deals_from", 1, round_count or most) or 1
            timer = typed_minutes(minutes)
            shaped = replace(
                lesson,
                rounds=round_count,
                quarters=quarter_count,
                deals_from=deals_from,
                minutes=timer,
            )
            game.set_lesson(token, shaped)
        except ClassroomError as refusal:
            set_error(str(refusal))
            set_done("")
            return
        set_error("")
        timer_words = (
            t("lesson_form.no_timer")
            if shaped.minutes is None
            else t("lesson_form.timer", minutes=shaped.minutes)
        )
        set_done(
            t(
                "lesson_form.saved",
                total=game.rounds_total,
                quarters=shaped.quarters,
                deals=shaped.deals_from,
                timer=timer_words,
            )
        )

    with solara.Card(t("lesson_form.title")):
        solara.Text(t("lesson_form.intro"))
        with solara.Row(style={"flex-wrap": "wrap"}):
            for label, value, setter in (
                ("lesson_form.rounds", rounds, set_rounds),
                ("lesson_form.quarters", quarters, set_quarters),
                ("lesson_form.deals_from", deals, set_deals),
                ("lesson_form.minutes", minutes, set_minutes),
            ):
                solara.InputText(
                    label=t(label),
                    value=value,
                    on_value=lambda v, setter=setter: setter(v or ""),
                    continuous_update=True,
                    style={"min-width": "14em"},
                )
        solara.Button(t("lesson_form.save"), on_click=save, color="primary")
        if error:
            solara.Error(error)
        elif done:
            solara.Success(done)


def typed_minutes(text: str) -> float | None:
    """Minutes typed in a field: None if empty; ClassroomError unless above 0 and at most 180."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_MINUTES):
        raise ClassroomError(t("class_ui.bad_minutes", value=text, most=MAX_MINUTES))
    return value


@solara.component
def Export(game: ClassGame, token: str, act):
    """The whole game as one archive, saved in the state folder and offered for download."""
    saved, set_saved = solara.use_state(None)

    def export():
        path = game.state_dir / f"export-round-{game.round_no}.zip"
        set_saved(game.export(token, path))

    solara.Button(t("class_ui.export"), on_click=act(export))
    solara.FileDownload(
        lambda: game.debrief_page(token).encode("utf-8"),
        filename=f"class-debrief-round-{game.round_no}.html",
        label=t("lesson.debrief_download"),
    )
    if saved is not None:
        solara.FileDownload(
            saved.read_bytes(), filename=saved.name, label=t("class_ui.download", name=saved.name)
        )


def _number(value: float, fmt: str) -> str:
    """A number for a table as the reader's language writes it (+0,4 in French); "–" where
    there is none yet (never "nan", never "-0.0")."""
    if value is None or not math.isfinite(value):
        return "–"
    return format_value(fmt, float(value))


@solara.component
def SeatStatus(game: ClassGame, token: str, act, version: int = 0):
    """Every seat: who plays it, devices, lock, submitted, score, and its private decisions."""
    status = game.status()
    devices = game.devices()
    locked = game.locked
    with solara.Card(t("class_ui.status_title")):
        columns = [
            column("code", "country"),
            column("players", topic="class_ui"),
            ("devices", t("lesson.devices"), t("lesson.devices"), "{}"),
            column("submitted", topic="class_ui"),
            column("points", "real", topic="class_ui"),
            column("score"),
            column("shortage_share", "shortage"),
        ]
        frame = status.assign(
            submitted=status["submitted"].map({True: t("class_ui.yes"), False: t("class_ui.no")}),
            players=status["players"].map(lambda p: t(f"class_ui.players_{p}")),
            devices=[
                f"{devices.get(code, 0)}" + (f" · {t('lesson.locked')}" if code in locked else "")
                for code in status["code"]
            ],
            points=[_number(x, "{:+.1f}") for x in status["points"]],
            score=[_number(x, "{:+.1f}") for x in status["score"]],
            shortage_share=[_number(x, "{:.1%}") for x in status["shortage_share"]],
        )
        html(table_html(frame, columns, t("class_ui.status_title")))
        for code in status["code"]:
            decisions = game.submission(code)
            if decisions:
                solara.Markdown(
                    t(
                        "class_ui.seat_decisions",
                        code=code,
                        decisions="; ".join(
                            describe(action, clubs=game.world.club_names())
                            for action in decisions
                        ),
                    )
                )
        for code in status["code"]:
            to = "people" if game.players.get(code) == "bot" else "bot"
            with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
                solara.Button(
                    t(f"class_ui.hand_to_{to}", code=code),
                    on_click=act(lambda code=code, to=to: game.hand_over(token, code, to)),
                    small=True,
                    text=True,
                )
                is_locked = code in locked
                solara.Button(
                    t("lesson.unlock" if is_locked else "lesson.lock", code=code),
                    on_click=act(
                        lambda code=code, is_locked=is_locked: game.lock_seat(
                            token, code, not is_locked
                        )
                    ),
                    small=True,
                    text=True,
                )
                solara.Button(
                    t("lesson.reissue", code=code),
                    on_click=act(lambda code=code: game.reissue(token, code)),
                    small=True,
                    text=True,
                )


def base_url() -> str:
    return os.environ.get("MINERALS_CLASS_URL", "")


@solara.component
def History(game: ClassGame, token: str, act, version: int = 0):
    """Roll back to an earlier round, or branch a new game from it, after a confirmation
    that says what would be lost."""
    played = game.world.steps
    labels = {t("lesson.round_start"): 0}
    for step in range(game.lesson.quarters, played + 1, game.lesson.quarters):
        labels[
            t(
                "lesson.round_after",
                round=game.lesson.played(step),
                date=game.world.quarter_label(step),
            )
        ] = step
    if played not in labels.values():
        labels[
            t("lesson.round_after", round=game.rounds_played, date=game.world.quarter_label(played))
        ] = played
    last = list(labels)[-1]  # the last round played: nothing is lost until one picks earlier
    chosen, set_chosen = solara.use_state(None)
    asking, set_asking = solara.use_state("")
    branch_link, set_branch_link = solara.use_state("")
    label = chosen if chosen in labels else last
    step = labels[label]

    def branch():
        directory = f"{game.state_dir}-branch-{step}-{int(time.time())}"
        new = classroom.adopt(game.branch(token, step, directory))
        url = f"{base_url().rstrip('/')}/teacher?token={new.teacher_token}"
        set_branch_link(t("lesson.branch_made", url=url))

    def confirm():
        do = (lambda: game.rollback(token, step)) if asking == "rollback" else branch
        set_asking("")
        act(do)()

    with solara.Card(t("class_ui.history_title")):
        solara.Select(
            label=t("class_ui.round_choice"), values=list(labels), value=label, on_value=set_chosen
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(t("class_ui.rollback"), on_click=lambda: set_asking("rollback"))
            solara.Button(t("class_ui.branch"), on_click=lambda: set_asking("branch"))
        if asking:
            if asking == "rollback":
                lost = game.losses(step)
                solara.Warning(t("lesson.confirm_rollback", when=label, **lost))
            else:
                solara.Info(t("lesson.confirm_branch", when=label))
            with solara.Row():
                solara.Button(t("lesson.confirm"), on_click=confirm, color="error")
                solara.Button(t("lesson.cancel"), on_click=lambda: set_asking(""))
        if branch_link:
            solara.Markdown(branch_link)


@solara.component
def Cards(game: ClassGame, token: str, act, version: int = 0):
    """Prepared event cards from real history, fired into the next round."""
    cards = game.cards()
    titles = {title: name for name, title, _ in cards}
    chosen, set_chosen = solara.use_state(cards[0][1] if cards else "")
    fired, set_fired = solara.use_state(None)  # the card just fired: the teacher sees it went

    def fire():
        game.fire_card(token, titles[chosen])
        set_fired(chosen)

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
        solara.Button(t("class_ui.fire_card"), on_click=act(fire))
        if fired:
            solara.Success(t("class_ui.card_fired", title=fired))


@solara.component
def JoinLinks(game: ClassGame, token: str, act=None, version: int = 0):
    """The projector's link, the class code, and one seat's QR code at a time."""
    links = game.class_links(token, base_url())
    none = t("lesson.qr_none")
    shown, set_shown = solara.use_state(none)
    with solara.Card(t("class_ui.links_title")):
        solara.Markdown(t("lesson.screen_link", url=f"[{links['screen']}]({links['screen']})"))
        solara.Markdown(t("lesson.join_on", url=links["join"], code=game.class_code))
        for code in game.seats:
            solara.Markdown(t("class_ui.link_line", code=code, url=links[code]))
        solara.Select(
            label=t("lesson.show_qr"), values=[none, *game.seats], value=shown, on_value=set_shown
        )
        if shown in game.seats:
            html(qr_svg(links[shown], scale=8))


# --- the projector -------------------------------------------------------------------------------


@solara.component
def ScreenPage(game: ClassGame, version: int = 0):
    """For the whole class: nothing private. Big clock, the class's leaderboard, the round's
    headlines, the prices that moved most, the world map, and how to join."""
    tables = game.tables()
    since, now = _since(game), game.round_no
    with rv.Html(tag="div", class_="screen-page"):
        rv.Html(tag="h1", children=[t("lesson.screen_title", scenario=game.world.spec.title)])
        rv.Html(tag="h2", children=[round_line(game)])
        with rv.Html(tag="div", class_="class-cols"):
            with solara.Column():
                Countdown(game, version=version, big=True)
                board = class_board(game)
                with solara.Card(t("lesson.leaderboard_title")):
                    Leaderboard(game, board)
                    line(t("lesson.leaderboard_note"))
                Movers(game, tables, since, now)
            with solara.Column():
                if game.round_no == 0:  # while the class joins, the code is in view
                    JoinBox(game)
                WorldMapSlot(game, tables)
                ClassNews(game, version=version)
                if game.round_no:
                    JoinBox(game)


@solara.component
def WorldMapSlot(game: ClassGame, tables: dict):
    """The single-player game's world map (ui/map.py), of the mineral the scenario is about
    (its first scripted event), with nobody's flows: the projector has no "you"."""
    with solara.Card(t("game.map_title")):
        WorldMap(game.world, tables, None, scenario_mineral(game.world))


@solara.component
def JoinBox(game: ClassGame):
    url = f"{base_url().rstrip('/')}/join"
    with solara.Card(t("lesson.join_title")):
        solara.Markdown(t("lesson.join_on", url=url, code=game.class_code))
        html(qr_svg(url, scale=4))


@solara.component
def Leaderboard(game: ClassGame, board, change: bool = True):
    if board.empty:
        line(t("ui.no_scores"))
        return
    players = game.players

    def delegation(code: str) -> str:  # a seat the computer plays is no delegation's score
        name = listed_name(code)
        return t("lesson.seat_by_bot", name=name) if players.get(code) == "bot" else name

    frame = board.assign(
        delegation=[delegation(c) for c in board["country"]],
        points=[_number(x, "{:+.1f}") for x in board["points"]],
        change=[_number(x, "{:+.1f}") for x in board["change"]],
    )
    columns = [
        ("rank", t("lesson.col_rank"), t("lesson.col_rank"), "{}"),
        ("delegation", t("lesson.col_delegation"), t("lesson.col_delegation"), "{}"),
        ("points", t("lesson.col_points"), t("lesson.help_points"), "{}"),
    ]
    if change:  # the points of the round's quarters
        columns.append(("change", t("lesson.col_change"), t("lesson.help_change"), "{}"))
    html(table_html(frame, columns, t("lesson.leaderboard_title"), bold=None))


@solara.component
def Movers(game: ClassGame, tables: dict, since: int, now: int):
    data = game.world.data
    base = {good: float(price) for good, price in zip(data.goods, data.price0, strict=True)}
    moved = game.per_world(("movers",), lambda: report.movers(tables, base, since, now))
    with solara.Card(t("lesson.movers_title")):
        if moved.empty:
            solara.Text(t("ui.no_prices"))
        lines(
            [
                t("lesson.mover_line", good=good_label(row.mineral, row.stage), change=row.change)
                for row in moved.itertuples()
            ]
        )


def _kind(action: str) -> str:
    """An event's kind in words ("deal offer", not "proposed")."""
    key = f"game.action_{action}"
    return t(key) if has(key) else action.replace("_", " ")


@solara.component
def ClassNews(game: ClassGame, version: int = 0):
    """The round's news: the delegations' moves first, the computer's summarised; worked
    out once for every tab, said in each reader's language."""
    people = [code for code, who in game.players.items() if who == "people"]
    tables = game.tables()
    news = game.per_world(
        ("headlines", tuple(people)),
        lambda: report.headlines(
            tables, people, _since(game), game.round_no, game.world.deal_refs
        ),
    )
    with solara.Card(t("lesson.headlines_title")):
        if game.round_no == 0:
            solara.Text(t("lesson.no_news"))
            return
        if news["students"]:
            lines(
                [
                    t("lesson.more_moves", actor=detail[1], count=detail[2])
                    if isinstance(detail, tuple)  # ("more", actor, count)
                    else news_item(detail)
                    for detail in news["students"]
                ],
                heading=t("lesson.students_moves"),
            )
        if news["ai"] or news["ai_counts"]:
            said = [news_item(detail) for detail in news["ai"]]
            if news["ai_counts"]:
                kinds = t("lesson.kind_separator").join(
                    t("lesson.kind_count", kind=_kind(kind), count=n)
                    for kind, n in news["ai_counts"].items()
                )
                said.append(
                    t("lesson.ai_counted", count=sum(news["ai_counts"].values()), kinds=kinds)
                )
            lines(said, heading=t("lesson.ai_moves"))


@solara.component
def ClassDebrief(game: ClassGame, version: int = 0):
    debrief = solara.use_thread(game.debrief, dependencies=[version])
    world = game.world
    with solara.Card(t("ui.debrief_title")):
        if debrief.state != solara.ResultState.FINISHED:
            solara.Text(t("class_ui.debrief_wait"))
            return
        result = debrief.value
        solara.Markdown(f"**{t('lesson.leaderboard_title')}**")
        Leaderboard(game, class_board(game), change=False)
        ranking = result["ranking"]
        ranking = views.with_names(ranking, "country")  # not NOR, UKR
        columns = score_columns([column("rank")])
        html(table_html(ranking, columns, t("ui.ranking_title")))
        solara.Markdown(f"**{t('class_ui.counterfactual_title')}**")
        compared = result["counterfactual"]
        compared = views.with_names(compared, "country")
        columns = [
            column("country"),
            column("points", "real", fmt="{:.1f}", topic="class_ui"),
            (
                "points_without_deals",
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
        solara.Text(t("class_ui.deals_order"))
        for story in deal_stories(game.tables(), world.deal_refs, world.quarter_label):
            line(story.sentence)


@solara.component
def Layout(children=()):
    """No navigation bar: a link leads to one page, the teacher's or a delegation's."""
    solara.Column(children=list(children))


routes = [
    solara.Route(path="/", component=Page, layout=Layout),
    solara.Route(path="teacher", component=Page),
    solara.Route(path="seat", component=Page),
    solara.Route(path="screen", component=Page),
    solara.Route(path="join", component=Page),
]
