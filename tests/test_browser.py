"""End to end in a real headless Chromium: serve the game, play one quarter, stay offline.

Uses Debian's chromium (/usr/bin/chromium) through Playwright's ``executable_path``:
Playwright's own browser download does not work on these machines. Without the browser
the test is skipped, unless REQUIRE_BROWSER=1 (CI), where a missing browser fails.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START = 120  # seconds: a cold start imports solara, pandas and the world
WAIT = 30_000  # ms for an element to appear


def _need_browser():
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} not found (apt-get install chromium)"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``minerals ui`` on a free port; yields its address and how long it took to answer."""
    _need_browser()
    tmp_path = tmp_path_factory.mktemp("server")
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ui.cli import main; raise SystemExit(main())"]
        + ["ui", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we stop the server and solara
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"minerals ui exited with {proc.returncode}:\n" + _read(tmp_path))
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - started > SERVER_START:
                pytest.fail(f"minerals ui did not answer in {SERVER_START} s:\n" + _read(tmp_path))
            time.sleep(0.5)
        yield url, time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _read(tmp_path) -> str:
    return (tmp_path / "server.log").read_text()[-3000:]


def _choose(page, label: str, option: str):
    """Pick ``option`` in the select labelled ``label`` (a Vuetify menu)."""
    from playwright.sync_api import expect

    select = page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\b"))
    select.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(select).to_contain_text(option)


def test_play_one_quarter_offline(server):
    from playwright.sync_api import expect, sync_playwright

    url, server_seconds = server
    requests: list[str] = []
    timings = {"server_start_s": round(server_seconds, 2)}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(WAIT)
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: requests.append(ws.url))

            started = time.monotonic()
            page.goto(url)
            start = page.get_by_role("button", name="Start", exact=True)
            start.wait_for(timeout=60_000)
            timings["first_load_s"] = round(time.monotonic() - started, 2)

            _choose(page, "Scenario", "japan_pressure")
            expect(page.get_by_text("China has aimed rare-earth supply at Japan")).to_be_visible()
            _choose(page, "Scenario", "baseline")
            _choose(page, "Your country", "Japan (JPN)")
            start.click()

            heading = page.get_by_role("heading", name=re.compile(r"^\d{4} Q\d · step"))
            expect(heading).to_have_text("2025 Q1 · step 1 of 20")

            rate = page.get_by_label("Rate (%)")
            rate.fill("-5")
            page.get_by_role("button", name="Queue tariff").click()
            expect(page.get_by_text("-5 is not allowed here")).to_be_visible()
            expect(page.get_by_text("Nothing queued.")).to_be_visible()

            _choose(page, "Partner", "CHN")
            _choose(page, "Mineral", "rare earths")
            _choose(page, "Stage", "refined")
            rate.fill("40")
            page.get_by_role("button", name="Queue tariff").click()
            expect(
                page.get_by_text("Tariff of 40% on rare earths (refined) from CHN")
            ).to_be_visible()

            news = page.get_by_text(
                "2025 Q1: JPN sets a 40% tariff on refined rare earths from CHN."
            )
            started = time.monotonic()
            page.get_by_role("button", name="Step", exact=True).click()
            expect(news).to_be_visible()
            timings["step_to_news_ms"] = round((time.monotonic() - started) * 1000)
            expect(heading).to_have_text("2025 Q2 · step 2 of 20")
            chart = page.get_by_role("img", name="Price chart of rare earths (mined)")
            expect(chart).to_be_visible()
            expect(page.get_by_text("Nothing queued.")).to_be_visible()
            points = chart.locator("circle").count()
            page.get_by_role("button", name="Step", exact=True).click()
            expect(heading).to_have_text("2025 Q3 · step 3 of 20")
            expect(chart.locator("circle")).not_to_have_count(points)  # the chart moved on
            assert chart.locator("circle").count() > points
            if os.environ.get("MINERALS_SCREENSHOT"):
                page.screenshot(path=os.environ["MINERALS_SCREENSHOT"], full_page=True)
            page.get_by_role("button", name="Undo", exact=True).click()
            expect(heading).to_have_text("2025 Q2 · step 2 of 20")

            page.get_by_role("button", name="Undo", exact=True).click()
            expect(heading).to_have_text("2025 Q1 · step 1 of 20")
            expect(news).to_have_count(0)
            # the undone quarter's decision is back in the queue, to change or withdraw
            expect(
                page.get_by_text("Tariff of 40% on rare earths (refined) from CHN")
            ).to_be_visible()
        finally:
            browser.close()

    print("browser timings:", timings)
    hosts = {urlsplit(u).hostname for u in requests}
    assert requests, "no requests were recorded"
    assert hosts <= LOCAL_HOSTS, f"requests left localhost: {sorted(hosts - LOCAL_HOSTS)}"


def test_two_browsers_have_independent_games(server):
    from playwright.sync_api import expect, sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            pages = []
            for country in ("United States (USA)", "China (CHN)"):
                page = browser.new_context().new_page()  # its own cookies: its own session
                page.set_default_timeout(WAIT)
                page.goto(url)
                page.get_by_role("button", name="Start", exact=True).wait_for(timeout=60_000)
                _choose(page, "Your country", country)
                page.get_by_role("button", name="Start", exact=True).click()
                pages.append(page)
            first, second = pages
            heading = re.compile(r"^\d{4} Q\d · step")
            first.get_by_role("button", name="Step", exact=True).click()
            first.get_by_role("button", name="Step", exact=True).click()
            expect(first.get_by_role("heading", name=heading)).to_have_text(
                "2025 Q3 · step 3 of 20"
            )
            expect(second.get_by_role("heading", name=heading)).to_have_text(
                "2025 Q1 · step 1 of 20"
            )
            expect(first.get_by_text("You play United States (USA).")).to_be_visible()
            expect(second.get_by_text("You play China (CHN).")).to_be_visible()
            second.get_by_role("button", name="Step", exact=True).click()
            expect(second.get_by_role("heading", name=heading)).to_have_text(
                "2025 Q2 · step 2 of 20"
            )
            expect(first.get_by_role("heading", name=heading)).to_have_text(
                "2025 Q3 · step 3 of 20"
            )
        finally:
            browser.close()


def _host(tmp_path, *args) -> tuple[subprocess.Popen, dict[str, str]]:
    """``minerals host`` on a free port; returns the process and its links by seat."""
    port = _free_port()
    log_path = tmp_path / f"host-{port}.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ui.cli import main; raise SystemExit(main())"]
        + ["host", *args, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    while True:
        text = log_path.read_text()
        links = dict(
            re.findall(r"(?m)^(\w+)\b.*?(http://127\.0\.0\.1:\d+/\w+\?token=[\w-]+)", text)
        )
        if links:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200:
                        return proc, links
            except OSError:
                pass
        if proc.poll() is not None or time.monotonic() - started > SERVER_START:
            pytest.fail(f"minerals host did not start:\n{text[-3000:]}")
        time.sleep(0.5)


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


def _teacher_link(links: dict[str, str]) -> str:
    return next(url for url in links.values() if "/teacher?" in url)


def _seat_link(links: dict[str, str], code: str) -> str:
    return next(url for seat, url in links.items() if seat == code and "/seat?" in url)


def test_a_class_plays_a_round_and_survives_a_kill(tmp_path):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    state = tmp_path / "class"
    proc, links = _host(tmp_path, "baseline", "--seats", "USA,CHN", "--state-dir", str(state))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                pages = {}
                for who, url in (
                    ("teacher", _teacher_link(links)),
                    ("USA", _seat_link(links, "USA")),
                    ("CHN", _seat_link(links, "CHN")),
                ):
                    page = browser.new_context().new_page()
                    page.set_default_timeout(WAIT)
                    page.goto(url)
                    pages[who] = page
                teacher, usa, chn = pages["teacher"], pages["USA"], pages["CHN"]
                teacher.get_by_role("button", name="Open round").click(timeout=60_000)
                # the delegations' pages follow the teacher's without a reload
                expect(usa.get_by_role("button", name="Queue tariff")).to_be_visible()
                usa.get_by_label("Rate (%)").fill("35")
                usa.get_by_role("button", name="Queue tariff").click()
                expect(usa.get_by_text("Your decisions are saved.")).to_be_visible()
                expect(chn.get_by_role("button", name="Queue tariff")).to_be_visible()
                _choose(chn, "Partner", "USA")
                chn.get_by_label("Rate (%)").fill("20")
                chn.get_by_role("button", name="Queue tariff").click()
                expect(chn.get_by_text("Your decisions are saved.")).to_be_visible()
                expect(teacher.get_by_text("USA: Tariff of 35%")).to_be_visible()
            finally:
                browser.close()
        _stop(proc, signal.SIGKILL)  # mid-round: both submissions made, round still open
        proc, links = _host(tmp_path, "--resume", str(state))
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                teacher = browser.new_context().new_page()
                teacher.set_default_timeout(WAIT)
                teacher.goto(_teacher_link(links))
                expect(teacher.get_by_text("USA: Tariff of 35%")).to_be_visible(timeout=60_000)
                expect(teacher.get_by_text("CHN: Tariff of 20%")).to_be_visible()
                usa = browser.new_context().new_page()
                usa.set_default_timeout(WAIT)
                usa.goto(_seat_link(links, "USA"))
                news = "USA sets a 35% tariff on mined rare earths from CHN"
                teacher.get_by_role("button", name="Close round").click()
                expect(usa.get_by_text(re.compile(news))).to_be_visible(timeout=WAIT)
                expect(teacher.get_by_text(re.compile("CHN sets a 20% tariff"))).to_be_visible(
                    timeout=WAIT
                )
            finally:
                browser.close()
    finally:
        _stop(proc)
