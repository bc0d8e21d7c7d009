"""The reference path: the same world and seed where nobody takes a new measure.

A score is a welfare change against this path (metrics.py). It is the scenario's world,
parameters and seed with no scripted events, no coalitions and every country passive;
random outages come from their own generator stream, seeded alike, so both paths meet the
same outages. The path is stepped on demand (the look-ahead may ask a few quarters past
the game) and shared by every World with the same world data, parameters and seed: a
replay, a debrief's counterfactual or a lookahead costs nothing more.
"""

from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from model.engine.metrics import Standing

KEEP = 8  # reference paths kept at once (a sweep moves on; a class game reuses one)


class Stepped(Protocol):
    """A world that steps and says how its last step stood (World does)."""

    steps: int
    last_standing: Standing | None

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


_shared: OrderedDict[tuple, Reference] = OrderedDict()


def shared(key: tuple, make: Callable[[], Stepped]) -> Reference:
    """The reference path for ``key`` (world data, parameters, seed), made once."""
    if key in _shared:
        _shared.move_to_end(key)
        return _shared[key]
    reference = _shared[key] = Reference(make)
    while len(_shared) > KEEP:
        _shared.popitem(last=False)
    return reference
