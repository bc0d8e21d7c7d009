"""``--set key=value``: dotted key paths into a scenario's data, values read as TOML.

The same key paths name a sweep's levers and uncertainties (``parameters.shock_rate``,
``events[2].rate``, ``countries.CHN.controller``), so a sweep varies exactly what a
``--set`` can change. The scenario format (model/data/scenario.py) says which keys are
header keys that may be named without their table (``steps=12``).
"""

import json
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from copy import deepcopy
from typing import Any

from model.data.arguments import argument
from model.data.files import MAX_DEPTH, InputError, parse_toml, shown
from model.text import t

KeyPath = tuple[str | int, ...]
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)|(\d+)")


class ScenarioError(Exception):
    """A scenario (file, ``--set`` or argument) is wrong; ``str(e)`` is the one message."""


def strategy_set_for(path: tuple) -> str | None:
    """The economy whose strategy a ``--set`` key path sets (``countries.CHN.strategy``)."""
    return path[1] if len(path) == 3 and path[0] == "countries" and path[2] == "strategy" else None


def parse_override(
    text: str, header: str = "", header_keys: Collection[str] = ()
) -> tuple[KeyPath, Any]:
    """``"events[2].rate=0.3"`` -> ``(("events", 2, "rate"), 0.3)``.

    The value is read as a TOML value (numbers, booleans, strings in quotes, lists),
    else taken as a bare string. ``header_keys`` may drop their table ``header``.
    """
    key, sep, raw = text.partition("=")
    path: list[str | int] = []
    if key.count(".") >= MAX_DEPTH:
        raise ScenarioError(t("scenario.set_malformed", origin=set_label(text)))
    for segment in key.strip().split("."):
        match = _SEGMENT.fullmatch(segment)
        if not sep or not match:
            raise ScenarioError(t("scenario.set_malformed", origin=set_label(text)))
        name, indexes, number = match.groups()
        if number is not None:
            path.append(int(number))
        else:
            path.append(name)
            path.extend(int(i) for i in re.findall(r"\d+", indexes))
    if isinstance(path[0], str) and path[0] in header_keys:
        path.insert(0, header)
    return tuple(path), _toml_value(raw.strip())


def _toml_value(raw: str) -> Any:
    try:
        parsed = parse_toml(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    except InputError as error:
        problem = t("scenario.set_unreadable", origin=set_label(raw), problem=error)
        raise ScenarioError(problem) from None
    return parsed["value"] if list(parsed) == ["value"] else raw


def apply_overrides(
    data: dict, overrides: Sequence[str], header: str = "", header_keys: Collection[str] = ()
) -> dict:
    """A copy of ``data`` (as read from TOML) with each ``key=value`` set."""
    data = deepcopy(data)
    for text in overrides:
        path, value = parse_override(text, header, header_keys)
        set_value(data, path, value, label=set_label(text))
    return data


def set_label(text: str) -> str:
    """How a message names an override: ``--set TEXT`` on the command line, the override
    text in Python; escaped so the message stays on one line."""
    return argument("set", text=shown(text))


def keyword_label(key: str, value: Any) -> str:
    """How a message names a keyword argument (``World(trade_cost=0.1)``): as Python
    shows it (``trade_cost=np.float64(0.1)``), or ``--set`` on the command line."""
    return argument("keyword", text=shown(f"{key}={value!r}"))


def set_value(data: dict, path: KeyPath, value: Any, label: str) -> None:
    """Set ``path`` in ``data`` to ``value``, creating tables on the way; ``label`` names
    the override in the message if the path runs into a value or past a list's end."""
    node: Any = data
    for depth, key in enumerate(path):
        here = format_path(path[:depth]) or "."
        last = depth == len(path) - 1
        if isinstance(key, int):
            if not isinstance(node, list):
                raise ScenarioError(t("scenario.set_not_list", origin=label, path=here))
            if key >= len(node):
                raise ScenarioError(
                    t("scenario.set_bad_index", origin=label, path=here, count=len(node))
                )
        elif not isinstance(node, dict):
            raise ScenarioError(t("scenario.set_not_table", origin=label, path=here))
        elif not last and key not in node:
            node[key] = {}
        if last:
            node[key] = value
        else:
            node = node[key]


def format_path(loc: Sequence[str | int]) -> str:
    """``("events", 2, "mineral")`` -> ``"events[2].mineral"``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def typed_overrides(values: Mapping[str, Any], prefix: str = "") -> list[str]:
    """``{"trade_cost": np.float64(0.1)}`` -> ``["parameters.trade_cost=0.1"]`` (prefix
    ``"parameters."``): keyword values, numpy scalars included, as ``--set`` overrides, so
    they meet the scenario format's checks and messages."""
    return [f"{prefix}{key}={toml_literal(value)}" for key, value in values.items()]


def toml_literal(value: Any) -> str:
    """A Python or numpy scalar as a TOML value that reads back to the same value."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()  # np.float64(0.1) -> 0.1, np.int64(3) -> 3, np.bool_ -> bool
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        # A TOML basic string: JSON escapes the control characters below 0x20, TOML also
        # refuses DEL raw.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return repr(value)  # ints, and floats that read back bit for bit
