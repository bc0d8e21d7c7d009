"""The command line starts without the heavy libraries only some commands use.

Importing Solara, Dask's scheduler, SALib, Mesa or pandas costs seconds on a loaded machine; the
program's start-up and ``minerals --help`` must not pay for them (benchmarks/README.md
measures the time; this test only checks what is loaded, in a fresh interpreter).
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("solara", "distributed", "SALib", "mesa", "pettingzoo", "pandas")

PROBE = """
import json, sys
{setup}
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def printed_by(code: str):
    """The JSON a fresh interpreter prints last after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def loaded_after(setup: str) -> list[str]:
    return printed_by(PROBE.format(setup=setup, heavy=HEAVY))


@pytest.mark.parametrize(
    "setup",
    [
        "import ui.cli",
        "import contextlib, io, ui.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    ui.cli.main(['--help'])",
    ],
    ids=["import ui.cli", "minerals --help"],
)
def test_start_up_does_not_import_heavy_libraries(setup):
    assert loaded_after(setup) == []


def test_the_probe_sees_a_heavy_import():
    """The check can fail: building a World does load Mesa."""
    assert "mesa" in loaded_after("from model.engine.world import World")


def test_minerals_run_leaves_mesas_spaces_unloaded_and_whole_for_whoever_uses_them(tmp_path):
    """Mesa's spaces pull in scipy and networkx (about 0.35 s of a ``minerals run``); the
    command line's headless runs defer them (ui/lean_mesa.py). Code that then uses them,
    by attribute or by importing one of their modules, gets the same classes as Mesa's."""
    loaded = "import json, sys; print(json.dumps([n in sys.modules for n in NAMES]))"
    names = "NAMES = ('scipy.spatial', 'networkx')\n"
    argv = ["run", "baseline", "--steps", "2", "-q", "--out", str(tmp_path)]
    played = (
        "import contextlib, io, ui.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert ui.cli.main({argv!r}) == 0\n"
    )
    assert printed_by(names + played + loaded) == [False, False]
    used = (
        "from mesa.discrete_space.grid import OrthogonalMooreGrid\n"
        "from mesa.experimental.continuous_space.continuous_space import ContinuousSpace\n"
        "import mesa, networkx, pickle\n"
        "assert mesa.discrete_space.OrthogonalMooreGrid is OrthogonalMooreGrid\n"
        "assert mesa.experimental.continuous_space.ContinuousSpace is ContinuousSpace\n"
        "grid = pickle.loads(pickle.dumps(OrthogonalMooreGrid((3, 3))))\n"
        "assert len(grid.all_cells) == 9\n"
        "assert len(mesa.discrete_space.Network(networkx.path_graph(4)).all_cells) == 4\n"
        "assert mesa.space.MultiGrid(2, 2, False).width == 2\n"
    )
    assert printed_by(names + played + used + loaded) == [True, True]
