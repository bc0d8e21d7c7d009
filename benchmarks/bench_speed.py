"""Issue 16 §2–3 (and the reference path): before and after, as ratios from one run.

    .venv/bin/python benchmarks/bench_speed.py [--repeat N]

Each "before" switches one change off in the same process (or, for the start-up, imports
what the old start-up imported), so both figures meet the same load: the machine is
shared, so figures are CPU seconds of this process (``time.process_time``) or of the
child (``RUSAGE_CHILDREN``), medians of N runs, and the ratio is the figure to read.

- start-up: ``minerals --help`` and ``minerals run baseline --steps 40`` in a fresh
  interpreter; before = the same with Mesa, pandas and tqdm imported first (the old
  ``agents`` package imported ``Country``, hence Mesa, with the action contract; the
  world data, tables and CLI modules imported pandas and tqdm at the top; Mesa imported
  first loads its spaces) and, for the run, the reference path computed beside the run and
  its clearings not reused. Targets are judged on the wall clock, as issue 16 states them
  ("from the shell"); CPU is higher than wall where BLAS or Arrow use a second thread.
- invitation step: the first quarter of washington_coalition (42 invitations judged);
  before = the same quarter with no offer answered, so the ratio is what judging costs.
- negotiating quarters: washington_coalition's first 8 quarters, every country AI; before =
  a turned-down offer re-sent every quarter (``REOFFER_QUARTERS`` = 0).
- PettingZoo step: baseline, USA and CHN with uniformly random MultiDiscrete actions, the
  other 25 passive; before = a state copy per measure (World.apply's old all-or-nothing).
- reference path: a 40-quarter baseline run from a fresh path; before = the World scored
  against the shared path, which clears every quarter and whose clearings the World
  replays (session 6); after = the World is its own path (nobody acts in it).
"""

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clearing import code_version, machine  # noqa: E402

from model.engine import policies, reference  # noqa: E402
from model.engine import world as world_module  # noqa: E402
from model.engine.lookahead import Judge  # noqa: E402
from model.engine.world import World  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"help": 0.5, "run": 1.2, "invitation": 1.0, "env": 0.050}


def child_cpu(code: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def cli(argv: list[str], old: bool) -> str:
    first = ("import mesa, pandas, tqdm\nfrom model.engine import reference, world\n"
             "reference.Reference.clearing = lambda self, step, state: None\n"
             "world.World._nobody_acts = lambda self: False\n") if old else ""
    return (f"{first}import contextlib, io, ui.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            f"    ui.cli.main({argv!r})")


def cpu(run) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def invitation_step(negotiating: bool) -> float:
    """The first quarter of washington_coalition; without negotiating, the reference: the
    same quarter with every offer left unanswered (what the look-ahead adds)."""
    reference._shared.clear()
    world = World("washington_coalition")
    # The reference path is not what is measured: its first quarters (those the look-ahead
    # reads) are stepped before, as a game has them from the quarters before.
    world.reference.standing(Judge(world, 1).horizon)
    if not negotiating:
        world.negotiate = lambda actions, step: None
    return cpu(world.step)


def negotiating_quarters(old: bool, steps: int = 8) -> float:
    """Median CPU of washington_coalition's first ``steps`` quarters, every country AI;
    before = a turned-down offer re-sent every quarter (no memory of refusals)."""
    import agents.strategies as strategies

    remembered = strategies.REOFFER_QUARTERS
    strategies.REOFFER_QUARTERS = 0 if old else remembered
    try:
        reference._shared.clear()
        world = World("washington_coalition")
        world.reference.standing(1)
        return statistics.median(cpu(world.step) for _ in range(steps))
    finally:
        strategies.REOFFER_QUARTERS = remembered


def env_steps(old: bool, steps: int) -> float:
    from model.research.environment import MineralsEnv

    env = MineralsEnv("baseline")
    env.reset(seed=1)
    for space in (env.action_space(agent) for agent in env.agents):
        space.seed(7)
    original = policies.apply

    def copying(action, state, data, step, *args, **kwargs):  # the old World.apply: a copy
        trial = state.copy()
        detail = original(action, trial, data, step, *args, **kwargs)
        vars(state).update(vars(trial))
        return detail

    world_module.policies.apply = copying if old else original
    try:
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})  # warm-up
        start = time.process_time()
        for _ in range(steps):
            env.step({agent: env.action_space(agent).sample() for agent in env.agents})
        return (time.process_time() - start) / steps
    finally:
        world_module.policies.apply = original


def baseline_run(old: bool) -> tuple[float, float]:
    """(CPU of a 40-quarter baseline run from a fresh path, of which the path's share)."""
    reference._shared.clear()
    original_standing = reference.Reference.standing
    spent = [0.0]

    def standing(self, step):
        start = time.process_time()
        try:
            return original_standing(self, step)
        finally:
            spent[0] += time.process_time() - start

    reference.Reference.standing = standing
    original_nobody_acts = World._nobody_acts
    if old:
        World._nobody_acts = lambda self: False
    try:
        total = cpu(lambda: World("baseline").run(40))
    finally:
        World._nobody_acts = original_nobody_acts
        reference.Reference.standing = original_standing
    return total, spent[0]


def row(name: str, before: float, after: float, unit: str, target: float | None) -> str:
    scale = 1000 if unit == "ms" else 1
    verdict = "" if target is None else (f"  target {target * scale:g} {unit}: "
                                         + ("met" if after <= target else "missed"))
    digits = 1 if unit == "ms" else 2
    return (f"{name:46s} before {before * scale:8.{digits}f} {unit}  "
            f"after {after * scale:8.{digits}f} {unit}"
            f"  ratio {after / before:5.2f}{verdict}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--env-steps", type=int, default=10)
    args = parser.parse_args(argv)
    n = args.repeat
    print(machine())
    print("code:", code_version("model", "agents", "ui"))
    with open("/proc/loadavg") as f:
        print("load average:", f.read().split()[:3])

    def median_pair(measure):
        pairs = [(measure(True), measure(False)) for _ in range(n)]  # interleaved
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    for label, argv_, key in (("minerals --help (CPU)", ["--help"], "help"),
                              ("minerals run baseline --steps 40 (CPU)",
                               ["run", "baseline", "--steps", "40"], "run")):
        runs = [(child_cpu(cli(argv_, True)), child_cpu(cli(argv_, False))) for _ in range(n)]
        before = statistics.median(r[0][0] for r in runs)
        after = statistics.median(r[1][0] for r in runs)
        wall_before = statistics.median(r[0][1] for r in runs)
        wall = statistics.median(r[1][1] for r in runs)
        print(row(label, before, after, "s", None) + f"  wall {wall_before:.2f} s -> "
              f"{wall:.2f} s, target {TARGETS[key]:g} s: "
              + ("met" if wall <= TARGETS[key] else "missed"))
    plain, negotiating = median_pair(lambda old: invitation_step(not old))
    print(row("washington_coalition invitation step (CPU)", plain, negotiating, "ms",
              TARGETS["invitation"]) + "  (before = the same quarter, no offer answered)")
    before, after = median_pair(negotiating_quarters)
    print(row("washington_coalition quarters 1-8, median (CPU)", before, after, "ms", None)
          + "  (before = turned-down offers re-sent every quarter)")
    before, after = median_pair(lambda old: env_steps(old, args.env_steps))
    print(row("PettingZoo step, random actions (CPU)", before, after, "ms", TARGETS["env"]))
    runs = [(baseline_run(True), baseline_run(False)) for _ in range(n)]
    before = statistics.median(r[0][0] for r in runs)
    after = statistics.median(r[1][0] for r in runs)
    share = statistics.median(r[1][1] / r[1][0] for r in runs)
    share_before = statistics.median(r[0][1] / r[0][0] for r in runs)
    print(row("baseline 40 quarters, fresh reference path (CPU)", before, after, "s", None)
          + f"  path's share {share_before:.0%} -> {share:.0%}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
