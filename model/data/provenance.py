"""What made an output folder: the code's version and the data it ran, in provenance.json.

A run's folder, a sweep's folder, a class game's state folder and its export each carry
one, so a table can be traced to the code and data that made it, and a resumed sweep or
class game can refuse to mix results of two versions in one folder.
"""

import hashlib
import json
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from model.data.scenario import Scenario
from model.data.world_data import world_path
from model.text import language, t

FILE = "provenance.json"
DISTRIBUTION = "critical-minerals-game"
CHECKOUT = Path(__file__).resolve().parents[2]  # the source folder, when run from a checkout
GIT_TIMEOUT = 10  # seconds; a git that hangs (a locked index) must not stop a run


@cache
def code_version() -> dict[str, Any]:
    """The package version, and the git commit (and whether files differ from it) if the
    code runs from a git checkout of this project; ``None`` where unknown."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = None
    commit, modified = _git_commit()
    return {"package": DISTRIBUTION, "version": version, "commit": commit, "modified": modified}


def _git_commit() -> tuple[str | None, bool | None]:
    """(commit, modified) of the checkout holding this file; (None, None) for an installed
    wheel, even one installed inside somebody else's git repository."""
    if not (CHECKOUT / "pyproject.toml").is_file():
        return None, None

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=CHECKOUT, capture_output=True, text=True, timeout=GIT_TIMEOUT
        )
        if done.returncode != 0:
            raise OSError(done.stderr)
        return done.stdout.strip()

    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() != CHECKOUT:
            return None, None
        commit = git("rev-parse", "HEAD")
        modified = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    return commit, modified


def folder_sha256(folder: Path) -> str:
    """One hash of every file under ``folder``: their paths relative to it and their bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def scenario_sha256(scenario: Scenario) -> str:
    """The hash of the scenario as run: the file with every override, steps and seed applied."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def describe(scenario: Scenario) -> dict[str, Any]:
    """The provenance record of an output made from ``scenario`` by this code."""
    return {
        "code": code_version(),
        "world": {"name": scenario.world, "sha256": folder_sha256(world_path(scenario.world))},
        "scenario": {"name": scenario.name, "sha256": scenario_sha256(scenario)},
        "language": language(),  # of the sentences in the tables (the news), not of the data
    }


def write(folder: Path, record: dict[str, Any]) -> Path:
    path = Path(folder) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path


def read(folder: Path) -> dict[str, Any] | None:
    """The record in ``folder``; None if there is none or it cannot be read."""
    try:
        record = json.loads((Path(folder) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def label(code: dict[str, Any]) -> str:
    """A code version as a person reads it: "critical-minerals-game 0.1.0 (commit 1a2b3c4)"."""
    name = f"{code.get('package') or DISTRIBUTION} {code.get('version') or '?'}"
    if not code.get("commit"):
        return name
    key = "provenance.label_modified" if code.get("modified") else "provenance.label_commit"
    return t(key, name=name, commit=str(code["commit"])[:7])


def mismatch(folder: Path, record: dict[str, Any]) -> str | None:
    """Why the outputs already in ``folder`` may not be mixed with ``record``'s; None if
    they may (same code version, same world data, same scenario)."""
    saved = read(folder)
    if saved is None:
        return t("provenance.unrecorded")
    problems = []
    before, now = saved.get("code") or {}, record["code"]
    if (before.get("version"), before.get("commit")) != (now["version"], now["commit"]):
        problems.append(t("provenance.other_code", before=label(before), now=label(now)))
    for part in ("world", "scenario"):
        if (saved.get(part) or {}).get("sha256") != record[part]["sha256"]:
            problems.append(t(f"provenance.other_{part}", name=record[part]["name"]))
    return "; ".join(problems) or None


def note_forced(folder: Path, record: dict[str, Any]) -> None:
    """Keep the first record and add the one that was forced to resume on top of it."""
    saved = read(folder) or {}
    saved.setdefault("resumed_by", []).append(record)
    write(folder, saved)
