"""Single-player games kept on the server, so a reload or a closed tab loses nothing.

A saved game is a folder ``<games>/<id>/`` holding ``game.json`` in the class game's
format (``{"log": GameLog}`` plus the player's country, queued decisions and owner), so
``minerals replay <games>/<id>`` replays it like a class game. The folder is
``MINERALS_GAMES`` or ``~/.minerals/games``.

Whose games the start page offers: each browser keeps a random key of its own in its
``localStorage`` (ui/player.vue; it outlives Solara's session cookie, so closing the
browser loses nothing), and a game records the key of the browser that started it as its
``owner``. Under "Continue" a browser sees only its own games (``latest(owner)``), never
those of the other people on a shared server; before its key has arrived it sees none. A
game saved without an owner (before owners were recorded) is offered to nobody.

The id in the page's address (``?game=<id>``) opens the game for whoever has the link,
owner or not: that is how a player moves a game to another device (copy the address),
and opening it there does not change its owner.
"""

import contextlib
import datetime
import json
import os
import re
import secrets
from pathlib import Path

from model.game.archive import GAME_JSON

ID = re.compile(r"^[A-Za-z0-9_-]{6,40}$")  # what a game id looks like (never a path)
OWNER = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # what a browser's key looks like
LATEST = 5  # games offered under "Continue"

# Each game's owner as last read, by folder, with the time of the save it was read from:
# the start page asks on every redraw, and another's game is read again only once saved again.
_owners: dict[str, tuple[float, str | None]] = {}


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


def owner_key(value) -> str | None:
    """``value`` if it looks like a browser's key (ui/player.vue), else None."""
    return value if isinstance(value, str) and OWNER.match(value) else None


def latest(owner: str | None, n: int = LATEST) -> list[tuple[str, dict, float]]:
    """The ``n`` games ``owner`` (a browser's key) saved last, as (id, record, when saved:
    a POSIX time), newest first: two games of the same scenario, country and quarter
    differ by the last. No key (not arrived yet, or malformed): no games, never everyone's.
    """
    folder = games_dir()
    if owner_key(owner) is None or not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*/{GAME_JSON}"):
        if ID.match(path.parent.name):
            with contextlib.suppress(OSError):  # a game deleted meanwhile
                found.append((path.stat().st_mtime, path.parent.name))
    out = []
    for saved_at, game_id in sorted(found, reverse=True):
        known = _owners.get(str(folder / game_id))
        if known is not None and known[0] == saved_at and known[1] != owner:
            continue  # someone else's game (or nobody's), unchanged since it was last read
        record = load(game_id)
        _owners[str(folder / game_id)] = (saved_at, record.get("owner") if record else None)
        if record is not None and record.get("owner") == owner:
            out.append((game_id, record, saved_at))
        if len(out) == n:
            break
    return out


def when(saved_at: float) -> str:
    """A save's time to the second, with the server's time zone named (a class server
    often runs in UTC, not where its players are)."""
    return datetime.datetime.fromtimestamp(saved_at).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
