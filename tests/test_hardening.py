"""Every mistake a clear message, nothing half-written (the fuzz review's findings M1–M10, L1–L8).

Each test replays one finding of ../shared/reviews/fuzz.md as a person would meet it: the
`minerals` command refuses with one line that names the problem, exits 2, and leaves the
disk as it was.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model.data.tables as tables_module
from model.game import archive
from ui.cli import main

SCENARIO = """
[scenario]
name = "trial"
title = "Trial"
steps = 2
seed = 1
"""


def minerals(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert len(err) < 600, err  # values are echoed cut short
    for fragment in fragments:
        assert fragment in err, err


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# --- M1: what validates, runs ------------------------------------------------------------


def test_shock_factors_in_the_wrong_order_are_refused_by_validate(tmp_path, capsys):
    path = tmp_path / "trial.toml"
    path.write_text(SCENARIO + "[parameters]\nshock_min_factor = 0.9\nshock_max_factor = 0.1\n")
    code, _, err = minerals(capsys, "validate", str(path))
    refused(code, err, "shock_min_factor", "shock_max_factor", "must not exceed")


def test_a_set_that_puts_the_shock_range_upside_down_is_refused_before_running(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = minerals(
        capsys, "run", "baseline", "--steps", "2", "--set", "parameters.shock_max_factor=0",
        "--out", str(out),
    )
    refused(code, err, "--set parameters.shock_max_factor=0", "shock_min_factor")
    assert not out.exists()


def test_a_huge_choke_price_never_gives_a_negative_gdp_index(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = minerals(
        capsys, "run", "producer_nationalism", "--steps", "3", "-q", "--out", str(out),
        "--set", "parameters.choke_price_multiple=501",
    )
    assert code == 0, err
    assert (pd.read_csv(out / "countries.csv")["gdp_index"] >= 0).all()


# --- M2, L7: paths that are not regular files ---------------------------------------------


@pytest.mark.parametrize("command", [["validate"], ["run"], ["sweep"], ["replay"]])
def test_a_device_is_refused_at_once(capsys, command):
    code, _, err = minerals(capsys, *command, "/dev/zero")
    refused(code, err, "/dev/zero")


@pytest.mark.parametrize("command", ["validate", "sweep", "replay"])
def test_a_fifo_is_refused_instead_of_waiting_forever(tmp_path, command):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    # A separate process, so that a regression hangs it and fails here, not the suite.
    done = subprocess.run(
        [Path(sys.executable).with_name("minerals"), command, str(fifo)],
        capture_output=True, text=True, timeout=120,
    )
    refused(done.returncode, done.stderr, "pipe.toml", "not a regular file")


def test_a_folder_given_as_a_scenario_is_called_a_folder(tmp_path, capsys):
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    code, _, err = minerals(capsys, "validate", str(folder))
    refused(code, err, "is a folder")


def test_a_byte_order_mark_is_read_as_utf8(tmp_path, capsys):
    path = tmp_path / "trial.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SCENARIO.encode())
    code, out, err = minerals(capsys, "validate", str(path))
    assert code == 0 and "trial" in out, err


# --- M3: all or nothing on disk -----------------------------------------------------------


def test_a_full_disk_leaves_no_table_behind(tmp_path, capsys, monkeypatch):
    written = []

    def fill_up(frame, path):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        Path(path).write_text("partial")
        written.append(path)

    monkeypatch.setattr(tables_module, "write_csv", fill_up)
    out = tmp_path / "out"
    code, _, err = minerals(capsys, "run", "baseline", "--steps", "1", "-q", "--out", str(out))
    refused(code, err, "No space left on device")
    assert files_in(tmp_path) == set()


def test_a_failed_write_keeps_the_tables_already_there(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "countries.csv").write_text("the earlier run")
    frames = {"countries": pd.DataFrame({"a": [1]}), "prices": pd.DataFrame({"b": [2]})}

    def broken(frame, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tables_module, "write_csv", broken)
    with pytest.raises(OSError):
        tables_module.write_tables(frames, out)
    assert (out / "countries.csv").read_text() == "the earlier run"
    assert files_in(tmp_path) == {out, out / "countries.csv"}


# --- M6, L1: hostile text -----------------------------------------------------------------


def test_nesting_deep_enough_to_exhaust_the_stack_is_refused_everywhere(tmp_path, capsys):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 1000 + "]" * 1000 + "\n")
    for argv in (["validate", str(deep)], ["sweep", str(deep)]):
        code, _, err = minerals(capsys, *argv)
        refused(code, err, "nested too deeply")
    code, _, err = minerals(capsys, "run", "baseline", "--set", ".".join(["a"] * 3000) + "=1")
    refused(code, err, "key=value")
    code, _, err = minerals(
        capsys, "run", "baseline", "--set", "parameters.trade_cost=" + "[" * 3000 + "]" * 3000
    )
    refused(code, err, "nested too deeply")


def test_an_integer_of_thousands_of_digits_is_refused(tmp_path, capsys):
    path = tmp_path / "big.toml"
    path.write_text("[scenario]\nsteps = 1" + "0" * 4300 + "\n")
    code, _, err = minerals(capsys, "validate", str(path))
    refused(code, err, "big.toml")


# --- L2, L3, L4, L8: arguments ------------------------------------------------------------


def test_long_names_and_paths_are_refused_before_any_work(tmp_path, capsys):
    code, _, err = minerals(capsys, "validate", "x" * 300)
    refused(code, err, "no bundled scenario", "…")
    code, _, err = minerals(capsys, "run", "baseline", "--out", str(tmp_path / ("y" * 300)))
    refused(code, err, "too long")
    assert files_in(tmp_path) == set()


def test_steps_have_an_upper_bound(capsys):
    code, _, err = minerals(capsys, "run", "baseline", "--steps", "9" * 19)
    refused(code, err, "--steps", "400 or less")
    code, _, err = minerals(capsys, "run", "baseline", "--steps", "9" * 30)
    refused(code, err, "is too long", "at most 19 digits")


@pytest.mark.parametrize("steps", [" 2 ", "+2", "1_0", "١٢"])
def test_steps_are_plain_digits(capsys, steps):
    code, _, err = minerals(capsys, "run", "baseline", "--steps", steps)
    refused(code, err, "not a whole number")


def test_steps_given_twice_is_a_mistake_not_a_silent_choice(capsys):
    code, _, err = minerals(capsys, "run", "baseline", "--steps", "2", "--set", "steps=3")
    refused(code, err, "--set steps=3", "--steps 2", "give one")


def test_an_empty_or_dangling_out_is_refused(tmp_path, capsys):
    code, _, err = minerals(capsys, "run", "baseline", "--out", "")
    refused(code, err, "empty")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    code, _, err = minerals(capsys, "run", "baseline", "--out", str(tmp_path / "dangling"))
    refused(code, err, "does not exist")


def test_a_huge_value_is_echoed_short_and_on_one_line(tmp_path, capsys):
    path = tmp_path / "trial.toml"
    huge = 'title = "T"\nworld = "' + "w" * 100_000 + '"'
    path.write_text(SCENARIO.replace('title = "Trial"', huge))
    code, _, err = minerals(capsys, "validate", str(path))
    refused(code, err, "world")
    code, _, err = minerals(capsys, "validate", "base\nline")
    refused(code, err, "\\n")


# --- M7, M10, L6, L8: archives and logs ---------------------------------------------------


def game_archive(tmp_path: Path, log: dict, name: str = "game.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("game.json", json.dumps({"log": log}))
    return path


LOG = {"scenario": "baseline", "seed": 1, "seats": ["USA"], "turns": [], "cards": []}


def turn(step: int, actions: list | None = None, answers: list | None = None) -> dict:
    return {
        "step": step, "actions": {"USA": actions or []}, "answers": {"USA": answers or []},
        "players": {"USA": "people"}, "cards": [],
    }


def test_a_log_longer_than_its_scenario_is_refused(tmp_path, capsys):
    path = game_archive(tmp_path, {**LOG, "turns": [turn(n) for n in range(1, 22)]})
    code, _, err = minerals(capsys, "replay", str(path), "--out", str(tmp_path / "o"))
    refused(code, err, "21 rounds", "20 quarters")


def test_a_seat_cannot_order_a_shock_in_a_log_or_a_change(tmp_path, capsys):
    shock = {"kind": "shock", "actor": "USA", "mineral": "all",
             "stage": "all", "capacity_factor": 0.0, "duration": 40}
    path = game_archive(tmp_path, {**LOG, "turns": [turn(1, [shock])]})
    code, _, err = minerals(capsys, "replay", str(path), "--out", str(tmp_path / "o"))
    refused(code, err, "a shock is something that happens to a country")
    good = game_archive(tmp_path, {**LOG, "turns": [turn(1)]}, "good.zip")
    code, _, err = minerals(
        capsys, "replay", str(good), "--change", "1:USA:" + json.dumps([shock]),
        "--out", str(tmp_path / "o"),
    )
    refused(code, err, "a shock is something that happens to a country")
    assert not (tmp_path / "o").exists()


def test_an_answer_that_is_not_an_answer_is_refused(tmp_path, capsys):
    maybe = {"kind": "respond", "actor": "USA", "offer_id": 1, "answer": "maybe"}
    path = game_archive(tmp_path, {**LOG, "turns": [turn(1, answers=[maybe])]})
    code, _, err = minerals(capsys, "replay", str(path), "--out", str(tmp_path / "o"))
    refused(code, err, "maybe", "accept, reject, counter")


def test_a_game_json_larger_than_any_class_game_is_not_expanded(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(archive, "MAX_GAME_BYTES", 1000)
    path = game_archive(tmp_path, {**LOG, "padding": " " * 5000})
    code, _, err = minerals(capsys, "replay", str(path))
    refused(code, err, "larger than")


def patched_zip(path: Path, offset: int, value: bytes) -> None:
    """Overwrite bytes of the central directory entry of game.json (zip format, APPNOTE 4.3.12)."""
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + offset : entry + offset + len(value)] = value
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("offset", "value", "fragment"),
    [(8, b"\x01\x00", "encrypted"), (10, b"\x63\x00", "compressed with a method")],
)
def test_encrypted_or_unsupported_zips_get_their_own_message(tmp_path, capsys, offset, value,
                                                              fragment):
    path = game_archive(tmp_path, {**LOG, "turns": [turn(1)]})
    patched_zip(path, offset, value)
    code, _, err = minerals(capsys, "replay", str(path))
    refused(code, err, fragment)


def test_a_teachers_scenario_needs_its_fingerprint(tmp_path, capsys):
    own = tmp_path / "mine.toml"
    own.write_text(SCENARIO)
    path = game_archive(tmp_path, {**LOG, "scenario": str(own), "turns": [turn(1)]})
    code, _, err = minerals(capsys, "replay", str(path))
    refused(code, err, "fingerprint")


# --- M8, M9: sweep designs ----------------------------------------------------------------

SPEC = """
[sweep]
name = "s"
scenario = "baseline"
steps = 1
"""


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ('sampler = "random"\nsamples = 1000000000000000000\n'
         '[uncertainties]\n"parameters.trade_cost" = {low = 0.0, high = 0.1}\n', "samples"),
        ("replications = 1000000000000000000000000000000\n", "replications"),
        ("replications = 3\n[levers]\n"
         f'"parameters.trade_cost" = {[i / 1000 for i in range(1000)]}\n'
         f'"parameters.spread_share" = {[i / 1000 for i in range(1000)]}\n', "1,000,000"),
        ('[outcomes]\nkeep = ["mean_score", "mean_score"]\n', "named twice"),
    ],
)
def test_a_sweep_it_cannot_finish_is_refused_before_any_run(tmp_path, capsys, extra, fragment):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC + extra)
    out = tmp_path / "out"
    code, _, err = minerals(capsys, "sweep", str(spec), "--workers", "1", "--out", str(out))
    refused(code, err, fragment)
    assert not out.exists()


# --- M5: a server that only serves the game -----------------------------------------------


def test_the_pages_server_never_fetches_a_missing_asset(tmp_path, monkeypatch):
    import solara.server.cdn_helper as cdn_helper

    from ui import server

    monkeypatch.setattr(cdn_helper, "fetch_from_cdn", cdn_helper.fetch_from_cdn)
    server.harden()
    with pytest.raises(FileNotFoundError):
        cdn_helper.get_path(tmp_path, "anything@1.0.0/at/all.js")
    assert files_in(tmp_path) == set()


def test_the_offline_cache_holds_katex():
    script = (Path(__file__).parents[1] / "ui" / "fetch-solara-assets.sh").read_text()
    assert '"katex@0.16.9"' in script


def test_tables_stay_finite(tmp_path, capsys):
    out = tmp_path / "out"
    assert minerals(capsys, "run", "baseline", "--steps", "2", "-q", "--out", str(out))[0] == 0
    frame = pd.read_csv(out / "countries.csv")
    assert np.isfinite(frame.select_dtypes("number").to_numpy()).all()


def test_a_seed_too_long_for_64_bits_is_called_too_long_not_a_non_number(capsys):
    code, _, err = minerals(capsys, "run", "baseline", "--seed", "18446744073709551616")
    refused(code, err, "'18446744073709551616' is too long", "at most 19 digits")


def test_a_range_end_that_is_not_a_number_says_so_without_pydantics_type_names(
    tmp_path, capsys
):
    spec = tmp_path / "r.toml"
    spec.write_text(
        '[sweep]\nname = "r"\nscenario = "baseline"\nsteps = 1\n[uncertainties]\n'
        '"parameters.armington_sigma" = {low = "a", high = 5.0}\n'
        '[outcomes]\nkeep = ["mean_price_index"]\n'
    )
    code, _, err = minerals(capsys, "sweep", str(spec), "--out", str(tmp_path / "out"))
    refused(code, err, '"parameters.armington_sigma".low: \'a\' is not a number')
    assert ".int" not in err and "problems left" not in err


def test_a_run_is_not_written_beside_another_runs_tables(tmp_path, capsys):
    """Review: a baseline run in Parquet landed beside producer_nationalism's CSVs, with one
    provenance.json saying baseline."""
    out = str(tmp_path / "mixed")
    once = ["--steps", "1", "-q", "--out", out]
    assert minerals(capsys, "run", "producer_nationalism", *once)[0] == 0
    before = {path: path.read_bytes() for path in (tmp_path / "mixed").iterdir()}
    code, _, err = minerals(capsys, "run", "baseline", *once)
    refused(code, err, "holds the tables of another run (scenario producer_nationalism)")
    code, _, err = minerals(capsys, "run", "producer_nationalism", *once, "--format", "parquet")
    refused(code, err, "in the other format")
    assert {path: path.read_bytes() for path in (tmp_path / "mixed").iterdir()} == before
    # the same scenario again, in the same format, replaces its own tables
    again = ["--steps", "2", "-q", "--out", out]
    assert minerals(capsys, "run", "producer_nationalism", *again)[0] == 0


@pytest.mark.parametrize("record", ['{"scenario": "tutorial"}', "[1, 2]", "{oops"])
def test_a_hand_edited_provenance_file_does_not_stop_a_run(tmp_path, capsys, record):
    out = tmp_path / "edited"
    out.mkdir()
    (out / "provenance.json").write_text(record)
    code, _, err = minerals(capsys, "run", "tutorial", "--steps", "1", "-q", "--out", str(out))
    assert code == 0 and "Traceback" not in err
