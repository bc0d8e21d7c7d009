"""Sweep runs whose pool worker dies, as a worker killed by the OOM killer or ``kill -9`` does.

Module-level so that a spawned pool worker can import them by name.
"""

import os
from pathlib import Path

from model.research import sweep as sweeps

ALWAYS = 1  # this run's worker dies every time
ONCE = 2  # this run's worker dies the first time only


def die_for_some_runs(setup, runs, where):
    """Kill the worker (no exception, no clean-up) for a group holding run ALWAYS, and for
    one holding run ONCE once."""
    for run in runs:
        marker = Path(where) / f"died-{run.run_id}"
        if run.run_id == ALWAYS or (run.run_id == ONCE and not marker.exists()):
            marker.touch()
            os._exit(9)
    return sweeps.run_several(setup, runs, where)
