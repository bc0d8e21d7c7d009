"""Runs stepped in lockstep (model/research/lockstep.py) give each run its numbers alone."""

import pandas as pd

from model.data.scenario import load_scenario
from model.engine.world import World
from model.research.lockstep import run_together

STEPS = 8


def worlds(scenario: str, seeds) -> list[World]:
    return [World(load_scenario(scenario, steps=STEPS, seed=seed)) for seed in seeds]


def assert_same_tables(world: World, alone: World) -> None:
    ours, theirs = world.tables(), alone.tables()
    assert ours.keys() == theirs.keys()
    for name in ours:
        pd.testing.assert_frame_equal(ours[name], theirs[name], check_exact=True, obj=name)


def test_baseline_runs_in_lockstep_keep_every_table_of_their_runs_alone(stacked_runs):
    together = worlds("baseline", [1, 2, 3, 4])
    assert run_together(together) == [None] * 4
    assert max(stacked_runs) == 4  # their markets did clear as one
    for world, seed in zip(together, [1, 2, 3, 4], strict=True):
        assert world.steps == STEPS
        assert_same_tables(world, worlds("baseline", [seed])[0].run())


def test_runs_with_export_controls_and_deals_in_lockstep_keep_their_tables():
    # Scripted bans and quotas (caps clear alone), AIs answering offers, a run of another
    # scenario beside them: nobody's numbers depend on the others'.
    together = worlds("april_2025_escalation", [5, 6]) + worlds("baseline", [5])
    assert run_together(together) == [None] * 3
    alone = worlds("april_2025_escalation", [5, 6]) + worlds("baseline", [5])
    for world, single in zip(together, alone, strict=True):
        assert_same_tables(world, single.run())


def test_a_run_that_fails_stops_alone_and_the_others_finish(monkeypatch):
    together = worlds("baseline", [1, 2, 3])
    broken = together[1]
    real = broken.evolve

    def evolve(step):
        if step == 3:
            raise RuntimeError("the model broke")
        real(step)

    monkeypatch.setattr(broken, "evolve", evolve)
    errors = run_together(together)
    assert errors[0] is None and errors[2] is None
    assert str(errors[1]) == "the model broke"
    assert broken.steps == 3
    assert_same_tables(together[2], worlds("baseline", [3])[0].run())
