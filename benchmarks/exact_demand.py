"""Issue 16 §1: how far a scenario's clearings with export caps are from the exact demand.

    .venv/bin/python benchmarks/exact_demand.py hindcast_ree_2010 --steps 12

Runs the scenario and, at every clearing that has export caps, evaluates the demand at
the prices ``markets.clear`` returned with the plain reference
(tests/support/reference_clearing.py, which solves a capped importer's price index
exactly); prints the largest |log(demand/supply)| of an exporter not held at the floor or
the ceiling, and the clearing's iterations. ``markets.clear`` stops at 1e-6 by its own
evaluation, so anything much above that is its demand differing from the exact one.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from model.data.scenario import load_scenario  # noqa: E402
from model.engine import economy, markets  # noqa: E402
from model.engine.world import World  # noqa: E402
from support.reference_clearing import off_balance  # noqa: E402


def exact_gap(market: markets.Market, result: markets.Clearing) -> float:
    """Largest |log(exact demand/supply)| at ``result``'s prices, bounds excepted."""
    return max((abs(excess) for *_, excess in off_balance(market, result)), default=0.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args(argv)
    calls = []
    clear = markets.clear

    def checked(market, start=None, tolerance=markets.TOLERANCE):
        result = clear(market, start, tolerance)
        if market.caps is not None:
            calls.append((exact_gap(market, result), result.iterations, result.converged))
        return result

    economy.clear = checked
    world = World(load_scenario(args.scenario, []))
    for _ in range(args.steps):
        world.step()
    if not calls:
        print(f"{args.scenario}: no clearing with export caps in {args.steps} steps")
        return 0
    gap, iterations, converged = (np.array(column) for column in zip(*calls, strict=True))
    print(
        f"{args.scenario}, {args.steps} steps: {len(calls)} clearings with caps; "
        f"|log(exact demand/supply)| max {gap.max():.2e}, median {np.median(gap):.1e}, "
        f"{(gap > 1e-4).sum()} above 1e-4; iterations mean {iterations.mean():.1f}, "
        f"max {iterations.max()}, {(~converged).sum()} not converged"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
