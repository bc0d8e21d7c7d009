"""Single-player games kept on the server, so a reload or a closed tab loses nothing.

A saved game is a folder ``<games>/<id>/`` holding ``game.json`` in the class game's
format (``{"log": GameLog}`` plus the player's country and queued decisions), so
``minerals replay <games>/<id>`` replays it like a class game. The id goes in the page's
URL (``?game=<id>``); the start page offers the latest games under "Continue".
The folder is ``MINERALS_GAMES`` or ``~/.minerals/games``.
"""

import datetime
import json
import os
import re
import secrets
from pathlib import Path

from model.game.archive import GAME_JSON

ID = re.compile(r"^[A-Za-z0-9_-]{6,40}$")  # what a game id looks like (never a path)
LATEST = 5  # games offered under "Continue"


def games_dir() -> Path:
    return Path(os.environ.get("MINERALS_GAMES") or Path.home() / ".minerals" / "games")


def new_id() -> str:
    return secrets.token_urlsafe(8)


def path_of(game_id: str) -> Path | None:
    """The folder of a game id, or None when the id is malformed (never leaves the folder)."""
    return games_dir() / game_id if ID.match(game_id or "") else None


def save(game_id: str, record: dict) -> None:
    """Write the game's record whole or not at all."""
    folder = path_of(game_id)
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{GAME_JSON}.{os.getpid()}.part"
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, folder / GAME_JSON)


def load(game_id: str) -> dict | None:
    """The saved record of ``game_id``, or None when there is none (or it is unreadable)."""
    folder = path_of(game_id)
    if folder is None:
        return None
    try:
        record = json.loads((folder / GAME_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "log" in record else None


def latest(n: int = LATEST) -> list[tuple[str, dict, float]]:
    """The ``n`` most recently saved games as (id, record, when saved: a POSIX time),
    newest first: two games of the same scenario, country and quarter differ by the last."""
    folder = games_dir()
    if not folder.is_dir():
        return []
    found = [
        (path.stat().st_mtime, path.parent.name)
        for path in folder.glob(f"*/{GAME_JSON}")
        if ID.match(path.parent.name)
    ]
    out = []
    for saved_at, game_id in sorted(found, reverse=True):
        record = load(game_id)
        if record is not None:
            out.append((game_id, record, saved_at))
        if len(out) == n:
            break
    return out


def when(saved_at: float) -> str:
    """A save's time to the second, with the server's time zone named (a class server
    often runs in UTC, not where its players are)."""
    return datetime.datetime.fromtimestamp(saved_at).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
