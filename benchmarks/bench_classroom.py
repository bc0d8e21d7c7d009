"""What a class game costs the server: memory per connected seat, and round time with 40 seats.

    .venv/bin/python benchmarks/bench_classroom.py [--quick] [--seats N] [--rounds N]

(a) Memory per connected seat: N delegations each connect like a browser tab of
ui/classroom.py (a watcher thread subscribed to the game, which re-reads the tables, its
messages, its submission and inbox after every change; one teacher tab re-reads the
status), then each submits a decision set and sends a message. The growth of traced
Python memory (tracemalloc) and of the process's resident set (RSS, /proc/self/status) is
divided by N. Solara's own per-tab cost (a kernel, widgets) comes on top and is measured
by bench_browser.py, not here.
(b) Round time: the 59-economy ``washington_coalition`` world with 40 seats; every seat
submits a tariff, a stockpile purchase and a deal proposal each round, then the teacher
closes it. ``close_round`` is timed (median, slowest), and so is what it spends appending
the round's rows to the table files (and, for comparison, rewriting them all, as every
round did before). A submission (the World's rules
dry-run plus the atomic, fsynced save) and ``ClassGame.resume`` after the last round (a
replay of the whole log) are timed too. (c) The same for the default class: ``baseline``
(27 economies, the others passive) with the 8 default seats.
(d) With ``--tabs N``: a real class in headless Chromium (/usr/bin/chromium, Playwright).
``minerals host washington_coalition`` with the 8 default seats serves a teacher tab, a
projector tab and N delegation tabs. Measured: the server's resident memory per tab; a
message (sent from one delegation's tab) in server CPU time, until every tab is idle
again; and closing a round (``--tab-rounds``, default 3: a 50-minute lesson's), from the
teacher's click until every tab shows the new quarter, by each tab's own note of when its
heading changed (wall time; also the time until this script has checked every tab in
turn, which adds a round trip per tab), and the server's CPU time. The server's idle CPU
is subtracted.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clearing import code_version, machine  # noqa: E402

from model.data.tables import write_tables  # noqa: E402
from model.data.world_data import load_world  # noqa: E402
from model.game.classroom import DEFAULT_SEATS, ClassGame  # noqa: E402

SCENARIO = "washington_coalition"  # the 59-economy world, every other economy an AI
SEATS = 40
ROUNDS = 12


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def seat_codes(n: int) -> list[str]:
    return [code for code in load_world("world_2026_ministerial").codes if code != "ROW"][:n]


def decisions(code: str, r: int) -> list[dict]:
    """A typical delegation's round: a tariff, a stockpile purchase, a proposal."""
    other = "USA" if code == "CHN" else "CHN"
    partner = "JPN" if code != "JPN" else "EU"
    return [
        {
            "kind": "tariff",
            "actor": code,
            "targets": [other],
            "mineral": "lithium",
            "stage": "refined",
            "rate": 0.05 + 0.01 * r,
        },
        {
            "kind": "stockpile",
            "actor": code,
            "mineral": "cobalt",
            "stage": "refined",
            "tonnes": 1.0,
        },
        {
            "kind": "propose",
            "actor": code,
            "partner": partner,
            "deal": "tariff_agreement",
            "terms": {"mineral": "lithium", "stage": "refined", "max_rate": 0.05},
        },
    ]


def memory_per_seat(seats: int, folder: Path) -> dict:
    """Traced and resident memory per connected seat (watchers, a submission, a message)."""
    codes = seat_codes(seats)
    game = ClassGame.create(SCENARIO, codes, folder / "memory")
    game.open_round(game.teacher_token)
    stop = threading.Event()
    threads = []
    tracemalloc.start()
    traced0, rss0 = tracemalloc.get_traced_memory()[0], rss_kb()

    def tab(code: str | None):
        """A browser tab: on every change it re-reads what its page shows."""
        token = game.seat_tokens[code] if code else game.teacher_token
        changed = threading.Event()
        unsubscribe = game.subscribe(changed.set)
        seen = {}
        while not stop.is_set():
            if changed.wait(0.05):
                changed.clear()
                seen = {"tables": game.tables(), "messages": game.messages(token)}
                if code is None:  # the teacher's page
                    seen["status"] = game.status()
                else:
                    seen["submitted"] = game.submitted()
                    seen["mine"] = game.submission(code)
                    seen["inbox"] = game.inbox(code)
        unsubscribe()
        return seen

    teacher = threading.Thread(target=tab, args=(None,), daemon=True)
    teacher.start()
    threads.append(teacher)
    for code in codes:
        thread = threading.Thread(target=tab, args=(code,), daemon=True)
        thread.start()
        threads.append(thread)
    for k, code in enumerate(codes):
        game.submit(game.seat_tokens[code], decisions(code, 0))
        game.send_message(game.seat_tokens[code], "all", f"Delegation {k} proposes a truce.")
    time.sleep(1.0)  # let the tabs catch up with the last change
    traced = tracemalloc.get_traced_memory()[0] - traced0
    rss = rss_kb() - rss0
    tracemalloc.stop()
    stop.set()
    for thread in threads:
        thread.join()
    return {
        "seats": seats,
        "traced_kb_per_seat": traced / 1024 / seats,
        "rss_kb_per_seat": rss / seats,
        "game_json_kb": (game.state_dir / "game.json").stat().st_size / 1024,
    }


def round_times(scenario: str, codes: list[str], rounds: int, folder: Path) -> dict:
    """close_round wall time with ``codes`` as seats, and what the World's step takes of it."""
    game = ClassGame.create(scenario, codes, folder / f"rounds-{scenario}")
    teacher = game.teacher_token
    closes, submits, appends = [], [], []
    append = game._files.write

    def timed_append(tables):  # what a round's close spends on the table files
        start = time.perf_counter()
        append(tables)
        appends.append(time.perf_counter() - start)

    game._files.write = timed_append
    for r in range(rounds):
        game.open_round(teacher)
        for code in codes:
            wanted = decisions(code, r)
            start = time.perf_counter()
            reasons = game.submit(game.seat_tokens[code], wanted)
            submits.append(time.perf_counter() - start)
            if any(reasons):  # e.g. a purchase beyond what is left of its budget: drop it
                kept = [
                    action for action, reason in zip(wanted, reasons, strict=True) if reason is None
                ]
                assert not any(game.submit(game.seat_tokens[code], kept))
        start = time.perf_counter()
        game.close_round(teacher)
        closes.append(time.perf_counter() - start)
    rewrites = []
    for k in range(3):  # what every round cost before the rows were appended
        start = time.perf_counter()
        write_tables(game.tables(), folder / f"rewrite-{scenario}-{k}")
        rewrites.append(time.perf_counter() - start)
    start = time.perf_counter()
    ClassGame.resume(game.state_dir)
    resume = time.perf_counter() - start
    return {
        "scenario": scenario,
        "seats": len(codes),
        "rounds": rounds,
        "close_ms_median": 1000 * statistics.median(closes),
        "close_ms_max": 1000 * max(closes),
        "append_ms_median": 1000 * statistics.median(appends),
        "rewrite_ms_median": 1000 * statistics.median(rewrites),
        "submit_ms_median": 1000 * statistics.median(submits),
        "resume_s": resume,
    }


def report(result: dict) -> str:
    return (
        f"{result['seats']} seats, {result['rounds']} rounds of {result['scenario']}: "
        f"close_round median {result['close_ms_median']:.0f} ms "
        f"(slowest {result['close_ms_max']:.0f} ms), of which appending the round to the "
        f"table files {result['append_ms_median']:.0f} ms (rewriting them all after the last "
        f"round: {result['rewrite_ms_median']:.0f} ms); one submission "
        f"{result['submit_ms_median']:.1f} ms; resume after the last round "
        f"{result['resume_s']:.1f} s"
    )


def _proc_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


LONG = 300_000  # ms: a loaded machine with 30 tabs is slow, and slowness is what is measured
# Each tab notes (browser clock, ms) when a heading with the new round first appears: the
# last tab's note is when every tab shows it. Checking the tabs one after another from
# here adds a round trip per tab after that moment, which is the harness, not the class.
NOTE_WHEN_SHOWN = """label => {
  window.__shown = null;
  const seen = () => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6,[role=heading]')]
    .some(h => h.textContent.includes(label) && h.checkVisibility());
  const watcher = new MutationObserver(() => {
    if (seen()) { window.__shown = Date.now(); watcher.disconnect(); }
  });
  watcher.observe(document.body, {subtree: true, childList: true, characterData: true});
  return seen();  // true would mean the label is on the page before the close
}"""


def class_tabs(tabs: int, folder: Path, rounds: int = 2, messages: int = 3) -> dict:
    """(d): a class with ``tabs`` delegation tabs in headless Chromium."""
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "host.log"
    command = [sys.executable, "-c", "from ui.cli import main; raise SystemExit(main())"]
    command += ["host", SCENARIO, "--state-dir", str(folder / "tabs"), "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    server = subprocess.Popen(
        command, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        started = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() - started > 180:
                raise RuntimeError(log.read_text()[-2000:])
            time.sleep(0.5)
        printed = log.read_text()
        teacher_url = re.search(r"(http://\S+/teacher\?token=[\w-]+)", printed)[1]
        screen_url = re.search(r"(http://\S+/screen\?token=[\w-]+)", printed)[1]
        seat_urls = re.findall(r"(http://\S+/seat\?token=[\w-]+)", printed)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            try:

                def open_tab(url):
                    page = browser.new_page(viewport={"width": 1024, "height": 768})
                    page.set_default_timeout(180_000)
                    page.goto(url)
                    expect(
                        page.get_by_role("heading", name=re.compile("round 1 of"))
                    ).to_be_visible(timeout=LONG)
                    return page

                teacher = open_tab(teacher_url)
                time.sleep(3)
                before = _proc_rss_kb(server.pid)
                pages = [open_tab(screen_url)]
                pages += [open_tab(seat_urls[k % len(seat_urls)]) for k in range(tabs)]
                time.sleep(3)
                per_tab = (_proc_rss_kb(server.pid) - before) / (tabs + 1)

                def idle_cpu_per_s() -> float:
                    """The server's CPU rate with every tab drawn: the quietest of 3 s."""
                    rates = []
                    for _ in range(3):
                        cpu0, t0 = _proc_cpu_s(server.pid), time.monotonic()
                        time.sleep(1)
                        rates.append((_proc_cpu_s(server.pid) - cpu0) / (time.monotonic() - t0))
                    return min(rates)

                def settle(cpu0: float, t0: float, idle: float) -> float:
                    """Server CPU since ``t0`` until one quiet second, less the idle rate."""
                    last = cpu0
                    while True:
                        time.sleep(1.0)
                        now = _proc_cpu_s(server.pid)
                        if now - last < max(2 * idle, 0.02):
                            return (now - cpu0) - idle * (time.monotonic() - t0)
                        last = now

                teacher.get_by_role("button", name="Open round").click()
                for page in pages[1:]:
                    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible(
                        timeout=LONG
                    )
                idle = idle_cpu_per_s()
                message_cpu = []
                sender = pages[1]
                for k in range(messages):
                    cpu0, t0 = _proc_cpu_s(server.pid), time.monotonic()
                    sender.get_by_label("Message").fill(f"message {k}")
                    sender.get_by_role("button", name="Send", exact=True).click()
                    expect(teacher.get_by_text(f"message {k}")).to_be_visible(timeout=LONG)
                    message_cpu.append(settle(cpu0, t0, idle))
                close_wall, close_drawn, close_cpu = [], [], []
                for r in range(rounds):
                    if r:
                        teacher.get_by_role("button", name="Open round").click()
                        for page in pages[1:]:
                            button = page.get_by_role("button", name="Send", exact=True)
                            expect(button).to_be_visible(timeout=LONG)
                    label = f"round {r + 2} of"
                    early = [page.evaluate(NOTE_WHEN_SHOWN, label) for page in [teacher, *pages]]
                    if any(early):
                        raise RuntimeError(f"{label!r} is shown before the round is closed")
                    idle = idle_cpu_per_s()
                    cpu0, t0 = _proc_cpu_s(server.pid), time.monotonic()
                    clicked = time.time()
                    teacher.get_by_role("button", name="Close round").click()
                    for page in [teacher, *pages]:
                        heading = page.get_by_role("heading", name=re.compile(label))
                        expect(heading).to_be_visible(timeout=LONG)
                    close_wall.append(time.monotonic() - t0)
                    shown = [page.evaluate("window.__shown") for page in [teacher, *pages]]
                    if None in shown:  # a tab reloaded, or its heading changed unseen
                        raise RuntimeError(f"{shown.count(None)} tabs did not note {label!r}")
                    close_drawn.append(max(shown) / 1000 - clicked)
                    close_cpu.append(settle(cpu0, t0, idle))
            finally:
                browser.close()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    return {
        "tabs": tabs + 2,
        "rss_mb_per_tab": per_tab / 1024,
        "message_cpu_ms": statistics.median(message_cpu) * 1000,
        "close_wall_s": statistics.median(close_wall),
        "close_wall_max_s": max(close_wall),
        "closes": rounds,
        "close_drawn_s": statistics.median(close_drawn),
        "close_drawn_max_s": max(close_drawn),
        "close_cpu_s": statistics.median(close_cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 seats, 2 rounds")
    parser.add_argument("--seats", type=int, default=SEATS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--dir", type=Path, help="where the games are saved (default: a temp dir)")
    parser.add_argument("--tabs", type=int, default=0, help="(d) with N delegation tabs")
    parser.add_argument("--only-tabs", action="store_true", help="run (d) only")
    parser.add_argument(
        "--tab-rounds", type=int, default=3, help="(d): rounds closed (a 50-minute lesson's 3)"
    )
    args = parser.parse_args()
    seats, rounds = (4, 2) if args.quick else (args.seats, args.rounds)
    print(f"Machine: {machine()}")
    print(f"Code: {code_version('model/game/classroom.py')}")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        print(f"Games saved under {args.dir or tempfile.gettempdir()}")
        if args.tabs:
            d = class_tabs(args.tabs, Path(folder), rounds=args.tab_rounds)
            print(
                f"(d) {d['tabs']} tabs (teacher, projector, {args.tabs} delegations) on "
                f"{SCENARIO}: {d['rss_mb_per_tab']:.1f} MB server memory per tab; a message "
                f"{d['message_cpu_ms']:.0f} ms server CPU; closing a round "
                f"{d['close_drawn_s']:.1f} s until every tab shows it (slowest "
                f"{d['close_drawn_max_s']:.1f} s; {d['close_wall_s']:.1f} s and "
                f"{d['close_wall_max_s']:.1f} s until this script has checked each tab in "
                f"turn), {d['close_cpu_s']:.1f} s server CPU; median of {d['closes']} closes"
            )
            if args.only_tabs:
                return
        memory = memory_per_seat(seats, Path(folder))
        print(
            f"(a) {memory['seats']} connected seats: "
            f"{memory['traced_kb_per_seat']:.1f} KB traced and "
            f"{memory['rss_kb_per_seat']:.0f} KB resident per seat; "
            f"game.json {memory['game_json_kb']:.0f} KB"
        )
        print("(b) " + report(round_times(SCENARIO, seat_codes(seats), rounds, Path(folder))))
        default = list(DEFAULT_SEATS)[: min(seats, len(DEFAULT_SEATS))]
        print("(c) " + report(round_times("baseline", default, rounds, Path(folder))))


if __name__ == "__main__":
    main()
