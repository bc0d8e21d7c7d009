"""A class game as one file: export it, read it back, replay it with one decision changed.

The archive is a zip holding ``game.json`` (the game log and who played each seat, but
not the links' tokens), ``messages.json``, every output table as CSV and a README. A
game's state directory holds the same ``game.json`` key, so ``minerals replay`` reads
either. Replaying the log on a fresh World gives the game again (model/game/replay.py); with
a seat's decisions at one step replaced, it gives the game that would have followed —
a class game becomes a research data point.
"""

import json
import os
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import pandas as pd

from agents.actions import Action, from_dict
from model.data.files import InputError, parse_json, read_bytes, regular_file, shown, size
from model.data.scenario import ScenarioError
from model.data.tables import csv_bytes
from model.data.world_data import WorldDataError
from model.game.decisions import check, offers_made
from model.game.replay import PEOPLE, GameLog, Table, Turn, checked, records, replay
from model.game.store import MAX_GAME_BYTES
from model.text import t

GAME_JSON = "game.json"
MESSAGES_JSON = "messages.json"
PROVENANCE_JSON = "provenance.json"
README = "README.txt"
TABLES = "tables"


class ArchiveError(ValueError):
    """An archive, state directory or ``--change`` is wrong; ``str(e)`` is the one message."""


def write(
    path: Path,
    game: dict,
    messages: list[dict],
    tables: dict[str, pd.DataFrame],
    readme: str,
    made: dict | None = None,
) -> Path:
    """Write the archive at ``path`` (complete or not at all) and return its path.

    ``made``: the provenance record (code version, data hashes), as ``provenance.json``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(GAME_JSON, json.dumps(game, indent=1))
        archive.writestr(MESSAGES_JSON, json.dumps(messages, indent=1, ensure_ascii=False))
        for name, frame in tables.items():
            archive.writestr(f"{TABLES}/{name}.csv", csv_bytes(frame))
        archive.writestr(README, readme)
        if made is not None:
            archive.writestr(PROVENANCE_JSON, json.dumps(made, indent=1))
    os.replace(partial, path)
    return path


def read_log(path: str | Path) -> GameLog:
    """The game log in an exported archive or a class game's state directory, checked
    against its scenario so that it replays (ArchiveError naming the problem otherwise)."""
    path = Path(path)
    if not path.exists():
        raise ArchiveError(t("classroom.not_archive", path=shown(path)))
    if not path.is_dir():
        try:
            regular_file(path)
        except InputError as error:
            raise ArchiveError(str(error)) from None
    try:
        folder = path.is_dir()
        data = read_bytes(path / GAME_JSON, MAX_GAME_BYTES) if folder else _zipped_game(path)
        saved = parse_json(data)
        if not isinstance(saved, dict) or "log" not in saved:
            raise KeyError("log")
        log = GameLog.from_json(saved["log"])
        checked(log)
        return log
    except ArchiveError:
        raise
    except (ScenarioError, WorldDataError) as error:
        raise ArchiveError(t("classroom.bad_archive", path=shown(path), reason=error)) from None
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        reason = explain(error)
        raise ArchiveError(t("classroom.bad_archive", path=shown(path), reason=reason)) from None


def _zipped_game(path: Path) -> bytes:
    """``game.json`` of an exported archive, read no further than ``MAX_GAME_BYTES``."""
    if not zipfile.is_zipfile(path):
        raise ArchiveError(t("classroom.not_archive", path=shown(path)))
    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo(GAME_JSON)
        except KeyError:
            raise KeyError(GAME_JSON) from None
        if info.flag_bits & 0x1:
            raise ValueError(t("classroom.zip_encrypted"))
        if info.file_size > MAX_GAME_BYTES:
            raise ValueError(t("files.too_large", file=GAME_JSON, limit=size(MAX_GAME_BYTES)))
        try:
            with archive.open(info) as member:  # the header's size may lie: read to the cap
                data = member.read(MAX_GAME_BYTES + 1)
        except NotImplementedError:
            raise ValueError(t("classroom.zip_method")) from None
    if len(data) > MAX_GAME_BYTES:
        raise ValueError(t("files.too_large", file=GAME_JSON, limit=size(MAX_GAME_BYTES)))
    return data


def explain(error: Exception) -> str:
    """Why a saved game could not be read, in the reader's words (never Python's)."""
    if isinstance(error, json.JSONDecodeError):
        return t("classroom.not_json", line=error.lineno, column=error.colno)
    if isinstance(error, UnicodeDecodeError):
        return t("classroom.not_utf8")
    if isinstance(error, zipfile.BadZipFile | zlib.error):
        return t("classroom.bad_zip")
    if isinstance(error, OSError):
        return error.strerror or t("classroom.unreadable")
    if isinstance(error, KeyError):
        return t("classroom.missing_key", key=shown(error.args[0] if error.args else "?"))
    if type(error) in (ValueError, InputError):  # the log's own checks, from the catalogue
        return str(error)
    return t("classroom.bad_structure")


def parse_change(text: str) -> tuple[int, str, list[Action]]:
    """``"3:USA:[{...}]"`` -> (3, "USA", actions); the actions' records are checked here."""
    step, _, rest = text.partition(":")
    code, _, listing = rest.partition(":")
    try:
        number = int(step)
    except ValueError:
        raise ArchiveError(t("classroom.change_format", text=shown(text))) from None
    if not code or not listing:
        raise ArchiveError(t("classroom.change_format", text=shown(text)))
    try:
        entries = parse_json(listing)
    except json.JSONDecodeError as error:
        reason = error.msg
        raise ArchiveError(t("classroom.change_json", text=shown(listing), reason=reason)) from None
    except InputError as error:
        raise ArchiveError(t("classroom.change_json", text=shown(listing), reason=error)) from None
    if not isinstance(entries, list):
        raise ArchiveError(t("classroom.change_not_list", text=shown(listing)))
    try:
        actions = [from_dict(entry) for entry in entries]
    except ValueError as error:
        raise ArchiveError(t("classroom.change_action", reason=error)) from None
    return number, code, actions


def replay_changed(log: GameLog, changes: list[tuple[int, str, list[Action]]] = ()) -> Table:
    """The log replayed with each (step, seat, actions) replacing that seat's decisions.

    Each changed decision set is checked on the world as it stands at its step, with the
    rules the live game used; a refused one raises ArchiveError before anything is written.
    """
    wanted: dict[tuple[int, str], list[Action]] = {}
    for step, code, actions in changes:
        if not 1 <= step <= len(log.turns):
            raise ArchiveError(t("classroom.change_step", step=step, rounds=len(log.turns)))
        if code not in log.seats:
            raise ArchiveError(t("classroom.change_seat", code=code, allowed=", ".join(log.seats)))
        if (step, code) in wanted:
            raise ArchiveError(t("classroom.change_twice", step=step, code=code))
        wanted[(step, code)] = actions
    # Which offer each answer of the log answered, as the game played it: a changed
    # decision can renumber the offers, and an answer must not move to another one.
    answered = _offers(replay(log)) if wanted else {}
    table = Table(log)
    table.dropped = []  # (step, seat, offer id) of answers whose offer the change removed
    for turn in log.turns:
        if wanted:
            turn = _keep_answers_to_the_same_offers(table, turn, answered)
        for code in log.seats:
            actions = wanted.get((turn.step, code))
            if actions is None:
                continue
            made = offers_made(turn.actions, code)  # answerable in the round they are made
            reasons = check(table.world, code, actions, made)
            for action, reason in zip(actions, reasons, strict=True):
                if reason is not None:
                    raise ArchiveError(
                        t(
                            "classroom.change_refused",
                            step=turn.step,
                            code=code,
                            kind=action.kind,
                            reason=reason,
                        )
                    )
            turn = changed(turn, code, actions)
        table.play(turn)
    return table


def _offers(table: Table) -> dict[int, tuple]:
    """Each offer's id -> (kind, proposer, partner), from a played game's deals table."""
    deals = table.world.tables()["deals"]
    return {
        int(row.deal_id): (row.kind, row.proposer, row.partner)
        for row in deals.drop_duplicates("deal_id").itertuples()
    }


def _keep_answers_to_the_same_offers(table: Table, turn: Turn, answered: dict) -> Turn:
    """``turn`` without the answers whose offer id now names another offer (or none)."""
    waiting = {
        deal.deal_id: (deal.deal, *deal.parties) for deal, _, _ in table.world.state.waiting
    }
    kept = {}
    for code, records_ in turn.answers.items():
        kept[code] = []
        for record in records_:
            offer = int(record.get("offer_id", -1))
            if waiting.get(offer) == answered.get(offer):
                kept[code].append(record)
            else:
                table.dropped.append((turn.step, code, offer))
    return replace(turn, answers=kept)


def changed(turn: Turn, code: str, actions: list[Action]) -> Turn:
    """A copy of ``turn`` where people play ``code`` with ``actions``."""
    others, answers = records(actions)
    return replace(
        turn,
        actions={**turn.actions, code: others},
        answers={**turn.answers, code: answers},
        players={**turn.players, code: PEOPLE},
    )
