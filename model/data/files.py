"""Reading what a person hands us — scenario files, sweep specs, archives, logs — within limits.

Every path a user names may be a directory, a device, a FIFO or a file far larger than any
real input: each is refused at once with a message that says what it is, instead of
exhausting memory or waiting forever. Parsers' own failures on hostile text (nesting deep
enough to exhaust the stack, integers of thousands of digits) become messages too.
"""

import json
import os
import stat
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from model.text import t

MAX_TEXT_BYTES = 16 * 2**20  # a scenario with 20,000 events is about 2 MiB
MAX_SHOWN = 80  # characters of a user's value echoed in a message
MAX_NAME = 120  # characters of a name that becomes a file or folder name


class InputError(ValueError):
    """A user's file or value that cannot be read; the message says why and what is allowed."""


def regular_file(path: str | Path) -> Path:
    """``path`` if it is a regular file (symlinks followed); else a message naming what it is."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(t("files.missing", file=shown(path))) from None
    except OSError as error:
        raise InputError(t("files.unreadable", file=shown(path), reason=reason(error))) from None
    if stat.S_ISDIR(mode):
        raise InputError(t("files.is_folder", file=shown(path)))
    if not stat.S_ISREG(mode):
        raise InputError(t("files.not_regular", file=shown(path)))
    return path


def read_bytes(path: str | Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    path = regular_file(path)
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as error:
        raise InputError(t("files.unreadable", file=shown(path), reason=reason(error))) from None
    if len(data) > limit:
        raise InputError(t("files.too_large", file=shown(path), limit=size(limit)))
    return data


def read_text(path: str | Path, limit: int = MAX_TEXT_BYTES) -> str:
    """A UTF-8 text file (a byte-order mark is allowed and dropped)."""
    try:
        return read_bytes(path, limit).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(t("files.not_utf8", file=shown(path))) from None


MAX_DEPTH = 32  # lists and tables inside each other; real inputs nest a few levels


def parse_toml(text: str) -> dict:
    """TOML text -> data; ``tomllib.TOMLDecodeError`` for syntax, ``InputError`` for abuse."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except RecursionError:
        raise InputError(t("files.too_deep")) from None
    except ValueError as error:  # integers beyond Python's conversion limit
        raise InputError(t("files.bad_value", detail=shown(error))) from None
    return shallow(data)


def parse_json(text: str | bytes) -> object:
    """JSON text -> data; ``json.JSONDecodeError`` for syntax, ``UnicodeDecodeError`` for
    bytes that are not UTF-8 (JSON files are UTF-8), ``InputError`` for abuse."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise InputError(t("files.too_deep")) from None
    except ValueError as error:
        raise InputError(t("files.bad_value", detail=shown(error))) from None
    return shallow(data)


def shallow(data: object) -> object:
    """``data`` unless its lists and tables nest deeper than ``MAX_DEPTH``."""
    level, frontier = 0, [data]
    while frontier:
        containers = [node for node in frontier if isinstance(node, dict | list)]
        if not containers:
            break
        level += 1
        if level > MAX_DEPTH:
            raise InputError(t("files.too_deep"))
        frontier = [c for n in containers for c in (n.values() if isinstance(n, dict) else n)]
    return data


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A user's value as a message shows it: one line, control characters escaped, cut short."""
    text = str(value)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reason(error: OSError) -> str:
    return error.strerror or str(error)


def size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 2**10:g} KiB"


@contextmanager
def all_or_nothing(folder: Path) -> Iterator[Path]:
    """Write files into a hidden sibling, then move each into ``folder`` once all are written.

    On any error the sibling is removed and ``folder`` is as it was (a folder created for
    the occasion is removed again), so a full disk never leaves a truncated table behind.
    """
    folder = Path(folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    staging.mkdir()
    try:
        yield staging
        for item in sorted(staging.iterdir()):
            os.replace(item, folder / item.name)
    except BaseException:
        if created:
            _remove_tree(folder)
        raise
    finally:
        _remove_tree(staging)


def _remove_tree(folder: Path) -> None:
    if not folder.exists():
        return
    for path in sorted(folder.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
    folder.rmdir()
