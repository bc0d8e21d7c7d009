"""The last few costly things made, by key: a sweep or a game asks for the same again.

Keys name world data by ``id``; the kept value holds that world data (a Reference's
maker, a calibration's pair), so its id cannot be reused while the entry is kept.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable


class Kept[T]:
    """At most ``size`` values, the least recently asked for dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for ``key``, made by ``make()`` the first time it is asked for."""
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        value = self._values[key] = make()
        while len(self._values) > self.size:
            self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        self._values.clear()
