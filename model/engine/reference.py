"""The reference path: the same world and seed where nobody takes a new measure.

A score is a welfare change against this path (metrics.py). It is the scenario's world,
parameters and seed with no scripted events, no coalitions and every country passive;
random outages come from their own generator stream, seeded alike, so both paths meet the
same outages. The path is stepped on demand (the look-ahead may ask a few quarters past
the game) and shared by every World with the same world data, parameters and seed: a
replay, a debrief's counterfactual or a lookahead costs nothing more.

A World where nobody can act (no events, no coalitions, every country passive: a baseline
run, a sweep of one) is the path itself: it scores against its own quarters (World's
``_own_path``) and asks for the shared path only once something changes it from outside
its step. Any other World that has done nothing yet the path did not clears exactly the
markets the path cleared: the path keeps each quarter's clearing with a digest of the
state it started from, and a World whose state has the same digest takes that clearing
instead of solving it again. Both give the same numbers, bit for bit
(tests/test_reference_reuse.py), for less time (benchmarks/README.md).
"""

import copy
import hashlib
import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from model.engine.kept import Kept
from model.engine.metrics import Standing


def digest(state) -> bytes:
    """A digest of every number and object in ``state`` (all a clearing reads of it).

    SHA-256: twice as fast as BLAKE2b here; the shared path keeps one per quarter (a World
    that is its own path keeps its pickled state instead: World._path_snapshot)."""
    return hashlib.sha256(snapshot(state)).digest()


def snapshot(value) -> bytes:
    """``value`` pickled, its numeric arrays as dtype, shape and bytes: equal bytes, equal
    values. A baseline state pickles in three quarters of the time numpy's own reduction of
    its thirty small arrays takes (the own-path check pickles a state twice a quarter)."""
    buffer = io.BytesIO()
    _Snapshot(buffer, protocol=5).dump(value)
    return buffer.getvalue()


class _Snapshot(pickle.Pickler):
    def reducer_override(self, value):
        if type(value) is np.ndarray and value.dtype.kind in NUMERIC_KINDS:
            return _array, (value.dtype.str, value.shape, value.tobytes())
        return NotImplemented  # anything else (object arrays hold pointers) as pickle does


NUMERIC_KINDS = "biufc"  # bool, integers, floats, complex: their bytes are their values


def _array(dtype: str, shape: tuple, data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype).reshape(shape).copy()


@dataclass(frozen=True)
class Cleared:
    """One quarter's clearing on the path: the state it started from, what it gave."""

    before: bytes  # digest of the state before the clearing
    outcome: Any  # economy.Outcome
    changes: dict[str, Any]  # the state's fields the clearing changed, their new values

    @classmethod
    def record(cls, before_state, after_state, before: bytes, outcome) -> "Cleared":
        changes = {
            name: copy.deepcopy(value)
            for name, value in vars(after_state).items()
            if not _same(value, getattr(before_state, name))
        }
        return cls(before, copy.deepcopy(outcome), changes)

    def replay(self, state):
        """Put the clearing's changes into ``state``; return a copy of its outcome."""
        for name, value in self.changes.items():
            setattr(state, name, copy.deepcopy(value))
        return copy.deepcopy(self.outcome)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b))
        )
    try:
        return bool(a == b)
    except ValueError:  # objects holding arrays: count as changed, the safe side
        return False


KEEP = 8  # reference paths kept at once (a sweep moves on; a class game reuses one)


class Stepped(Protocol):
    """A world that steps and says how its last step stood (World does)."""

    steps: int
    last_standing: Standing | None
    clearings: dict[int, Cleared]  # step -> that quarter's clearing
    keep_clearings: bool  # False once a World has left the path

    def step(self) -> None: ...


class Reference:
    """Standings of the reference path, step by step, computed the first time asked."""

    def __init__(self, make: Callable[[], Stepped]):
        self._make = make
        self._world: Stepped | None = None
        self._standings: list[Standing] = []

    def __deepcopy__(self, memo) -> "Reference":
        """Shared, not copied: the path is fixed, so an Undo snapshot reads the same one."""
        return self

    def standing(self, step: int) -> Standing:
        """The reference path's standing at ``step`` (1 = the first quarter)."""
        if self._world is None:
            self._world = self._make()
        while len(self._standings) < step:
            self._world.step()
            self._standings.append(self._world.last_standing)
        return self._standings[max(step, 1) - 1]

    def clearing(self, step: int, state) -> Cleared | None:
        """The path's clearing of ``step`` if it started from the same state, else None."""
        if step < 1:
            return None
        self.standing(step)
        cleared = self._world.clearings.get(step)
        if cleared is None or cleared.before != digest(state):
            # A World left the path: stop keeping clearings (a 59-economy quarter's flows
            # weigh 0.4 MB) — a later World on the path just clears its own again.
            self._world.keep_clearings = False
            return None
        return cleared


_shared: Kept[Reference] = Kept(KEEP)


def shared(key: tuple, make: Callable[[], Stepped]) -> Reference:
    """The reference path for ``key`` (world data, parameters, seed), made once."""
    return _shared.get(key, lambda: Reference(make))
