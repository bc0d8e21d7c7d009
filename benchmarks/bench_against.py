"""Issue 16: the same figures for two source trees, interleaved in one run, as ratios.

    .venv/bin/python benchmarks/bench_against.py BEFORE_TREE [--repeat N]

``BEFORE_TREE`` is a checkout of the commit to compare with (``git worktree add`` or
``git archive | tar -x``); the "after" tree is this one. Every figure is measured in a fresh
interpreter with ``PYTHONPATH`` pointing at one tree, before and after alternating, so
both meet the same load: the machine is shared, so figures are CPU seconds
(``time.process_time`` inside the child, or ``RUSAGE_CHILDREN`` for the command line),
medians of N, and the ratio after/before is the figure to read.

- ``clearing (corpus)``: every ``markets.clear`` call of a 40-quarter ``baseline`` run,
  4 quarters of ``washington_coalition`` (look-ahead projections included) and 8 of
  ``producer_nationalism``, recorded once with the before tree's economics and replayed
  through each tree's ``clear``; iterations and CPU per call.
- ``baseline 40 quarters``: ``World("baseline").run(40)`` with a fresh reference path.
- ``sweep run``: what a sweep does per run of ``baseline``, 40 quarters: read the
  scenario, build the World with the run's seed, run it, compute the catalogue's
  outcomes from its tables; mean of 8 seeds after one. Whether both trees' outcomes are
  the same is printed (a change meant to be faster only should leave them so).
- ``invitation step``: the first quarter of ``washington_coalition`` (42 invitations
  judged by look-ahead), its reference path computed first.
- ``PettingZoo step``: ``baseline``, USA and CHN with uniformly random MultiDiscrete
  actions (seeded), the other 25 passive; mean of 10 steps after one.
- ``minerals run baseline --steps 40`` and ``minerals --help``: a fresh interpreter each.
"""

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clearing import code_version, machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

RECORD = """
import pickle, sys, numpy as np
np.seterr(all="ignore")
from model.engine import economy, markets
calls = []
original = markets.clear
def record(market, start=None, tolerance=markets.TOLERANCE):
    calls.append((market, None if start is None else np.array(start), tolerance))
    return original(market, start=start, tolerance=tolerance)
economy.clear = record
from model.engine.world import World
World("baseline").run(40)
World("washington_coalition").run(4)
World("producer_nationalism").run(8)
pickle.dump(calls, open(sys.argv[1], "wb"))
"""

MEASURE = """
import json, pickle, sys, time, numpy as np
np.seterr(all="ignore")
what, corpus = sys.argv[1], sys.argv[2]
out = {}
if what == "corpus":
    from model.engine import markets
    calls = pickle.load(open(corpus, "rb"))
    start = time.process_time()
    results = [markets.clear(m, start=s, tolerance=t) for m, s, t in calls]
    out["cpu"] = time.process_time() - start
    out["iterations"] = sum(r.iterations for r in results) / len(results)
    out["max_iterations"] = max(r.iterations for r in results)
    out["calls"] = len(results)
    out["converged"] = all(r.converged for r in results)
    pickle.dump([r.price for r in results], open(corpus + "." + sys.argv[3], "wb"))
elif what == "baseline":
    from model.engine.world import World
    start = time.process_time(); World("baseline").run(40)
    out["cpu"] = time.process_time() - start
elif what == "sweep":
    from model.data.scenario import load_scenario
    from model.engine import reference
    from model.engine.world import World
    from model.research.outcomes import OUTCOMES, LazyTables, outcome_function
    def one(seed):
        reference._shared.clear()
        world = World(load_scenario("baseline", (), steps=40, seed=seed), rng=seed).run()
        tables = LazyTables(world.recorder)
        return [outcome_function(name)(world, tables) for name in OUTCOMES]
    one(99)
    start = time.process_time()
    found = [one(seed) for seed in range(100, 108)]
    out["cpu"] = (time.process_time() - start) / 8
    out["outcomes"] = found
elif what == "invitation":
    from model.engine.world import World
    world = World("washington_coalition"); world.reference.standing(1)
    start = time.process_time(); world.step()
    out["cpu"] = time.process_time() - start
elif what == "env":
    from model.research.environment import MineralsEnv
    env = MineralsEnv("baseline"); env.reset(seed=1)
    for space in (env.action_space(agent) for agent in env.agents):
        space.seed(7)
    env.step({a: env.action_space(a).sample() for a in env.agents})
    start = time.process_time()
    for _ in range(10):
        env.step({a: env.action_space(a).sample() for a in env.agents})
    out["cpu"] = (time.process_time() - start) / 10
print(json.dumps(out))
"""

CLI = """
import contextlib, io, sys, ui.cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    ui.cli.main(sys.argv[1:])
"""


def child(tree: Path, code: str, *args: str) -> tuple[dict, float]:
    """(what the child printed, its CPU seconds) for ``code`` run against ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tempfile.gettempdir(),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}), cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve(), "after": ROOT}
    print(machine())
    print("after:", code_version("model", "agents", "ui"), " before:", trees["before"])
    with open("/proc/loadavg") as f:
        print("load average at start:", f.read().split()[:3])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = str(Path(tmp) / "calls.pkl")
        child(trees["before"], RECORD, corpus)
        figures = {
            name: {"before": [], "after": []}
            for name in ("corpus", "baseline", "sweep", "invitation", "env", "run", "help")
        }
        extra, outcomes = {}, {}
        for _ in range(args.repeat):
            for side, tree in trees.items():
                out, _ = child(tree, MEASURE, "corpus", corpus, side)
                figures["corpus"][side].append(out["cpu"])
                extra[side] = out
                for name in ("baseline", "sweep", "invitation", "env"):
                    out, _ = child(tree, MEASURE, name, corpus)
                    figures[name][side].append(out["cpu"])
                    if name == "sweep":
                        outcomes[side] = out["outcomes"]
                figures["run"][side].append(
                    child(
                        tree,
                        CLI,
                        "run",
                        "baseline",
                        "--steps",
                        "40",
                        "--out",
                        str(Path(tmp) / side),
                    )[1]
                )
                figures["help"][side].append(child(tree, CLI, "--help")[1])
        prices = {}
        for side in trees:
            with open(f"{corpus}.{side}", "rb") as f:
                prices[side] = pickle.load(f)

        gap = max(
            float(np.abs(np.log(a) - np.log(b)).max())
            for a, b in zip(prices["before"], prices["after"], strict=True)
        )
    with open("/proc/loadavg") as f:
        print("load average at end:", f.read().split()[:3])
    labels = {
        "corpus": f"clearing corpus ({extra['after']['calls']} calls), CPU s",
        "baseline": "baseline 40 quarters, fresh path, CPU s",
        "sweep": "a sweep's baseline run with its outcomes, CPU s",
        "invitation": "washington_coalition invitation step, CPU s",
        "env": "PettingZoo step, random actions, CPU s",
        "run": "minerals run baseline --steps 40, CPU s",
        "help": "minerals --help, CPU s",
    }
    print("| figure | before | after | after / before |\n|---|---:|---:|---:|")
    for name, label in labels.items():
        before = statistics.median(figures[name]["before"])
        after = statistics.median(figures[name]["after"])
        print(f"| {label} | {before:.3f} | {after:.3f} | {after / before:.2f} |")
    for side in trees:
        out = extra[side]
        print(
            f"{side}: clearing iterations per call {out['iterations']:.2f} "
            f"(max {out['max_iterations']}), every call converged: {out['converged']}"
        )
    print(f"largest |log price| gap between the two trees over the corpus: {gap:.1e}")
    same = json.dumps(outcomes["before"]) == json.dumps(outcomes["after"])  # NaN as NaN
    print(f"the sweep runs' outcomes (8 seeds) identical between the two trees: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
