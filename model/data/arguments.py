"""How a message names an argument: as the person typed it to ``minerals`` (a flag such
as ``--out DIR``) or as they passed it in Python (a keyword such as ``out_dir=``).

The same checks serve both (``World(trade_cost=…)`` and ``--set parameters.trade_cost=…``,
``sweep(out_dir=…)`` and ``minerals sweep --out``), so their messages ask here for the
words instead of hard-coding the command line's. Both spellings of every argument are in
one place, the ``arguments`` catalogue; the ``minerals`` program says it is the caller.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from model.text import t

_COMMAND_LINE: ContextVar[bool] = ContextVar("command_line", default=False)


@contextmanager
def command_line() -> Iterator[None]:
    """Within this block, messages name arguments as ``minerals`` flags."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def from_command_line() -> bool:
    return _COMMAND_LINE.get()


def argument(name: str, **fields) -> str:
    """Argument ``name`` (a key of the catalogue without ``_cli``/``_python``) as the
    caller spells it, e.g. ``argument("out")`` -> ``--out`` or ``out_dir``."""
    how = "cli" if from_command_line() else "python"
    return t(f"arguments.{name}_{how}", **fields)
