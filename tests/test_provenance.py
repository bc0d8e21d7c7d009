"""Every output folder says what made it, and a resume refuses to mix versions.

``minerals run``, ``sweep``, ``replay`` and a class game (its state folder and its
export) carry ``provenance.json``: the package version, the git commit when run from a
checkout, and hashes of the world data and of the scenario as run.
"""

import json
import re
import zipfile
from importlib import metadata

import pandas as pd
import pytest

from model.data import provenance
from model.data.scenario import load_scenario
from model.data.world_data import world_path
from model.game.classroom import ClassGame
from support.browser import free_port
from ui.cli import main

SPEC = """
[sweep]
name = "two"
scenario = "baseline"
steps = 1
seed = 3

[uncertainties]
"parameters.shock_rate" = [0.0, 0.5]

[outcomes]
keep = ["mean_price_index"]
"""
OLDER = {"package": "critical-minerals-game", "version": "0.0.1", "commit": "0" * 40}


def minerals(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def made_by_an_older_version(folder):
    record = json.loads((folder / provenance.FILE).read_text())
    record["code"] = OLDER
    (folder / provenance.FILE).write_text(json.dumps(record))


def test_a_run_records_the_code_version_and_hashes_of_what_it_ran(tmp_path, capsys):
    code, _, err = minerals(capsys, "run", "baseline", "--steps", "1", "--out", tmp_path / "a")
    assert code == 0, err
    made = json.loads((tmp_path / "a" / "provenance.json").read_text())
    assert made["code"]["version"] == metadata.version("critical-minerals-game")
    assert made["code"]["commit"] is None or re.fullmatch("[0-9a-f]{40}", made["code"]["commit"])
    assert made["world"] == {
        "name": "world_2024",
        "sha256": provenance.folder_sha256(world_path("world_2024")),
    }
    assert made["scenario"]["name"] == "baseline"


def test_the_scenario_hash_follows_what_ran_and_the_world_hash_the_data(tmp_path, capsys):
    runs = {
        "same": ["--steps", "1"],
        "again": ["--steps", "1"],
        "longer": ["--steps", "2"],
        "costlier": ["--steps", "1", "--set", "parameters.trade_cost=0.1"],
    }
    made = {}
    for name, argv in runs.items():
        assert minerals(capsys, "run", "baseline", *argv, "--out", tmp_path / name)[0] == 0
        made[name] = json.loads((tmp_path / name / "provenance.json").read_text())
    assert made["same"] == made["again"]  # same seed, same folder, byte for byte
    scenario = {name: record["scenario"]["sha256"] for name, record in made.items()}
    assert len({scenario["same"], scenario["longer"], scenario["costlier"]}) == 3
    assert len({record["world"]["sha256"] for record in made.values()}) == 1


def test_a_changed_world_file_changes_the_world_hash(tmp_path):
    world = tmp_path / "world"
    world.mkdir()
    (world / "goods.csv").write_text("good\nlithium\n")
    before = provenance.folder_sha256(world)
    (world / "goods.csv").write_text("good\ncobalt\n")
    assert provenance.folder_sha256(world) != before


def test_a_sweep_made_by_another_version_is_not_resumed(tmp_path, capsys):
    spec, out = tmp_path / "spec.toml", tmp_path / "sweep"
    spec.write_text(SPEC)
    assert minerals(capsys, "sweep", spec, "--out", out, "--workers", "1", "-q")[0] == 0
    assert json.loads((out / "provenance.json").read_text())["scenario"]["name"] == "baseline"
    made_by_an_older_version(out)
    before = pd.read_parquet(out / "runs.parquet")

    code, _, err = minerals(capsys, "sweep", spec, "--out", out, "--workers", "1", "-q")
    assert code == 2
    assert "critical-minerals-game 0.0.1 (commit 0000000)" in err
    assert "--force-resume" in err and "Traceback" not in err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)

    code, _, err = minerals(capsys, "sweep", spec, "--out", out, "-q", "--force-resume")
    assert code == 0 and "resuming" in err
    made = json.loads((out / "provenance.json").read_text())
    assert made["code"] == OLDER  # what made the first runs stays on record
    assert made["resumed_by"][0]["code"] == provenance.code_version()


def test_a_sweep_folder_without_a_record_is_not_resumed(tmp_path, capsys):
    spec, out = tmp_path / "spec.toml", tmp_path / "sweep"
    spec.write_text(SPEC)
    assert minerals(capsys, "sweep", spec, "--out", out, "--workers", "1", "-q")[0] == 0
    (out / "provenance.json").unlink()
    code, _, err = minerals(capsys, "sweep", spec, "--out", out, "--workers", "1", "-q")
    assert code == 2 and "records no code version" in err


def test_the_same_version_resumes_a_sweep_without_force(tmp_path, capsys):
    spec, out = tmp_path / "spec.toml", tmp_path / "sweep"
    spec.write_text(SPEC)
    assert minerals(capsys, "sweep", spec, "--out", out, "--workers", "1", "-q")[0] == 0
    code, out_text, err = minerals(capsys, "sweep", spec, "--out", out, "--workers", "1", "-q")
    assert code == 0, err
    assert "2 already done before" in out_text
    assert "resumed_by" not in json.loads((out / "provenance.json").read_text())


@pytest.fixture
def served(monkeypatch):
    """Record the server ``minerals host`` would become, instead of becoming it."""
    calls = []
    monkeypatch.setattr("ui.cli.os.execve", lambda *args: calls.append(args))
    return calls


def test_a_class_game_made_by_another_version_is_not_resumed(tmp_path, capsys, served):
    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "class")
    made = json.loads((game.state_dir / "provenance.json").read_text())
    assert made == provenance.describe(load_scenario("baseline", seed=game.log.seed))
    made_by_an_older_version(game.state_dir)
    host = ["host", "--resume", game.state_dir, "--host", "127.0.0.1", "--port", free_port()]

    code, _, err = minerals(capsys, *host)
    assert code == 2 and "0.0.1 (commit 0000000)" in err and "--force-resume" in err
    assert served == []

    code, _, err = minerals(capsys, *host, "--force-resume")
    assert code == 0 and "resuming" in err and len(served) == 1


def test_force_resume_needs_resume(tmp_path, capsys, served):
    argv = ["host", "baseline", "--state-dir", tmp_path / "new", "--force-resume"]
    code, _, err = minerals(capsys, *argv, "--host", "127.0.0.1", "--port", free_port())
    assert code == 2 and "--force-resume goes with --resume" in err
    assert not (tmp_path / "new").exists() and served == []


def test_a_class_game_export_carries_what_made_the_game(tmp_path):
    game = ClassGame.create("baseline", ["USA"], tmp_path / "class")
    archive = game.export(game.teacher_token, tmp_path / "class.zip")
    with zipfile.ZipFile(archive) as zipped:
        exported = json.loads(zipped.read("provenance.json"))
    assert exported == json.loads((game.state_dir / "provenance.json").read_text())


def test_a_replay_records_what_it_ran(tmp_path, capsys):
    game = ClassGame.create("baseline", ["USA"], tmp_path / "class")
    archive = game.export(game.teacher_token, tmp_path / "class.zip")
    code, _, err = minerals(capsys, "replay", archive, "--out", tmp_path / "replayed")
    assert code == 0, err
    replayed = json.loads((tmp_path / "replayed" / "provenance.json").read_text())
    assert (
        replayed["scenario"]
        == json.loads(zipfile.ZipFile(archive).read("provenance.json"))["scenario"]
    )
