"""The bundled sweep specs are named without a path, so the commands docs/research.md
quotes work from any folder (a clean one included), as scenario names do."""

import pytest

from model.research.spec import SWEEPS_DIR, SweepError, bundled_specs, load_spec
from ui.cli import main


def test_a_bundled_spec_loads_by_name_from_a_clean_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert {"example", "coalition_floor", "coalition_floor_sobol"} <= set(bundled_specs())
    spec = load_spec("coalition_floor_sobol")
    assert spec == load_spec(SWEEPS_DIR / "coalition_floor_sobol.toml")
    assert len(spec.design()) == 224  # the size docs/research.md states


def test_a_file_in_the_folder_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "example").write_text("not toml [")
    with pytest.raises(SweepError, match="example"):
        load_spec("example")


def test_an_unknown_name_lists_the_bundled_specs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "coalition_flor"]) == 2
    err = capsys.readouterr().err
    assert "coalition_flor" in err and "coalition_floor_sobol" in err and err.count("\n") == 1
    assert "Traceback" not in err and not (tmp_path / "out").exists()
