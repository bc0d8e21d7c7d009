"""What a whole step costs, in CPU time, for the three step targets of the briefs.

    .venv/bin/python benchmarks/bench_step.py [--quick]

Medians of 12 steps after a warm-up step (as bench_diplomacy.py), each case built three
times and the median of the three medians reported. CPU time (time.process_time), not
wall time: the machine is shared, and wall times under a load of 10-30 moved by 3×
between runs while CPU times stayed within about 10 %. Compare two commits by running
the script on each (e.g. a `git archive` of the old one with PYTHONPATH pointing at it)
and reading the ratios.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clearing import machine  # noqa: E402

from model.data.scenario import load_scenario  # noqa: E402
from model.engine.world import World  # noqa: E402

CASES = {
    "baseline step, passive (target <= 10 ms)": lambda: World("baseline"),
    "59-economy step, passive washington_coalition (target <= 30 ms)": lambda: World(
        load_scenario("washington_coalition", ["controller=passive"])
    ),
    "baseline step, every country AI (target <= 100 ms)": lambda: World(
        load_scenario("baseline", ["controller=ai"])
    ),
}


def step_cpu_ms(world: World, steps: int) -> float:
    world.step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.process_time()
        world.step()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one step, one build per case")
    args = parser.parse_args(argv)
    steps, builds = (1, 1) if args.quick else (12, 3)
    print(machine())
    for label, make in CASES.items():
        runs = [step_cpu_ms(make(), steps) for _ in range(builds)]
        print(f"{label}: {statistics.median(runs):.1f} ms CPU", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
