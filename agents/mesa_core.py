"""Mesa's Agent and Model, loaded without the parts of Mesa the game never uses.

``import mesa`` runs ``mesa/__init__``, which imports every optional part: the discrete
and continuous spaces (scipy's spatial trees, networkx), the old grids and the event
simulator — about 0.35 s of a 1.8 s ``minerals run`` (``python -X importtime``). Those
modules are put in ``sys.modules`` unexecuted here and run the first time anything reads
from them, so code that uses Mesa's grids next to the game still gets them whole.
Imported before Mesa by the two modules that subclass it (World, Country); if Mesa is
already loaded, nothing is deferred.
"""

import importlib.machinery
import importlib.util
import sys
import threading
import types
from pathlib import Path

OPTIONAL_PARTS = (
    "mesa.discrete_space",
    "mesa.space",
    "mesa.experimental.continuous_space",
    "mesa.experimental.devs",
    "mesa.experimental.meta_agents",
)

_loading = threading.Lock()


class _Deferred(types.ModuleType):
    """A module whose code runs when one of its names is first read.

    Not importlib's LazyLoader: that one runs the module as soon as an ``import``
    statement looks at its ``__spec__``, which ``mesa/__init__`` does for each part."""

    def __getattr__(self, name: str):
        with _loading:
            if type(self) is _Deferred:  # not loaded by another thread meanwhile
                self.__class__ = types.ModuleType
                self.__spec__.loader.exec_module(self)
        return getattr(self, name)


def _defer_optional_parts() -> None:
    mesa = importlib.util.find_spec("mesa")  # finds the package without running it
    if "mesa" in sys.modules or mesa is None or not mesa.submodule_search_locations:
        return
    root = Path(mesa.submodule_search_locations[0])
    for name in OPTIONAL_PARTS:
        folder = root.joinpath(*name.split(".")[1:-1])
        spec = importlib.machinery.PathFinder.find_spec(name, [str(folder)])
        if spec is None or spec.loader is None:  # another Mesa layout: load it as usual
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _Deferred
        sys.modules[name] = module


_defer_optional_parts()

from mesa import Agent, DataCollector, Model  # noqa: E402

__all__ = ["Agent", "DataCollector", "Model"]
