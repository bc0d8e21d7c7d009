"""How often the clearing fails to converge under export quotas and outages together.

    .venv/bin/python benchmarks/stress_quotas.py [--seed 1] [--cases 300] [--quota 0.3 0.95]

Each case puts 2-4 economies of the tiny test world on quotas (a share of normal exports
drawn between the two --quota bounds, to everyone) on one good, with outages of 30-90 %
of their capacity, half of them in a world where every exporter smuggles
(tests/test_invariants.py's LEAKY); each runs 4 quarters. Prints the clearings that
stopped at the iteration limit and the iterations spent. A convergence figure, not a
speed one: read it beside another tree's, same seed.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from model.engine.world import World  # noqa: E402
from support.builders import scenario  # noqa: E402
from test_invariants import LEAKY, WORLD  # noqa: E402


def case(rng: random.Random, quota: tuple[float, float] = (0.3, 0.95)) -> list[dict]:
    mineral, stage = rng.choice(WORLD.goods)
    events = []
    for actor in rng.sample(WORLD.codes, rng.randint(2, 4)):
        step = rng.randint(1, 2)
        good = {"actor": actor, "mineral": mineral, "stage": stage}
        events.append(
            {
                **good,
                "step": step,
                "action": "export_control",
                "targets": ["all"],
                "level": rng.uniform(*quota),
            }
        )
        events.append(
            {
                **good,
                "step": step + rng.randint(0, 1),
                "action": "shock",
                "capacity_factor": rng.uniform(0.1, 0.7),
                "duration": rng.randint(1, 3),
            }
        )
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument(
        "--quota",
        type=float,
        nargs=2,
        default=(0.3, 0.95),
        metavar=("LOW", "HIGH"),
        help="quota levels drawn between these shares of normal exports",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    clearings = unconverged = iterations = 0
    for _ in range(args.cases):
        world = World(scenario(case(rng, args.quota), steps=4), world=rng.choice([WORLD, LEAKY]))
        for _ in range(4):
            world.step()
            clearings += 1
            iterations += world.outcome.iterations
            unconverged += not world.outcome.converged
    print(
        f"seed {args.seed}: {args.cases} cases, {clearings} quarters cleared, "
        f"{unconverged} unconverged, {iterations} iterations"
    )


if __name__ == "__main__":
    main()
