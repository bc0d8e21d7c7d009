"""Issue 16 §1: one clear of bench_clearing's synthetic cases by two source trees, in CPU time.

    .venv/bin/python benchmarks/bench_clearing_against.py BEFORE_TREE 20x16 54x16 200x40 ...

``BEFORE_TREE`` is a checkout of the commit to compare with; its ``model/engine/markets.py``
and this tree's are loaded side by side and each case is cleared by one, then the other
(median of 3 after a warm-up; 1 at 200 economies), so both meet the same load. CPU time
(``time.process_time``), because the machine is shared.
"""

import importlib.util
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
    before = load(Path(argv[0]) / "model" / "engine" / "markets.py", "before_markets")
    after = load(ROOT / "model" / "engine" / "markets.py", "after_markets")
    sizes = [tuple(int(x) for x in size.split("x")) for size in argv[1:]]
    print(bc.machine())
    print(
        "| case | economies × goods | before CPU ms (iterations) | after CPU ms (iterations) "
        "| after / before | max \\|log p gap\\| |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for n, g in sizes:
        markets = bc.cases(n, g)
        results = {"before": {}, "after": {}}
        for name in bc.CASES:
            row = {}
            for side, module in (("before", before), ("after", after)):
                if name == "bans, next quarter":
                    market, start = bc.next_quarter(markets["bans"]), results[side]["bans"].price
                else:
                    market, start = markets[name], None
                module.clear(market, start)  # warm-up
                times = []
                for _ in range(3 if n < 200 else 1):
                    begin = time.process_time()
                    result = module.clear(market, start)
                    times.append(time.process_time() - begin)
                results[side][name] = result
                row[side] = (1e3 * sorted(times)[len(times) // 2], result.iterations)
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
