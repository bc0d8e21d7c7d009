"""The wheel installs and runs anywhere: scenarios, world data and words travel with it.

Builds the wheel from a copy of the source (``pip wheel --no-deps``), installs it, not
editable, into a fresh virtual environment, and runs ``minerals run baseline`` from a
folder that is not the repository. The new environment borrows the dependencies already
installed in this one (a ``.pth`` line, no network), but not this project's editable
install: that line adds a folder to the path without running its ``.pth`` files.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# Not copied to the build: what git ignores, and the tests (the wheel must not need them).
NOT_SOURCE = (".git", ".venv", "build", "dist", "out", "*.egg-info", "__pycache__", ".*_cache",
              ".hypothesis", "tests")  # fmt: skip


def _run(*argv, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, argv))}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh environment with the wheel installed; yields its bin folder and the wheel."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", tmp / "dist", source, cwd=tmp)  # fmt: skip
    (wheel,) = (tmp / "dist").glob("*.whl")
    env = tmp / "env"
    venv.create(env, with_pip=False)
    site = next((env / "lib").glob("python3*/site-packages"))
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = env / "bin" / "python"
    _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel, cwd=tmp)
    return env / "bin", wheel


def test_the_wheel_ships_scenarios_world_data_cards_and_words(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "configs/scenarios/baseline.toml",
        "configs/worlds/world_2024/world.toml",
        "configs/cards/busan_truce.toml",
        "configs/sweeps/example.toml",
        "model/locales/en/cli.toml",
        "ui/app.py",
    ):
        assert path in names
    assert not any(name.startswith("tests/") for name in names)


def test_minerals_runs_the_baseline_from_another_folder(installed, tmp_path):
    bin_dir, _ = installed
    where = _run(bin_dir / "python", "-c", "import model; print(model.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(bin_dir.parent)  # the wheel, not the source
    done = _run(bin_dir / "minerals", "run", "baseline", "--steps", "2", "--out", "run",
                cwd=tmp_path)  # fmt: skip
    assert "baseline" in done.stdout
    assert (tmp_path / "run" / "countries.csv").is_file()
    made = json.loads((tmp_path / "run" / "provenance.json").read_text())
    assert made["code"]["version"] and made["code"]["commit"] is None  # no checkout to name
