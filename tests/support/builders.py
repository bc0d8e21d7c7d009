"""Small worlds and scenarios for tests: a purpose-made four-economy world, events as dicts."""

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from model.data.scenario import validate_scenario
from model.data.world_data import WorldDataError, load_world
from model.engine.world import World

TINY = Path(__file__).parents[1] / "worlds" / "tiny"


def tiny_copy(tmp_path: Path) -> Path:
    """A copy of the tiny world's folder to change a file of."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def refusal(tmp_path: Path, file: str, text: str) -> str:
    """The message with which the tiny world, ``file`` replaced by ``text``, is refused."""
    folder = tiny_copy(tmp_path)
    (folder / file).write_text(text)
    with pytest.raises(WorldDataError) as error:
        load_world(folder)
    return str(error.value)


def tiny_world(**changes):
    """The tiny test world, with fields replaced (e.g. ``stock_days=...``)."""
    return dataclasses.replace(load_world(TINY), **changes)


def scenario(
    events=(), steps=8, seed=1, controller="passive", countries=None, start=None, **parameters
):
    """A scenario for tests; countries take no measures of their own unless told to."""
    return validate_scenario(
        {
            "scenario": {
                "name": "test",
                "title": "Test",
                "steps": steps,
                "seed": seed,
                "controller": controller,
                **({"start": start} if start else {}),
            },
            "countries": countries or {},
            "parameters": parameters,
            "events": [dict(event) for event in events],
        }
    )


def event(step, actor, action, mineral, stage, targets=None, **magnitude):
    entry = {
        "step": step,
        "actor": actor,
        "action": action,
        "mineral": mineral,
        "stage": stage,
        **magnitude,
    }
    if targets is not None:
        entry["targets"] = targets
    return entry


def run(events=(), steps=8, world=None, seed=1, **parameters):
    """A world (tiny by default) run for ``steps`` with ``events``."""
    model = World(scenario(events, steps, seed, **parameters), world=world or tiny_world())
    return model.run()


def at(table, step=None, **where):
    """Rows of ``table`` at ``step`` matching column values."""
    mask = np.ones(len(table), bool) if step is None else (table["step"] == step).to_numpy()
    for column, value in where.items():
        mask = mask & (table[column] == value).to_numpy()
    return table[mask]


def value(table, column, step=None, **where):
    rows = at(table, step, **where)
    assert len(rows) == 1, f"expected one row for {where} at step {step}, got {len(rows)}"
    return float(rows[column].iloc[0])
