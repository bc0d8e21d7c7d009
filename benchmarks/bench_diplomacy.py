"""What AI decisions and negotiation cost, and how far the cheap look-ahead can be trusted.

    .venv/bin/python benchmarks/bench_diplomacy.py [--quick]

Times are medians of several steps (time.perf_counter) after a warm-up step, reported
beside a reference measured in the same run: the same world with every country passive.
The cheap look-ahead (1 quarter, loose clearing tolerance, one projection per round) is
compared with a full one (4 quarters, strict tolerance) on every offer of the first two
steps of washington_coalition: how often the two give the same verdict (gain ≥ 0).
"""

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clearing import machine  # noqa: E402

from model.data.scenario import load_scenario  # noqa: E402
from model.engine import lookahead, negotiation  # noqa: E402
from model.engine.world import World  # noqa: E402

AI_BASELINE_STEP_MS = 100.0  # targets from the diplomacy brief
COALITION_STEP_MS = 1000.0
FULL_HORIZON = 4


def step_times(world: World, steps: int) -> list[float]:
    world.step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        world.step()
        times.append((time.perf_counter() - start) * 1000)
    return times


def verdicts(steps: int) -> list[tuple[float, float]]:
    """(cheap gain, full gain) for every offer answered in the first steps of the club game."""
    pairs = []
    original = negotiation.ask

    def ask(world, judge, deal, responder, round_):
        trial = judge.start()
        trial_deal = replace(deal, pledges=[])
        negotiation.put_in_force(world, trial_deal, trial, world.steps)
        trial.deals.append(trial_deal)
        cheap = judge.gain(responder, trial)
        c = world.data.country(responder)
        full_with = lookahead.project(world, trial, world.steps, FULL_HORIZON)[c]
        round_start = judge.start()  # both look-aheads start from the round's state
        full_without = lookahead.project(world, round_start, world.steps, FULL_HORIZON)[c]
        pairs.append((cheap, float(full_with - full_without)))
        return original(world, judge, deal, responder, round_)

    negotiation.ask = ask
    try:
        World("washington_coalition").run(steps)
    finally:
        negotiation.ask = original
    return pairs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one step each, no verdict study")
    args = parser.parse_args(argv)
    steps = 1 if args.quick else 8
    print(machine())

    passive = statistics.median(step_times(World("baseline"), steps))
    ai = statistics.median(
        step_times(World(load_scenario("baseline", ["controller=ai"])), steps)
    )
    club_world = World(load_scenario("washington_coalition", ["controller=passive"]))
    passive_59 = statistics.median(step_times(club_world, steps))
    club = World("washington_coalition")
    club_steps = [step_times_one(club) for _ in range(1 if args.quick else 4)]

    print(f"baseline step, every country passive (reference): {passive:8.1f} ms")
    print(f"baseline step, every country AI:                  {ai:8.1f} ms"
          f"  = {ai / passive:5.1f}x reference  (target <= {AI_BASELINE_STEP_MS:.0f} ms)")
    print(f"59-economy step, passive (reference):             {passive_59:8.1f} ms")
    for k, ms in enumerate(club_steps, start=1):
        print(f"washington_coalition step {k} (negotiation):      {ms:8.1f} ms"
              f"  = {ms / passive_59:5.1f}x reference  (target <= {COALITION_STEP_MS:.0f} ms)")
    if not args.quick:
        pairs = np.array(verdicts(2))
        same = np.mean((pairs[:, 0] >= 0) == (pairs[:, 1] >= 0))
        corr = np.corrcoef(pairs.T)[0, 1] if len(pairs) > 1 else float("nan")
        print(f"cheap vs full look-ahead on {len(pairs)} offers: same verdict {same:.0%}, "
              f"correlation of gains {corr:.2f}, median |difference| "
              f"{np.median(np.abs(pairs[:, 0] - pairs[:, 1])):.2f} points")
    return 0


def step_times_one(world: World) -> float:
    start = time.perf_counter()
    world.step()
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    sys.exit(main())
