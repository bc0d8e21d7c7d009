"""Where a class game lives on disk: one ``game.json`` written atomically, and its tables.

A server killed at any moment leaves the old or the new ``game.json`` whole, never half of
one, so ``minerals host --resume`` always finds a game it can replay. The file holds the
links' tokens, so only its owner may read it.

The tables (``tables/NAME.csv``) are a copy of the World's output for people to open: a
round appends its rows to them instead of rewriting every table (with 40 seats and a dozen
rounds the rewrite was nearly all of a round's close). A rollback, a failed save or a
resume rewrites them whole once, so they always end up equal to the game's tables.
"""

import json
import os
import threading
from pathlib import Path

import pandas as pd

from model.data.files import parse_json, read_bytes
from model.data.tables import csv_bytes, write_tables
from model.game.refusals import ClassroomError, SaveError
from model.text import t

FORMAT = 1  # of game.json
GAME_FILE = "game.json"
MAX_GAME_BYTES = 64 * 2**20  # a 40-quarter class of 40 seats logs a few MiB
TABLES_DIR = "tables"


def claim(state_dir: Path) -> None:
    """Make ``state_dir`` for a new game; ClassroomError if it cannot be made or holds one."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ClassroomError(
            t("classroom.cannot_write", dir=state_dir, reason=error.strerror)
        ) from None
    if (state_dir / GAME_FILE).exists():
        raise ClassroomError(t("classroom.game_exists", dir=state_dir))


class TableFiles:
    """The game's tables as CSV files in ``folder``, each round's new rows appended.

    The World's tables only ever grow at the end (rows are ordered by quarter), so the rows
    past those already written are the round's. Whatever breaks that (a rollback, a save
    that failed half-way, a resume after a crash mid-append) calls ``forget``, and the next
    ``write`` rewrites every file whole.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.rows: dict[str, int] | None = None  # rows in each file, None: not known

    def forget(self) -> None:
        self.rows = None

    def write(self, tables: dict[str, pd.DataFrame]) -> None:
        """Bring the files up to ``tables`` (OSError if the disk refuses: then ``forget``)."""
        rows = self.rows
        if (
            rows is None
            or set(rows) != set(tables)
            or any(len(frame) < rows[name] for name, frame in tables.items())
        ):
            self.rows = None
            write_tables(tables, self.folder)
            self.rows = {name: len(frame) for name, frame in tables.items()}
            return
        self.rows = None  # until every file has its rows
        for name, frame in tables.items():
            if len(frame) > rows[name]:
                with open(self.folder / f"{name}.csv", "ab") as f:
                    f.write(csv_bytes(frame.iloc[rows[name] :], header=False))
        self.rows = {name: len(frame) for name, frame in tables.items()}


def save(
    state_dir: Path,
    record: dict,
    tables: dict[str, pd.DataFrame] | None = None,
    files: TableFiles | None = None,
) -> None:
    """Write game.json atomically (and, first, the ``tables`` if given, appended through
    ``files`` when given); SaveError if the disk refuses. game.json, written last, is what a
    resume reads; the tables are only a copy of the output."""
    try:
        if tables is not None:
            (files or TableFiles(state_dir / TABLES_DIR)).write(tables)
        write_atomic(state_dir / GAME_FILE, json.dumps(record))
    except OSError as error:
        raise SaveError(
            t("classroom.cannot_save", dir=state_dir, reason=error.strerror or error)
        ) from None


def load(state_dir: Path) -> dict:
    """The saved record of the game in ``state_dir`` (OSError or ValueError if it cannot be
    read: the caller says which file is corrupt)."""
    # Read within limits: a state folder may have been edited, or be hostile.
    saved = parse_json(read_bytes(Path(state_dir) / GAME_FILE, MAX_GAME_BYTES))
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        format_ = saved.get("format") if isinstance(saved, dict) else None
        raise ValueError(t("classroom.bad_format", format=format_))
    return saved


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a crash leaves the old or the new one, whole; only the owner reads it
    (it holds the links' tokens)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
