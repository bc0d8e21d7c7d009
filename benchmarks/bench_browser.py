"""From a Step click to the updated page, in headless Chromium, against the bare model step.

    .venv/bin/python benchmarks/bench_browser.py [--steps N]

Serves ``minerals ui`` on a free localhost port, starts a game (``baseline`` as Japan, then
the 59-economy ``washington_coalition`` as the United States, its AIs negotiating), clicks
Step N times (a mouse click on the button) and times each click until the quarter heading
shows the next step (the score, situation, ranking, map and news render in the same
update). The reference is the median
``World.step()`` of the same scenario measured in this process. Targets (issue 13): median
≤ 300 ms on baseline, ≤ 1 s on the 59-economy scenario.

On a shared machine the wall time measures the load as much as the page, so each click's
CPU time is reported too: the server's (``minerals ui`` and its children: the model step,
the save, the redraw) and the browser's, read from /proc — what the click costs, whatever
else the machine runs.

``--compare DIR`` also serves the code in DIR (another commit's tree, e.g. from
``git archive``; same .venv) and plays each case there just before playing it here, so
that before and after share the same load.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_clearing import machine  # noqa: E402

from model.data.scenario import list_scenarios  # noqa: E402
from model.engine.world import World  # noqa: E402
from model.text import t  # noqa: E402
from support.browser import CHROMIUM, CHROMIUM_ARGS, choose, free_port  # noqa: E402

TARGETS_MS = {"baseline": 300.0, "washington_coalition": 1000.0}  # median Step → page
# Armed before a click: resolves when a heading shows ``words``, told by the page's own
# MutationObserver. Polling instead (Playwright's role lookup walks the whole page; a test
# each animation frame makes the page draw 60 frames a second) costs the browser CPU that
# would be counted as the page's.
WATCH_STEP = """words => { window.stepShown = new Promise(resolve => {
  const shown = () => [...document.querySelectorAll('h2')].some(h => h.textContent.includes(words));
  const watch = new MutationObserver(() => { if (shown()) { watch.disconnect(); resolve(); } });
  watch.observe(document.body, {childList: true, subtree: true, characterData: true});
}); }"""


HERE = Path(__file__).resolve().parents[1]  # the code served unless --compare says more


def serve(source: Path = HERE) -> tuple[subprocess.Popen, str]:
    """``minerals ui`` from the code in ``source`` (its ``ui`` and ``model`` come first)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ui.cli import main; raise SystemExit(main())",
         "ui", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=source,
        env={**os.environ, "MINERALS_GAMES": tempfile.mkdtemp(prefix="minerals-bench-"),
             "PYTHONPATH": str(source)},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("minerals ui did not answer in 120 s")


def group_cpu_ms(pgid: int) -> float:
    """CPU time (user + system) used so far by the processes of one process group, in ms."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, …
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total * 1000.0 / os.sysconf("SC_CLK_TCK")


def browser_cpu_ms() -> float:
    """CPU time used so far by the Chromium this process drives (its descendants only:
    other people's browsers on the same machine are not counted), in ms."""
    procs = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        values = rest.split()
        procs[int(stat.parent.name)] = (name, int(values[1]), int(values[11]) + int(values[12]))

    def ours(pid: int) -> bool:
        while pid > 1 and pid in procs:
            if pid == os.getpid():
                return True
            pid = procs[pid][1]
        return False

    ticks = sum(cpu for pid, (name, _, cpu) in procs.items() if "chrom" in name and ours(pid))
    return ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


def click_times(
    url: str, scenario: str, country: str, steps: int, server_pgid: int
) -> tuple[list[float], list[float], list[float]]:
    """Per Step click: wall ms until the page shows the next quarter, server CPU ms,
    browser CPU ms."""
    from playwright.sync_api import expect, sync_playwright

    times, server_cpu, browser_cpu = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(url)
        start = page.get_by_role("button", name="Start", exact=True)
        start.wait_for()
        choose(page, "Scenario", dict(list_scenarios())[scenario])
        choose(page, "Your country", country)
        start.click()
        heading = page.get_by_role("heading", name=re.compile(r"^\d{4} Q\d · step"))
        expect(heading).to_contain_text("step 1 of")
        step = page.get_by_role("button", name="Step", exact=True)
        for k in range(1, steps + 1):
            page.wait_for_timeout(500)  # the last redraw's messages are all in
            # A mouse click on the button, as a player's: locator.click() would first spend
            # ~60 ms (more under load) on Playwright's checks, inside the timed span.
            box = step.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.evaluate(WATCH_STEP, f"step {k + 1} of")
            cpu0, chrome0 = group_cpu_ms(server_pgid), browser_cpu_ms()
            began = time.perf_counter()
            page.mouse.click(x, y)
            page.evaluate("window.stepShown")
            times.append((time.perf_counter() - began) * 1000)
            page.wait_for_timeout(300)  # what the same update still sends and draws
            server_cpu.append(group_cpu_ms(server_pgid) - cpu0)
            browser_cpu.append(browser_cpu_ms() - chrome0)
        browser.close()
    return times, server_cpu, browser_cpu


def model_step_ms(scenario: str, steps: int) -> float:
    world = World(scenario)
    times = []
    for _ in range(steps):
        began = time.perf_counter()
        world.step()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="Step clicks per case")
    parser.add_argument("--baseline-only", action="store_true", help="only the baseline case")
    parser.add_argument(
        "--compare", type=Path, metavar="DIR", help="also serve the code in DIR, played first"
    )
    args = parser.parse_args(argv)
    print(machine())
    sources = {"before": args.compare.resolve(), "after": HERE} if args.compare else {"": HERE}
    servers = {name: serve(source) for name, source in sources.items()}
    try:
        cases = [("baseline", "Japan (JPN)"),
                 ("washington_coalition", "United States (USA)"),
                 ("washington_coalition", t("ui.watch_choice"))]  # fmt: skip
        for scenario, country in cases[:1] if args.baseline_only else cases:
            model = model_step_ms(scenario, args.steps)
            target = TARGETS_MS[scenario]
            for name, (proc, url) in servers.items():
                walls, server, chrome = click_times(url, scenario, country, args.steps, proc.pid)
                clicks = statistics.median(walls)
                print(f"{name:6s} {scenario:22s} {country[:22]:22s} Step click → updated page: "
                      f"median {clicks:7.1f} ms (target ≤ {target:.0f} ms); model step alone "
                      f"{model:7.1f} ms; page overhead {clicks / model:5.1f}×; CPU per click: "
                      f"server {statistics.median(server):6.0f} ms, "
                      f"browser {statistics.median(chrome):6.0f} ms")  # fmt: skip
    finally:
        for proc, _ in servers.values():
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
