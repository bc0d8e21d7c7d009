"""Issue 16 §1: one clear of bench_clearing's synthetic cases by two source trees, in CPU time.

    .venv/bin/python benchmarks/bench_clearing_against.py BEFORE_TREE 20x16 54x16 200x40 ...
        [--repeat N]

``BEFORE_TREE`` is a checkout of the commit to compare with; its ``model/engine/markets.py``
and this tree's are loaded side by side and each case is cleared by one, then the other,
N times in turn after a warm-up (median; N = 3, or 1 at 200 economies unless ``--repeat``
says), so both meet the same load. CPU time (``time.process_time``), because the machine
is shared.
"""

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_clearing as bc  # noqa: E402


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("sizes", nargs="+", help="economies x goods, e.g. 200x40")
    parser.add_argument("--repeat", type=int, help="clears timed per case and tree")
    args = parser.parse_args(argv)
    before = load(args.before / "model" / "engine" / "markets.py", "before_markets")
    after = load(ROOT / "model" / "engine" / "markets.py", "after_markets")
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes]
    print(bc.machine())
    print(
        "| case | economies × goods | before CPU ms (iterations) | after CPU ms (iterations) "
        "| after / before | max \\|log p gap\\| |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for n, g in sizes:
        repeat = args.repeat or (3 if n < 200 else 1)
        markets = bc.cases(n, g)
        results = {"before": {}, "after": {}}
        for name in bc.CASES:
            sides = (("before", before), ("after", after))
            runs = {}
            for side, module in sides:
                if name == "bans, next quarter":
                    market, start = bc.next_quarter(markets["bans"]), results[side]["bans"].price
                else:
                    market, start = markets[name], None
                module.clear(market, start)  # warm-up
                runs[side] = (module, market, start, [])
            for _ in range(repeat):  # in turn, so that both meet the same load
                for side, _module in sides:
                    module, market, start, times = runs[side]
                    begin = time.process_time()
                    results[side][name] = module.clear(market, start)
                    times.append(time.process_time() - begin)
            row = {
                side: (1e3 * statistics.median(runs[side][3]), results[side][name].iterations)
                for side, _module in sides
            }
            gap = np.abs(
                np.log(results["before"][name].price) - np.log(results["after"][name].price)
            ).max()
            print(
                f"| {name} | {n} × {g} | {row['before'][0]:.1f} ({row['before'][1]}) "
                f"| {row['after'][0]:.1f} ({row['after'][1]}) "
                f"| {row['after'][0] / row['before'][0]:.2f} | {gap:.1e} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main(sys.argv[1:]))
