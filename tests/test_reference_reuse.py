"""A World that still matches the reference path takes the path's clearing: same numbers.

A passive baseline run is the reference path itself, so it need not clear its markets a
second time (reference.py). The reuse must change nothing, bit for bit, and stop as soon
as the World does something the path did not.
"""

import pandas as pd
import pytest

from model.engine import reference
from model.engine.world import World

STEPS = 6
CLEARING = reference.Reference.clearing  # before any test wraps it


def run(name: str, reuse: bool, monkeypatch) -> tuple[dict[str, pd.DataFrame], int]:
    reference._shared.clear()  # a fresh path: what was kept does not leak between runs
    taken = []

    def clearing(self, step, state):
        found = CLEARING(self, step, state) if reuse else None
        taken.append(found is not None)
        return found

    monkeypatch.setattr(reference.Reference, "clearing", clearing)
    world = World(name)
    world.run(STEPS)
    return world.tables(), sum(taken)


@pytest.mark.parametrize("name", ["baseline", "washington_coalition"])
def test_reusing_the_paths_clearing_changes_no_number(name, monkeypatch):
    solved, _ = run(name, False, monkeypatch)
    reused, taken = run(name, True, monkeypatch)
    for table in ("countries", "prices", "flows", "production"):
        pd.testing.assert_frame_equal(reused[table], solved[table], check_exact=True)
    if name == "baseline":  # everyone passive: every quarter is the path's
        assert taken == STEPS
    else:  # the club forms in the first quarter: the World leaves the path at once
        assert taken == 0
