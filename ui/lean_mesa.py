"""Mesa without the parts the game never uses, for the command line's headless runs.

``import mesa`` runs ``mesa/__init__``, which imports every optional part: the discrete
and continuous spaces (scipy's spatial trees, networkx), the old grids and the event
simulator — about 0.35 s of a 1.8 s ``minerals run`` (``python -X importtime``). Before
a command that builds worlds imports Mesa, those packages are put in ``sys.modules``
unexecuted; they run the first time anything reads from them or imports one of their
modules, so they are still whole if something does (tests/test_imports.py). Only the
command line does this, in its own single-threaded process; a program that imports the
game gets Mesa as Mesa loads itself.
"""

import copy
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

OPTIONAL_PARTS = (
    "mesa.discrete_space",
    "mesa.space",
    "mesa.experimental.continuous_space",
    "mesa.experimental.devs",
    "mesa.experimental.meta_agents",
)

_running: set[str] = set()  # deferred packages whose code is running now


class _Deferred(types.ModuleType):
    """A package whose code runs when one of its names is first read.

    Not importlib's LazyLoader: that one runs a module as soon as an ``import`` statement
    looks at its ``__spec__``, which ``mesa/__init__`` does for each part."""

    def __getattr__(self, name: str):
        if self.__name__ in _running:  # read while its own code runs: not there yet
            raise AttributeError(f"partially initialised module {self.__name__!r}: {name!r}")
        _load(self)
        return getattr(self, name)

    def __dir__(self):
        _load(self)
        return sorted(self.__dict__)


def _load(module: types.ModuleType) -> None:
    if type(module) is not _Deferred or module.__name__ in _running:
        return
    _running.add(module.__name__)
    try:  # if its code fails, it stays deferred: the next read runs it again, in place
        module.__spec__.loader.exec_module(module)
    finally:
        _running.discard(module.__name__)
    module.__class__ = types.ModuleType


class _PackageFirst(importlib.abc.MetaPathFinder):
    """Runs a deferred package before one of its modules is imported on its own
    (``from mesa.discrete_space.grid import …``): the module imports its package, which
    imports the module again, and Python would find it half made."""

    def find_spec(self, name, path=None, target=None):
        package = sys.modules.get(name.rpartition(".")[0])
        if type(package) is not _Deferred or package.__name__ in _running:
            return None
        _load(package)
        module = sys.modules.get(name)
        if module is None:  # the package does not import it: found as usual
            return None
        # The module the package made, not a second one: the import system takes the spec
        # of a module already in sys.modules, so that module carries this one until loaded.
        spec = copy.copy(module.__spec__)
        spec.loader = _Made(module.__spec__)
        module.__spec__ = spec
        return spec


class _Made(importlib.abc.Loader):
    """Gives the import system a module that is already made, as it was made; anything
    else (sources, data) is its own loader's."""

    def __init__(self, spec: importlib.machinery.ModuleSpec):
        self.spec = spec

    def create_module(self, spec):
        return sys.modules[spec.name]

    def exec_module(self, module):
        module.__spec__ = self.spec  # the import system set its copy of the spec

    def __getattr__(self, name: str):
        return getattr(self.spec.loader, name)


def defer_optional_parts() -> None:
    """Defer Mesa's optional parts, unless Mesa is already loaded (or they are deferred)."""
    if "mesa" in sys.modules or any(isinstance(f, _PackageFirst) for f in sys.meta_path):
        return
    mesa = importlib.util.find_spec("mesa")  # finds the package without running it
    if mesa is None or not mesa.submodule_search_locations:
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
    sys.meta_path.insert(0, _PackageFirst())
