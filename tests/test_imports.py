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


def loaded_after(setup: str) -> list[str]:
    code = PROBE.format(setup=setup, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


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
