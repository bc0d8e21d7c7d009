"""The shared class game: one World, one teacher, delegations at seats, saved after every change.

A ``ClassGame`` is a logged game (model/game/replay.py) that many browser tabs use at once:
the teacher opens and closes rounds, delegations submit their seat's decisions while a
round is open (each submission replaces their previous one), and closing the round
plays one quarter with the last submission of every seat. Seats that did not submit keep
their standing measures or are played by their AI, as the teacher chooses.

Every request carries a link's token and is checked before anything changes; a refusal
is a ``ClassroomError`` with a message from the catalogue. One lock guards the game, so
requests from many threads apply one at a time. After every change ``game.json`` is
written atomically (never a pickle): a server killed at any moment resumes from it
(``ClassGame.resume``) by replaying the log, with every acknowledged submission.

The game keeps the lock, the rounds and the submissions, and orchestrates three helpers
with one idea each: the seats and their links (model/game/seats.py), the message board
(model/game/board.py) and the file on disk (model/game/store.py).
"""

import functools
import itertools
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from agents.actions import (
    ACTION_TYPES,
    Action,
    Demand,
    FoundCoalition,
    Join,
    Leave,
    Propose,
    Respond,
    Shock,
    from_dict,
    to_dict,
)
from model.data import provenance
from model.data.scenario import SCENARIOS_DIR, ScenarioError, load_scenario, scenario_path
from model.data.world_data import WorldDataError, load_world
from model.engine.world import World
from model.game import archive, debrief, decisions, report, roles, store, totals
from model.game.board import BOARD, EVERYONE, TEACHER, MessageBoard
from model.game.cards import card_names, load_card
from model.game.decisions import check
from model.game.lesson import Lesson
from model.game.refusals import ClassroomError, SaveError
from model.game.replay import (
    BOT,
    PEOPLE,
    GameLog,
    Table,
    Turn,
    records,
    replay,
    scenario_digest,
    split,
)
from model.game.seats import DEFAULT_SEATS, Seats, one_of, seat_codes
from model.game.store import GAME_FILE, TABLES_DIR
from model.text import country_name, joined, language, listed_name, t

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SEATS",
    "EVERYONE",
    "GAME_FILE",
    "TABLES_DIR",
    "TEACHER",
    "ClassGame",
    "ClassroomError",
    "SaveError",
    "seat_codes",
    "shared",
]

STANDING = "standing"
ABSENT_RULES = (STANDING, BOT)
MAX_ACTIONS = 40  # per submission: more than any delegation types in a round
MAX_AI_OFFERS = 3  # offers from the computer's countries that reach a delegation each round
MAX_MINUTES = 180.0  # a round timer longer than a double lesson is a typing mistake
# what "deals open from round N" holds back
DEALS = (Propose, Respond, Join, Leave, FoundCoalition)


def _changes(method):
    """Run a public method under the lock; tell subscribers afterwards if it changed the game.

    If the change cannot be saved, the game goes back to how it was before it, so that
    what the tabs show is what a restart would resume.
    """

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        changed = False
        try:
            with self._lock:
                before = self.version
                record, table = json.loads(json.dumps(self._record())), self.table
                try:
                    return method(self, *args, **kwargs)
                except SaveError:
                    self._undo(record, table)
                    raise
                finally:
                    changed = self.version != before
        finally:
            if changed:
                self._notify()

    return locked


def _reads(method):
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class ClassGame:
    """One class game; the only object the classroom pages call. Use ``create`` or ``resume``."""

    def __init__(self, table: Table, state_dir: Path, name: str):
        self._lock = threading.RLock()
        self._subscribers: dict[int, Callable[[], None]] = {}
        self._keys = itertools.count()
        self.table = table
        self.state_dir = Path(state_dir)
        self.name = name
        self.seating = Seats(table.log.seats)
        self.board = MessageBoard()
        self.absent_rule = STANDING
        self.round_open = False
        self.deadline: float | None = None
        self.paused = False
        self._remaining: float | None = None  # seconds left on the timer while paused
        self._submissions: dict[str, list[dict]] = {}  # seat -> action records
        self._refs_given = 0  # offers between delegations named so far (Propose.ref)
        # answers made void this round by their offer's withdrawal: both sides are told
        self._voided: list[dict] = []
        self.version = 0
        self._world_changes = 0  # rounds played and rollbacks: when the tables change
        self._tables_cache: tuple[int, dict[str, pd.DataFrame]] | None = None
        self._files = store.TableFiles(self.state_dir / TABLES_DIR)  # rows appended per round
        self._debrief_cache: tuple[tuple, dict] | None = None
        self.lesson = Lesson()
        self.branches: list[str] = []  # state folders of games branched from this one
        self.presence = 0  # counts devices joining and leaving seats (never saved)
        self._per_world: tuple[int, dict] = (-1, {})
        # changes by kind that few pages show (not saved): a kind is a seat, BOARD, or the
        # seats one change touches (an offer between delegations: both of them)
        self.quiet: Counter[str | tuple[str, ...]] = Counter()

    # --- making, resuming, saving -----------------------------------------------------------
    @classmethod
    def create(
        cls,
        scenario: str,
        seats: list[str] | None,
        state_dir: Path,
        seed: int | None = None,
        name: str | None = None,
        lesson: Lesson | None = None,
    ) -> "ClassGame":
        """A new game in ``state_dir`` (which must not hold one); seats default to DEFAULT_SEATS."""
        try:
            spec = load_scenario(scenario, seed=seed)
            codes = load_world(spec.world).codes
        except (ScenarioError, WorldDataError) as error:
            raise ClassroomError(str(error)) from None
        if seats is None:
            seats = [code for code in DEFAULT_SEATS if code in codes]
        seats = seat_codes(codes, seats)
        bundled = scenario_path(scenario).resolve().parent == SCENARIOS_DIR.resolve()
        source = spec.name if bundled else str(scenario_path(scenario).resolve())
        log = GameLog(
            source, spec.seed, seats, scenario_sha256=scenario_digest(scenario), language=language()
        )
        game = cls(Table(log, spec), Path(state_dir), name or spec.title)
        game.lesson = lesson or Lesson()
        game._claim_dir()
        game._save(tables=True)
        return game

    @classmethod
    def resume(cls, state_dir: Path) -> "ClassGame":
        """The game saved in ``state_dir``, replayed to where it stopped."""
        path = Path(state_dir) / GAME_FILE
        if not path.is_file():
            raise ClassroomError(t("classroom.no_game", dir=state_dir))
        try:
            saved = store.load(Path(state_dir))
            game = cls(replay(GameLog.from_json(saved["log"])), Path(state_dir), saved["name"])
            game._restore(saved)
        except (OSError, KeyError, TypeError, ValueError, AttributeError) as error:
            reason = archive.explain(error)
            raise ClassroomError(t("classroom.corrupt", file=path, reason=reason)) from None
        except (ScenarioError, WorldDataError) as error:
            raise ClassroomError(t("classroom.corrupt", file=path, reason=error)) from None
        return game

    def _restore(self, saved: dict) -> None:
        seats = self.log.seats
        self.seating.restore(saved)
        self.absent_rule = one_of(saved["absent_rule"], ABSENT_RULES)
        self.round_open = bool(saved["round_open"])
        self.deadline = None if saved["deadline"] is None else float(saved["deadline"])
        self.paused = bool(saved["paused"])
        self._remaining = None if saved["remaining"] is None else float(saved["remaining"])
        for code, entries in saved["submissions"].items():
            if code not in seats:
                raise ValueError(t("classroom.seats_mismatch"))
            for entry in entries:  # a record the game could not play is corruption
                if from_dict(entry).actor != code:
                    raise ValueError(t("deals.not_your_seat", actor=entry["actor"], code=code))
            self._submissions[code] = list(entries)
        self._refs_given = int(saved.get("refs_given", 0))
        self._voided = [dict(entry) for entry in saved.get("voided", [])]
        self.board = MessageBoard(saved["messages"])
        self.version = int(saved["version"])
        self.lesson = Lesson.from_record(saved.get("lesson"))
        self.branches = [str(path) for path in saved.get("branches", [])]

    def _claim_dir(self) -> None:
        store.claim(self.state_dir)
        try:  # what made the game: ``minerals host --resume`` checks it
            provenance.write(self.state_dir, provenance.describe(self.table.spec))
        except OSError as error:
            raise ClassroomError(
                t("classroom.cannot_write", dir=self.state_dir, reason=error.strerror)
            ) from None

    def _record(self, tokens: bool = True) -> dict:
        """The game as JSON: everything ``resume`` needs (the tokens only if ``tokens``)."""
        record = {
            "format": store.FORMAT,
            "name": self.name,
            "saved": datetime.now(UTC).isoformat(timespec="seconds"),
            "log": self.log.to_json(),
            **self.seating.record(tokens),
            "absent_rule": self.absent_rule,
            "round_open": self.round_open,
            "deadline": self.deadline,
            "paused": self.paused,
            "remaining": self._remaining,
            "submissions": {code: list(entries) for code, entries in self._submissions.items()},
            "refs_given": self._refs_given,
            "voided": [dict(entry) for entry in self._voided],
            "messages": self.board.record(),
            "version": self.version,
            "lesson": self.lesson.record(),
            "branches": list(self.branches),
        }
        return record

    def _save(self, tables: bool = False) -> None:
        """Save the game (and its tables after a round); SaveError if the disk refuses."""
        store.save(self.state_dir, self._record(), self._tables() if tables else None, self._files)

    def _undo(self, record: dict, table: Table) -> None:
        """Go back to the game ``record`` describes, whose world ``table`` held before."""
        log = GameLog.from_json(record["log"])
        # The world now, or the one before the change, if it is still at that round.
        now = [x for x in (self.table, table) if x.world.steps == len(log.turns)]
        table = now[0] if now else replay(log)
        table.log = log
        self.table = table
        self._world_changes += 1
        self._files.forget()  # a save failed: its tables may be half-written
        self._submissions = {}
        self.board = MessageBoard()
        self._restore(record)

    def _changed(self, tables: bool = False, quiet: str | tuple[str, ...] | None = None) -> None:
        """Count and save a change; ``quiet`` names a change only some pages show: a message
        ("board": the message boxes) or seats' submissions (their pages and the teacher's)."""
        self.version += 1
        if quiet is not None:
            self.quiet[quiet] += 1
        self._save(tables)

    def page_version(self, shows: tuple[str, ...] = ()) -> int:
        """Changes a page must redraw for: all but the quiet ones it does not show."""
        return self.version - sum(n for kind, n in self.quiet.items() if not _shown(kind, shows))

    # --- who is asking --------------------------------------------------------------------
    @property
    def teacher_token(self) -> str:
        return self.seating.teacher_token

    @property
    def seat_tokens(self) -> dict[str, str]:
        return self.seating.tokens

    @property
    def players(self) -> dict[str, str]:
        """Who plays each seat: "people" (its delegation) or "bot" (its AI)."""
        return self.seating.players

    @_reads
    def role(self, token: str | None) -> tuple[str, str | None] | None:
        """("teacher", None), ("seat", code), or None for a token that is no link of this game."""
        return self.seating.role(token)

    def _teacher(self, token: str | None) -> None:
        self.seating.check_teacher(token)

    def _seat(self, token: str | None) -> str:
        return self.seating.check_seat(token)

    @_reads
    def links(self, token: str, base_url: str) -> dict[str, str]:
        """The teacher's link and one join link per seat (teacher only: the links are keys)."""
        self._teacher(token)
        return self.seating.links(base_url)

    # --- listening for changes ------------------------------------------------------------
    @_reads
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` after every change (e.g. to refresh a tab); returns unsubscribe."""
        key = next(self._keys)
        self._subscribers[key] = callback

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.pop(key, None)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            callbacks = list(self._subscribers.values())
        for callback in callbacks:
            try:
                callback()
            except Exception:  # one broken tab must not stop the game or the other tabs
                logger.exception("a classroom subscriber failed")

    # --- what everyone reads --------------------------------------------------------------
    def per_world(self, key: tuple, compute: Callable[[], object]):
        """``compute()``, worked out once per state of the world for ``key`` and shared by
        every tab (a round's report is the same for the thirty tabs that show it)."""
        with self._lock:
            if self._per_world[0] != self._world_changes:
                self._per_world = (self._world_changes, {})
            cache = self._per_world[1]
            if key not in cache:
                cache[key] = compute()
            return cache[key]

    @property
    def world_version(self) -> int:
        """Changes when the world's tables do (a round played, a rollback): a cache key."""
        return self._world_changes

    @property
    def world(self) -> World:
        return self.table.world

    @property
    def log(self) -> GameLog:
        return self.table.log

    @property
    def seats(self) -> list[str]:
        return list(self.table.log.seats)

    @property
    def round_no(self) -> int:
        """Rounds played (= quarters the world has stepped)."""
        return self.table.world.steps

    @property
    def finished(self) -> bool:
        """The scenario's quarters, or the lesson's rounds, are all played."""
        steps = self.world.spec.steps
        return self.round_no >= steps or self.rounds_played >= self.rounds_total

    @property
    def rounds_total(self) -> int:
        """Rounds in this lesson ("round 3 of 5")."""
        return self.lesson.total(self.world.spec.steps)

    @property
    def rounds_played(self) -> int:
        return self.lesson.played(self.round_no)

    @property
    def class_round(self) -> int:
        """The round the class decides now (1 before the first is played), or the last one."""
        return min(self.rounds_played + 1, self.rounds_total)

    @property
    def last_round(self) -> bool:
        return not self.finished and self.class_round == self.rounds_total

    @property
    def deals_open(self) -> bool:
        return self.class_round >= self.lesson.deals_from

    def date(self) -> str:
        """The quarter the class decides now (the one the next round plays)."""
        return self.world.quarter_label(min(self.round_no + 1, self.world.spec.steps))

    def time_left(self) -> float | None:
        """Seconds left on the round's timer (frozen while paused), or None without a timer."""
        if self.paused:
            return self._remaining
        if self.deadline is None or not self.round_open:
            return None
        return max(self.deadline - time.time(), 0.0)

    def cards(self) -> list[tuple[str, str, str]]:
        """(name, title, description) of the event cards (configs/cards) that fit this world."""
        listing = []
        for name in card_names():
            try:
                card = load_card(name, self.world.spec.world)
            except ScenarioError as error:
                logger.warning("event card left out: %s", error)
                continue
            listing.append((card.name, card.title, card.description))
        return listing

    def _tables(self) -> dict[str, pd.DataFrame]:
        if self._tables_cache is None or self._tables_cache[0] != self._world_changes:
            self._tables_cache = (self._world_changes, self.world.tables())
        return self._tables_cache[1]

    @_reads
    def tables(self) -> dict[str, pd.DataFrame]:
        """The World's output tables (built once per round; do not change them)."""
        return self._tables()

    # --- the teacher's controls -------------------------------------------------------------
    @_changes
    def open_round(self, token: str, minutes: float | None = None) -> None:
        """Let delegations submit; with ``minutes`` (or the lesson's), a timer. Opening an open
        round resets its timer."""
        self._teacher(token)
        if minutes is None:
            minutes = self.lesson.minutes
        if self.paused:
            raise ClassroomError(t("classroom.paused_teacher"))
        if self.finished:
            raise ClassroomError(t("classroom.game_over", rounds=self.round_no))
        if minutes is not None and (
            isinstance(minutes, bool)
            or not isinstance(minutes, int | float)
            or not 0 < minutes <= MAX_MINUTES
        ):
            raise ClassroomError(t("classroom.bad_minutes", value=minutes, most=MAX_MINUTES))
        self.round_open = True
        self.deadline = None if minutes is None else time.time() + 60.0 * minutes
        self._changed()

    @_changes
    def close_round(self, token: str) -> Turn:
        """Play the quarter with every seat's last submission; return the turn played.

        Closing when no round is open plays a quarter in which nobody submitted.
        """
        self._teacher(token)
        if self.paused:
            raise ClassroomError(t("classroom.paused_teacher"))
        if self.finished:
            raise ClassroomError(t("classroom.game_over", rounds=self.round_no))
        turn = self._turn()
        try:
            self.table.play(turn)
        except Exception as error:
            self.table = replay(self.log)  # never leave a half-played quarter behind
            self._world_changes += 1
            self._files.forget()
            self._failed(turn, error)
        self.log.turns.append(turn)
        # The round's further quarters: the class's measures stand, the AI plays its seats.
        while self.round_no % self.lesson.quarters and self.round_no < self.world.spec.steps:
            later = self._turn(standing=True)
            self.table.play(later)
            self.log.turns.append(later)
        self._world_changes += 1
        self._submissions, self._voided = {}, []
        self.round_open = False
        self.deadline = None
        self._changed(tables=True)
        return turn

    def _failed(self, turn: Turn, error: Exception) -> None:
        """A quarter that could not be played: find whose submission breaks it, drop it and
        tell that seat, so that the next close plays; raise ClassroomError saying what happened.
        """
        logger.error("round %s could not be played", turn.step, exc_info=error)
        problem = f"{type(error).__name__}: {error}"
        for code in self.log.seats:
            if not (turn.actions.get(code) or turn.answers.get(code)):
                continue
            trial = replay(self.log)
            try:
                trial.play(
                    replace(
                        turn, actions={**turn.actions, code: []}, answers={**turn.answers, code: []}
                    )
                )
            except Exception:
                continue
            self._submissions.pop(code, None)
            self._post(TEACHER, code, t("classroom.submission_dropped", round=turn.step))
            self._changed()
            raise ClassroomError(
                t("classroom.round_failed_seat", round=turn.step, code=code, problem=problem)
            ) from None
        raise ClassroomError(
            t("classroom.round_failed", round=turn.step, problem=problem)
        ) from None

    def _turn(self, standing: bool = False) -> Turn:
        """The next quarter's turn: the submissions (or, ``standing``, nobody's new move)."""
        step = self.round_no + 1
        cards = [c["action"] for c in self.log.cards if c["step"] == step and not c.get("advice")]
        turn = Turn(step, cards=cards)
        for code in self.log.seats:
            submitted = None if standing else self._submissions.get(code)
            absent = submitted is None and self.absent_rule == BOT and not standing
            if self.players[code] == BOT or absent:
                turn.players[code] = BOT
                continue
            turn.players[code] = PEOPLE
            turn.actions[code], turn.answers[code] = split(submitted or [])
        return turn

    @_changes
    def pause(self, token: str) -> None:
        """Freeze the game: no submission, no round, the timer stops."""
        self._teacher(token)
        if self.paused:
            return
        self.paused = True
        self._remaining = None if self.deadline is None else max(self.deadline - time.time(), 0)
        self.deadline = None
        self._changed()

    @_changes
    def unpause(self, token: str) -> None:
        self._teacher(token)
        if not self.paused:
            return
        self.paused = False
        if self._remaining is not None and self.round_open:
            self.deadline = time.time() + self._remaining
        self._remaining = None
        self._changed()

    @_changes
    def extend(self, token: str, minutes: float = 1.0) -> None:
        """Give the open round ``minutes`` more (from now if its time is up already)."""
        self._teacher(token)
        if not self.round_open:
            raise ClassroomError(t("lesson.nothing_to_extend"))
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise ClassroomError(t("classroom.bad_minutes", value=minutes, most=MAX_MINUTES))
        if not 0 < minutes <= MAX_MINUTES:
            raise ClassroomError(t("classroom.bad_minutes", value=minutes, most=MAX_MINUTES))
        now, more = time.time(), 60.0 * minutes
        if self.paused:
            self._remaining = (self._remaining or 0.0) + more
        elif self.deadline is None:
            self.deadline = now + more
        else:
            self.deadline = max(self.deadline, now) + more
        self._changed()

    @_changes
    def set_lesson(self, token: str, lesson: Lesson) -> None:
        """Give the lesson another shape (rounds, quarters, deals, timer), before it starts:
        once a round is open, the class is playing the shape it was told."""
        self._teacher(token)
        if not isinstance(lesson, Lesson):
            raise ClassroomError(t("lesson.bad_record"))
        if self.round_no or self.round_open:
            raise ClassroomError(t("lesson_form.started", round=self.class_round))
        total = lesson.total(self.world.spec.steps)
        if lesson.deals_from > total:
            raise ClassroomError(
                t("lesson_form.deals_after_end", value=lesson.deals_from, total=total)
            )
        if lesson != self.lesson:
            self.lesson = lesson
            self._changed()

    @_changes
    def set_auto_close(self, token: str, on: bool) -> None:
        """Close each round by itself when its time is up (``tick`` does it)."""
        self._teacher(token)
        if bool(on) != self.lesson.auto_close:
            self.lesson = replace(self.lesson, auto_close=bool(on))
            self._changed()

    def tick(self) -> bool:
        """Close the round if its time is up and the lesson closes rounds by itself; whether it
        did. Every open tab calls this about once a second; the first one closes."""
        with self._lock:
            due = (
                self.lesson.auto_close
                and self.round_open
                and not self.paused
                and self.deadline is not None
                and time.time() > self.deadline
                and not self.finished
            )
            if not due:
                return False
            self.close_round(self.teacher_token)
            return True

    # --- the seats' links, locks and devices --------------------------------------------------
    @_reads
    def class_links(self, token: str, base_url: str) -> dict[str, str]:
        """links() and the projector's and the join page's (teacher only)."""
        self._teacher(token)
        base = base_url.rstrip("/")
        return {
            **self.seating.links(base),
            "screen": f"{base}/screen?token={self.seating.screen_token}",
            "join": f"{base}/join",
        }

    @property
    def class_code(self) -> str:
        """The code projected for the room: it opens the seat picker (not a secret)."""
        return self.seating.class_code

    @_reads
    def join(self, class_code: str) -> dict[str, str]:
        """The seats (code -> token) a student who typed ``class_code`` may pick."""
        return self.seating.open_seats(class_code)

    @_changes
    def lock_seat(self, token: str, code: str, locked: bool = True) -> None:
        """Take a seat out of the picker (its delegation has joined), or put it back."""
        self._teacher(token)
        if self.seating.lock(code, locked):
            self._changed()

    @_changes
    def reissue(self, token: str, code: str) -> str:
        """A new link for ``code``; the old one stops working. Returns the new token."""
        self._teacher(token)
        new = self.seating.reissue(code)
        self._changed()
        return new

    @property
    def locked(self) -> set[str]:
        return set(self.seating.locked)

    def connect(self, code: str) -> Callable[[], None]:
        """Count a device on seat ``code``; returns the call that counts it out."""
        with self._lock:
            self.seating.connected[code] += 1
            self.presence += 1
        self._notify()

        def disconnect() -> None:
            with self._lock:
                self.seating.connected[code] -= 1
                self.presence += 1
            self._notify()

        return disconnect

    def devices(self) -> dict[str, int]:
        """Devices connected to each seat now."""
        with self._lock:
            return {code: max(self.seating.connected[code], 0) for code in self.log.seats}

    @_changes
    def hand_over(self, token: str, code: str, to: str) -> None:
        """Give a seat to its AI (``"bot"``) or back to its delegation (``"people"``).

        Handing a seat to its AI drops its submission: it was made for a seat the
        delegation no longer plays.
        """
        self._teacher(token)
        if not self.seating.hand_over(code, to):
            return
        if to == BOT:
            self._settle(code, self._submissions.pop(code, []))
        self._changed()

    @_changes
    def set_absent_rule(self, token: str, rule: str) -> None:
        """What a seat that did not submit does: keep its standing measures, or its AI decides."""
        self._teacher(token)
        if rule not in ABSENT_RULES:
            raise ClassroomError(
                t("classroom.bad_absent_rule", value=rule, allowed=", ".join(ABSENT_RULES))
            )
        if rule != self.absent_rule:
            self.absent_rule = rule
            self._changed()

    @_changes
    def rollback(self, token: str, round_no: int) -> None:
        """Go back to the world after ``round_no`` rounds: later rounds, and cards fired in
        them, are gone; moves still to come of cards fired by then stay scheduled."""
        self._teacher(token)
        self._check_round(round_no)
        self.table = replay(self.log.upto(round_no))
        self._world_changes += 1
        self._files.forget()  # the later rounds' rows go: the tables are rewritten
        self._submissions, self._voided = {}, []
        self.round_open = False
        self.deadline = None
        self._remaining = None
        self._changed(tables=True)

    def _check_round(self, round_no) -> None:
        if isinstance(round_no, bool) or not isinstance(round_no, int):
            raise ClassroomError(t("classroom.bad_round", value=round_no, rounds=self.round_no))
        if not 0 <= round_no <= self.round_no:
            raise ClassroomError(t("classroom.bad_round", value=round_no, rounds=self.round_no))

    @_reads
    def losses(self, round_no: int) -> dict[str, int]:
        """What rolling back to ``round_no`` quarters would delete: quarters played after it,
        decisions in them and in the open round, and event cards fired after it."""
        self._check_round(round_no)
        later = self.log.turns[round_no:]
        decided = sum(
            len(a) for turn in later for a in (*turn.actions.values(), *turn.answers.values())
        )
        return {
            "quarters": len(later),
            "decisions": decided + sum(len(e) for e in self._submissions.values()),
            "cards": len(
                {(c["round"], c["card"]) for c in self.log.cards if c["round"] > round_no}
            ),
        }

    @_changes
    def branch(self, token: str, round_no: int, state_dir: Path) -> "ClassGame":
        """A new game (new links) in ``state_dir`` that starts from this one after ``round_no``;
        it is remembered here, so that its links work again after a restart."""
        self._teacher(token)
        self._check_round(round_no)
        game = ClassGame(
            replay(self.log.upto(round_no)),
            Path(state_dir),
            t("classroom.branch_name", name=self.name, round=round_no),
        )
        game.seating.players = dict(self.players)
        game.absent_rule = self.absent_rule
        game.lesson = self.lesson
        game._claim_dir()
        game._save(tables=True)
        self.branches.append(str(Path(state_dir).resolve()))
        self._changed()
        return game

    @_changes
    def fire_card(self, token: str, card_name: str) -> None:
        """Schedule an event card's moves from the next quarter on, and tell everyone."""
        self._teacher(token)
        try:
            card = load_card(card_name, self.world.spec.world)
        except ScenarioError as error:
            raise ClassroomError(str(error)) from None
        now = self.round_no
        # A delegation decides for itself: the card's moves reach it as news to act on.
        yours: dict[str, list[str]] = {}
        for _, action in card.actions:
            if self.players.get(action.actor) == PEOPLE:
                yours.setdefault(action.actor, []).append(action.note)
        for code, notes in yours.items():
            self._post(
                TEACHER, code, t("lesson.card_for_you", title=card.title, note=joined(notes, " "))
            )
        for step, action in card.actions:
            note = t("classroom.card_note", title=card.title, note=action.note)
            record = to_dict(action) | {"note": note}
            fired = {"round": now + 1, "step": now + step, "card": card.name, "action": record}
            # Logged either way (the debrief lists every card fired); a delegation's own
            # move is advice to it, never played in its name.
            self.log.cards.append(fired | ({"advice": True} if action.actor in yours else {}))
        self._post(
            TEACHER,
            EVERYONE,
            t("classroom.card_message", title=card.title, description=card.description),
        )
        self._changed()

    @_reads
    def export(self, token: str, path: Path) -> Path:
        """The whole game in one zip: game.json, messages.json, every table as CSV, README.txt."""
        self._teacher(token)
        readme = t(
            "classroom.readme",
            name=self.name,
            scenario=self.log.scenario,
            seed=self.log.seed,
            rounds=self.round_no,
            seats=", ".join(self.seats),
            tables=", ".join(self._tables()),
        )
        try:
            made = provenance.read(self.state_dir) or provenance.describe(self.table.spec)
            return archive.write(
                Path(path), self._record(tokens=False), self.board.messages, self._tables(), readme,
                made,
            )  # fmt: skip
        except OSError as error:
            raise ClassroomError(
                t("classroom.cannot_export", path=path, reason=error.strerror or error)
            ) from None

    # --- the seats ----------------------------------------------------------------------------
    @_changes
    def submit(self, token: str, actions: list[Action] | list[dict]) -> list[str | None]:
        """Replace the seat's decisions for the open round; one reason (or None) per action.

        If any action is refused, nothing is stored and the previous submission stands.
        """
        return self._submit(self._seat_playing(token), actions)

    @_changes
    def add_decision(self, token: str, action: Action | dict) -> str | None:
        """Add one decision to the seat's submission (a new answer to an offer replaces the
        earlier one); the reason it is refused, or None once it is stored."""
        code = self._seat_playing(token)
        try:
            decision = _decoded(action)
        except ValueError as error:
            return str(error)
        submitted = [from_dict(entry) for entry in self._submissions.get(code, [])]
        if isinstance(decision, Respond) and decision in submitted:
            key = decisions.offer_key(decision)  # the same answer again: say so, change nothing
            return t(f"class_offers.answered_{decision.answer}", offer=key)
        reasons = self._submit(code, decisions.with_decision(submitted, decision))
        return next((reason for reason in reasons if reason), None)

    @_changes
    def withdraw(self, token: str, index: int) -> None:
        """Take back the seat's ``index``-th submitted decision (as ``submission`` lists them)."""
        code = self._seat_playing(token)
        entries = self._submissions.get(code, [])
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(entries):
            raise ClassroomError(t("classroom.bad_index", value=index, count=len(entries)))
        self._submissions[code] = entries[:index] + entries[index + 1 :]
        self._changed(quiet=self._settle(code, entries))

    def _seat_playing(self, token: str) -> str:
        """The seat of ``token``, if its delegation may decide now."""
        code = self._seat(token)
        self._check_open()
        if self.players[code] == BOT:
            raise ClassroomError(t("classroom.seat_is_bot", code=code))
        return code

    def _submit(self, code: str, actions: list[Action] | list[dict]) -> list[str | None]:
        if not isinstance(actions, list | tuple):
            raise ClassroomError(t("classroom.not_a_list", value=type(actions).__name__))
        if len(actions) > MAX_ACTIONS:
            raise ClassroomError(t("classroom.too_many", count=len(actions), most=MAX_ACTIONS))
        hidden = {offer["deal_id"] for offer in self._offers(code)[1]}
        made = decisions.offers_made(self._submissions, code)
        decoded: list[Action | None] = []
        reasons: list[str | None] = []
        for entry in actions:
            try:
                action = _decoded(entry)
            except ValueError as error:
                decoded.append(None)
                reasons.append(str(error))
                continue
            decoded.append(action)
            if isinstance(action, Shock):
                reasons.append(t("classroom.no_shock"))
            elif isinstance(action, Demand):
                reasons.append(t("demand.not_a_decision"))
            elif isinstance(action, DEALS) and not self.deals_open:
                reasons.append(t("lesson.deals_closed", round=self.lesson.deals_from))
            elif isinstance(action, Respond) and action.answer == "counter" and self.last_round:
                # the counter-offer's answer would be due in a round that never comes
                reasons.append(t("class_offers.no_counter_last_round"))
            elif isinstance(action, Respond) and action.ref and action.ref not in made:
                # another seat's answer is refused for being another seat's (check says so)
                reasons.append(self._gone(action.ref) if action.actor == code else None)
            elif isinstance(action, Respond) and action.offer_id in hidden:
                reasons.append(t("class_offers.hidden", offer=action.offer_id))
            else:
                reasons.append(None)
        # The World's own rules judge every well-formed action, so each gets its reason; an
        # offer's ref is the game's to give (two offers alike are one offer made twice).
        tried = [
            replace(a, ref="") if isinstance(a, Propose) else a for a in decoded if a is not None
        ]
        verdicts = iter(check(self.world, code, tried, made))
        for k, action in enumerate(decoded):
            if action is not None:
                verdict = next(verdicts)
                reasons[k] = reasons[k] or verdict
        if any(reasons):
            return reasons
        before = self._submissions.get(code, [])
        named = decisions.named_offers(before)
        others, answers = records([self._named(a, named) for a in decoded])
        self._submissions[code] = [*others, *answers]
        self._changed(quiet=self._settle(code, before))
        return reasons

    def _named(self, action: Action, named: dict[str, dict]) -> Action:
        """``action``, and if it is an offer to a delegation, with its ref: the one it had if
        it is unchanged, a new one if it is new or changed (an answer to the offer as it was
        must not bind the partner to another). Offers to the computer's countries have none:
        they are answered when the quarter is played."""
        if not isinstance(action, Propose):
            return action
        if self.players.get(action.partner) != PEOPLE:
            return replace(action, ref="")
        if action.ref and named.get(action.ref) == to_dict(action):
            return action
        self._refs_given += 1
        return replace(action, ref=f"{action.actor}-{self._refs_given}")

    def _settle(self, code: str, before: list[dict]) -> tuple[str, ...]:
        """After ``code``'s decisions changed from ``before``: drop the answers to offers
        no longer on the table (and remember them, so that both sides are told); the seats
        whose pages show the change (``code``, partners whose offers came or went,
        proposers whose offer was answered)."""
        on_table = {  # ref -> (who offered it, to whom), every seat's offers as they stand
            ref: (seat, entry["partner"])
            for seat, entries in self._submissions.items()
            for ref, entry in decisions.named_offers(entries).items()
        }
        offered = decisions.named_offers(before)
        now = self._submissions.get(code, [])
        touched = {code}
        touched.update(
            e["partner"] for e in [*offered.values(), *decisions.named_offers(now).values()]
        )
        touched.update(on_table[e["ref"]][0] for e in [*before, *now] if e.get("ref") in on_table)
        for seat, entries in list(self._submissions.items()):
            kept = [
                e
                for e in entries
                if not (
                    e["kind"] == Respond.kind
                    and e.get("ref")
                    and on_table.get(e["ref"], (None, None))[1] != seat
                )
            ]
            if len(kept) != len(entries):
                self._submissions[seat] = kept
                touched.add(seat)
                self._voided += [
                    {"ref": e["ref"], "proposer": code, "partner": seat, "answer": e["answer"]}
                    for e in entries
                    if e not in kept and e["ref"] in offered
                ]
        return tuple(sorted(touched & set(self.log.seats)))

    def _gone(self, ref: str) -> str:
        """Why an answer to the offer ``ref`` made this round is refused."""
        for entries in self._submissions.values():
            entry = decisions.named_offers(entries).get(ref)
            if entry is not None:
                return t("class_offers.not_yours", offer=ref, partner=entry["partner"])
        return t("class_offers.withdrawn", offer=ref)

    def _check_open(self) -> None:
        if self.paused:
            raise ClassroomError(t("classroom.paused"))
        if not self.round_open:
            raise ClassroomError(t("classroom.round_closed"))
        if self.deadline is not None and time.time() > self.deadline:
            raise ClassroomError(t("classroom.time_up"))

    @_reads
    def submission(self, code: str) -> list[Action]:
        """The seat's submitted decisions for the open round (empty if none)."""
        return [from_dict(entry) for entry in self._submissions.get(code, [])]

    @_reads
    def submitted(self) -> dict[str, bool]:
        return {code: code in self._submissions for code in self.log.seats}

    @_changes
    def send_message(self, token: str, to: str, text: str) -> dict:
        """Post a short message to a seat, to the teacher or to everyone ("all")."""
        role = self.role(token)
        if role is None:
            raise ClassroomError(t("classroom.not_a_link"))
        sender = TEACHER if role[0] == TEACHER else role[1]
        message = self.board.send(sender, to, text, self.log.seats, self.round_no + 1)
        self._changed(quiet=BOARD)
        return message

    def _post(self, sender: str, to: str, text: str) -> dict:
        return self.board.post(sender, to, text, self.round_no + 1)

    @_reads
    def messages(self, token: str) -> list[dict]:
        """The teacher reads every message; a seat those to it, to everyone, and its own."""
        role = self.role(token)
        if role is None:
            raise ClassroomError(t("classroom.not_a_link"))
        return self.board.read_by(None if role[0] == TEACHER else role[1])

    @_reads
    def message_count(self, token: str) -> int:
        """How many messages ``token``'s link reads (0 for the projector or a stale link)."""
        role = self.role(token)
        if role is None or role[0] not in (TEACHER, "seat"):
            return 0
        return self.board.count_for(None if role[0] == TEACHER else role[1])

    @_reads
    def inbox(self, code: str) -> list[dict]:
        """Offers waiting for ``code``'s answer this round (they lapse if unanswered): every
        delegation's, and at most MAX_AI_OFFERS from countries the computer plays."""
        return self._offers(code)[0]

    @_reads
    def hidden_offers(self, code: str) -> dict[str, int]:
        """The computer's offers to ``code`` beyond the cap, counted by kind of deal: they
        reach no delegation (nobody can answer them) and lapse at the round's close."""
        return dict(Counter(offer["deal"] for offer in self._offers(code)[1]))

    def _offers(self, code: str) -> tuple[list[dict], list[dict]]:
        """(shown, hidden): the offers waiting for ``code``, the computer's flood held back;
        the delegations' offers made this round come after those that waited a quarter."""
        offers = decisions.waiting_offers(self.world, code)
        ours = [offer for offer in offers if self.players.get(offer["proposer"]) == PEOPLE]
        theirs = [offer for offer in offers if self.players.get(offer["proposer"]) != PEOPLE]
        made = decisions.offers_made(self._submissions, code)
        ours += decisions.offers_on_the_table(self.world, made)
        return ours + theirs[:MAX_AI_OFFERS], theirs[MAX_AI_OFFERS:]

    @_reads
    def answers_to(self, code: str) -> dict[str, str]:
        """The answers (accept, reject, counter) given this round to ``code``'s offers to
        other delegations, by the offer's ref (only its partner may answer one)."""
        mine = decisions.named_offers(self._submissions.get(code, []))
        return {
            entry["ref"]: entry["answer"]
            for entries in self._submissions.values()
            for entry in entries
            if entry["kind"] == Respond.kind and entry.get("ref") and entry["ref"] in mine
        }

    @_reads
    def voided(self, code: str) -> list[dict]:
        """Answers made void this round because their offer was withdrawn (or changed, or its
        delegation's seat handed to the AI) after the answer: ``code``'s, or to its offers;
        each {"ref", "proposer", "partner", "answer"}."""
        return [dict(e) for e in self._voided if code in (e["proposer"], e["partner"])]

    @_reads
    def breaches(self, code: str) -> list[list]:
        """For each of ``code``'s submitted decisions, the deals in force it would break
        (decisions.breaches): the delegation is warned before the round closes."""
        submitted = [from_dict(entry) for entry in self._submissions.get(code, [])]
        return decisions.breaches(self.world, code, submitted)

    @_reads
    def budget_left(self, code: str) -> float:
        """What ``code`` may still spend this round once its submission is paid for."""
        submitted = [from_dict(entry) for entry in self._submissions.get(code, [])]
        return decisions.budget_left(self.world, code, submitted)

    # --- the teacher's view and the debrief -----------------------------------------------------
    @_reads
    def status(self) -> pd.DataFrame:
        """One row per seat: who plays it, whether it submitted, its points over the game and
        its score in the last quarter played, and its latest move."""
        data, tables = self.world.data, self._tables()
        countries, events = tables["countries"], tables["events"]
        # Scores of the last round played (none before the first) and each actor's last move.
        now = countries[countries["step"] == self.round_no].set_index("country")
        game_points = totals.points(countries, upto=self.round_no)
        latest = events.drop_duplicates("actor", keep="last").set_index("actor")["detail"]
        rows = []
        for code in self.log.seats:
            played = code in now.index
            rows.append(
                {
                    "code": code,
                    "name": country_name(code, data.names[data.country(code)]),
                    "players": self.players[code],
                    "submitted": code in self._submissions,
                    "decisions": len(self._submissions.get(code, [])),
                    "points": float(game_points[code]) if played else float("nan"),
                    "score": float(now.at[code, "score"]) if played else float("nan"),
                    "shortage_share": float(now.at[code, "shortage_share"])
                    if played
                    else float("nan"),
                    "latest": str(latest.get(code, "")),
                }
            )
        return pd.DataFrame(rows)

    @_reads
    def debrief_page(self, token: str) -> str:
        """The class debrief as a printable HTML page (model/game/report.py); teacher only."""
        self._teacher(token)
        data = self.world.data
        seats = {c: listed_name(c, data.names[data.country(c)]) for c in self.log.seats}
        fired = dict.fromkeys(card["card"] for card in self.log.cards)
        cards = [(title, text) for name, title, text in self.cards() if name in fired]
        words = {key: t(f"lesson.debrief_{key}") for key in report.DEBRIEF_WORDS}
        questions = [t(f"lesson.question_{k}") for k in range(1, 7)]
        return report.debrief_page(
            self.name,
            roles.plain(self.world.spec.description),
            seats,
            self._tables(),
            self.world.quarter_label,
            cards,
            questions,
            words,
            language(),
            refs=self.world.deal_refs,
        )

    def debrief(self) -> dict:
        """Ranking, timeline, deals, breaches, and each country's score without the deals.

        The counterfactual replays the whole game, so it runs outside the lock (students
        keep submitting meanwhile) and is kept until the game's log or players change: a
        message or a submission does not make it again.
        """
        with self._lock:
            key = (self._world_changes, json.dumps(self.log.to_json()), json.dumps(self.players))
            if self._debrief_cache is not None and self._debrief_cache[0] == key:
                return self._debrief_cache[1]
            log = GameLog.from_json(self.log.to_json())
            tables = self._tables()
            data = self.world.data
            played_by = {code: self.players[code] for code in self.log.seats}
        result = debrief.debrief(log, tables, data, played_by)
        with self._lock:
            self._debrief_cache = (key, result)
        return result


def _shown(kind: str | tuple[str, ...], shows: tuple[str, ...]) -> bool:
    """Whether a page showing ``shows`` shows a quiet change of ``kind``."""
    return any(k in shows for k in (kind if isinstance(kind, tuple) else (kind,)))


def _decoded(entry: Action | dict) -> Action:
    """The action an entry stands for, checked as a record from a file would be (ValueError)."""
    if isinstance(entry, tuple(ACTION_TYPES.values())):
        entry = to_dict(entry)  # an action built in Python gets the same checks as a record
    return from_dict(entry)


_shared: dict[Path, ClassGame] = {}
_shared_lock = threading.Lock()


def shared(state_dir: str | Path) -> ClassGame:
    """The one ClassGame of ``state_dir`` in this process (resumed on first use)."""
    key = Path(state_dir).resolve()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = ClassGame.resume(key)
        return _shared[key]


def adopt(game: ClassGame) -> ClassGame:
    """Make ``game`` (just created, e.g. a branch) the one ``shared`` gives for its folder."""
    with _shared_lock:
        return _shared.setdefault(Path(game.state_dir).resolve(), game)
