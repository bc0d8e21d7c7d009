"""One browser game, kept apart from the page so the classroom can reuse it.

A ``Game`` is a logged game (model/game/replay.py) with one seat for the player, this
quarter's decisions and snapshots for Undo. The page only reads its views and calls its
methods; nothing here imports Solara.
"""

import contextlib
import copy
import threading
from functools import cache

import pandas as pd

from agents.actions import Action, from_dict, to_dict
from model.data.scenario import Scenario, list_scenarios, load_scenario
from model.data.world_data import WorldData, load_world
from model.engine.world import World
from model.game import archive
from model.game.decisions import answer_to, breaches, budget_left, check, with_decision
from model.game.replay import PEOPLE, GameLog, Table, Turn, records, replay
from model.text import language, t
from ui import saves, views, words

WATCH = "watch"  # the country value meaning "no country: watch an all-AI world"
MAX_UNDO = 40  # snapshots kept for Undo


def scenario_choices() -> list[tuple[str, str]]:
    """(name, title) of the bundled scenarios, titles in the reader's language."""
    return _scenario_choices(language())


@cache
def _scenario_choices(lang: str) -> list[tuple[str, str]]:
    return list_scenarios()


@cache
def scenario(name: str) -> Scenario:
    return load_scenario(name)


@cache
def world_data(name: str) -> WorldData:
    return load_world(name)


def countries_of(scenario_name: str) -> list[tuple[str, str]]:
    """(code, name) of the economies a player can take in this scenario (not the rest of world)."""
    data = world_data(scenario(scenario_name).world)
    return [(code, words.name(data, code)) for code in data.codes if code in data.playable]


def parse_seed(text: str | None) -> tuple[int | None, str | None]:
    """The optional seed box: (seed or None, error message or None)."""
    text = (text or "").strip()
    if not text:
        return None, None
    try:
        seed = int(text)
    except ValueError:
        return None, t("ui.error_seed", value=text)
    if seed < 0:
        return None, t("ui.error_seed", value=text)
    return seed, None


def _locked(method):
    def locked(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    locked.__doc__ = method.__doc__
    return locked


class Game:
    """The World of one browser session, the player's decisions and the Undo snapshots."""

    def __init__(
        self,
        scenario_name: str,
        country: str = WATCH,
        seed: int | None = None,
        game_id: str | None = None,
        owner: str | None = None,
    ):
        self.scenario_name = scenario_name
        self.game_id = game_id or saves.new_id()  # in the URL; the game is saved under it
        # The key of the browser that started it (ui/saves.py): "Continue" offers it there.
        self.owner = saves.owner_key(owner)
        self._adoptable = game_id is None  # started here, not opened from a save
        self.country = None if country in (None, "", WATCH) else country
        spec = load_scenario(scenario_name, seed=seed)
        if self.country is not None and self.country not in load_world(spec.world).codes:
            raise ValueError(t("ui.error_partner", value=self.country))
        self.seed = spec.seed
        self._spec = spec
        self.table = self._new_table()
        self.decisions: list[Action] = []  # queued for the next step, answers included
        self.snapshots: list[Table] = []
        self.before_reset: tuple[Table, list[Table]] | None = None  # what Reset threw away
        self.version = 0  # counts changes: the page re-reads the tables when it moves
        self._tables: tuple[Table, int, views.Tables] | None = None
        self._without_me: tuple[int, dict[str, pd.DataFrame]] | None = None
        # The Play thread and the page's buttons may act at once: one change at a time.
        self.lock = threading.RLock()

    def _new_table(self) -> Table:
        seats = [self.country] if self.country else []
        log = GameLog(self.scenario_name, self.seed, seats, language=language())
        return Table(log, self._spec)

    @property
    def world(self) -> World:
        return self.table.world

    # --- controls --------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.world.steps >= self.world.spec.steps

    @_locked
    def step(self) -> None:
        if self.finished:
            return
        self.snapshots.append(copy.deepcopy(self.table))
        del self.snapshots[:-MAX_UNDO]
        turn = Turn(self.world.steps + 1)
        if self.country is not None:
            actions, answers = records(self.decisions)
            turn.actions[self.country], turn.answers[self.country] = actions, answers
            turn.players[self.country] = PEOPLE
        self.table.play(turn)
        self.table.log.turns.append(turn)
        self.decisions = []
        self.before_reset = None
        self.version += 1
        self.save()

    @_locked
    def undo(self) -> bool:
        """Take back the last step; its decisions come back to the queue to be changed."""
        if not self.snapshots:
            return False
        turn = self.table.log.turns[-1]
        self.table = self.snapshots.pop()
        code = self.country
        records = [*turn.actions.get(code, []), *turn.answers.get(code, [])] if code else []
        self.decisions = [from_dict(record) for record in records]
        self.version += 1
        self.save()
        return True

    @_locked
    def reset(self) -> None:
        """Start the same game again; ``undo_reset`` brings the game back until the next Step."""
        self.before_reset = (self.table, self.snapshots)
        self.decisions = []
        self.snapshots = []
        self.table = self._new_table()
        self.version += 1
        self.save()

    @_locked
    def undo_reset(self) -> bool:
        if self.before_reset is None:
            return False
        self.table, self.snapshots = self.before_reset
        self.before_reset = None
        self.version += 1
        self.save()
        return True

    # --- kept on the server ----------------------------------------------------------------
    def record(self) -> dict:
        """The saved game: the class game's ``{"log": ...}`` plus the seat and its queue."""
        return {
            "log": self.table.log.to_json(),
            "country": self.country,
            "queued": [to_dict(action) for action in self.decisions],
            "owner": self.owner,
        }

    def save(self) -> None:
        # A full or read-only disk must not stop the game; it is only not kept.
        with contextlib.suppress(OSError):
            saves.save(self.game_id, self.record())

    @_locked
    def adopt(self, owner: str | None) -> None:
        """Make a game started before the browser's key arrived that browser's.

        Only a game started in this session without a key: a saved game opened from its
        address keeps the owner it has (or its lack of one).
        """
        if self._adoptable and self.owner is None and saves.owner_key(owner):
            self.owner = owner
            self.save()

    @classmethod
    def resume(cls, game_id: str) -> "Game | None":
        """The game saved under ``game_id``, replayed to where it stood; None if there is none."""
        record = saves.load(game_id)
        if record is None:
            return None
        try:
            log = GameLog.from_json(record["log"])
            game = cls(log.scenario, record.get("country") or WATCH, log.seed, game_id)
            game.owner = saves.owner_key(record.get("owner"))  # opening it changes no owner
            for turn in log.turns:  # Undo works after a reload too
                game.snapshots.append(copy.deepcopy(game.table))
                del game.snapshots[:-MAX_UNDO]
                game.table.play(turn)
                game.table.log.turns.append(turn)
            game.decisions = [from_dict(entry) for entry in record.get("queued", [])]
        except (ValueError, KeyError, TypeError):
            return None
        return game

    def export(self) -> bytes:
        """The game as a class-game archive (zip): ``minerals replay`` reads it."""
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = archive.write(
                Path(folder) / "game.zip",
                {"log": self.table.log.to_json(), "country": self.country},
                [],
                self.world.tables(),
                t("game.export_readme", scenario=self.scenario_name, id=self.game_id),
            )
            return path.read_bytes()

    @_locked
    def queue(self, action: Action) -> str | None:
        """Queue a decision for the next step, or return why the World would refuse it."""
        if self.country is None:
            return t("ui.error_watching")
        decisions = with_decision(self.decisions, action)
        reason = check(self.world, self.country, decisions)[-1]
        if reason is None:
            self.decisions = decisions
            self.version += 1
            self.save()
        return reason

    @_locked
    def withdraw(self, index: int) -> None:
        if 0 <= index < len(self.decisions):
            del self.decisions[index]
            self.version += 1
            self.save()

    def answer_to(self, offer_id: int) -> str | None:
        return answer_to(self.decisions, offer_id)

    def breaches(self) -> list[list]:
        """For each queued decision, the deals in force it would break."""
        return breaches(self.world, self.country, self.decisions) if self.country else []

    @property
    def last_round(self) -> bool:
        """The quarter played next is the game's last: a counter-offer would go unanswered."""
        return self.next_step >= self.world.spec.steps

    # --- what the page shows --------------------------------------------------------------
    def tables(self) -> views.Tables:
        """The World's tables, built once per quarter played (or undone, or reset).

        Queueing a decision changes no table: the same object then tells every panel that
        draws only tables that it need not redraw.
        """
        cached = self._tables
        if cached is None or cached[0] is not self.table or cached[1] != self.world.steps:
            cached = self._tables = (
                self.table,
                self.world.steps,
                views.Tables(recorder=self.world.recorder),  # each table when first read
            )
        return cached[2]

    @property
    def next_step(self) -> int:
        return self.world.steps + 1

    def date(self) -> str:
        """The quarter the player decides for now (the one the next Step plays)."""
        return self.world.quarter_label(min(self.next_step, self.world.spec.steps))

    def budget_usd(self) -> float:
        """What the player may still spend this quarter on stockpiles and subsidies."""
        return budget_left(self.world, self.country, self.decisions) if self.country else 0.0

    def inbox(self) -> list[dict]:
        return views.inbox(self.world, self.country) if self.country else []

    def without_me(self) -> dict[str, pd.DataFrame]:
        """The tables of the same game, same seed, with the player taking no action."""
        played = len(self.table.log.turns)
        if self._without_me is None or self._without_me[0] != played:
            self._without_me = (played, replay(self.table.log.without_people()).world.tables())
        return self._without_me[1]
