"""Debian's Chromium driven by Playwright, for the end-to-end tests and the browser benchmark.

Playwright's own browser download does not work on these machines, so the tests launch
/usr/bin/chromium through ``executable_path``. Without it a test is skipped, unless
REQUIRE_BROWSER=1 (CI), where a missing browser fails.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def need_browser() -> None:
    """Skip the calling test without Playwright or Chromium (fail under REQUIRE_BROWSER=1)."""
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def choose(page, label: str, option, check: bool = True):
    """Pick ``option`` (its words, or a pattern) in the select labelled ``label`` (a
    Vuetify menu).

    ``check``: wait until the select shows it (not for the language switch, whose own
    label changes with the choice).
    """
    from playwright.sync_api import expect

    # the game page makes its selects comboboxes (ui/a11y.vue); other pages keep Vuetify's
    select = page.get_by_role("combobox", name=label, exact=True).or_(
        page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\b"))
    )
    if select.get_attribute("role") == "combobox":
        select = select.locator("xpath=ancestor::div[contains(@class, 'v-select__slot')]")
    select.click()
    page.get_by_role("option", name=option, exact=isinstance(option, str)).click()
    if check:
        expect(select).to_contain_text(option)


def class_pages(browser, links: dict[str, str], *seats: str) -> list:
    """The teacher's page, then each seat's, opened from ``minerals host``'s links."""
    urls = [teacher_link(links), *(seat_link(links, code) for code in seats)]
    return [open_page(browser, url, ready=None) for url in urls]


def queue_a_tariff(page, words: dict[str, str]) -> None:
    """The game page's first decision, in the page's own words: a wrong rate, refused beside
    the field and queueing nothing, then a 40 % tariff on refined rare earths from China.

    ``words``: the labels (rate, queue, partner, mineral, stage), the choices (china,
    rare_earths, refined), the refusal and, where the test checks it, nothing_queued.
    """
    from playwright.sync_api import expect

    rate = page.get_by_label(words["rate"])
    rate.fill("-5")
    page.get_by_role("button", name=words["queue"]).click()
    expect(page.get_by_text(words["refused"])).to_be_visible()
    if "nothing_queued" in words:
        expect(page.get_by_text(words["nothing_queued"])).to_be_visible()
    choose(page, words["partner"], words["china"])
    choose(page, words["mineral"], words["rare_earths"])
    choose(page, words["stage"], words["refined"])
    rate.fill("40")
    page.get_by_role("button", name=words["queue"]).click()


@contextmanager
def chromium() -> Iterator:
    """A headless Debian Chromium driven by Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def open_page(
    browser,
    url: str,
    width: int = 1280,
    height: int = 1000,
    requests: list[str] | None = None,
    touch: bool = False,
    ready: str | None = "Start",
):
    """A page in its own context (its own cookies: its own session) at ``url``.

    ``requests`` collects every address the page asks for (the offline checks); ``touch``
    makes it a touch screen; ``ready`` names the button to wait for (None: do not wait).
    """
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
    page.goto(url)
    if ready:
        page.get_by_role("button", name=ready, exact=True).wait_for(timeout=60_000)
    return page


SERVER_START = 120  # seconds: a cold start imports solara, pandas and the world
WAIT = 30_000  # ms for an element to appear


def ui_server(tmp_path_factory):
    """``minerals ui`` on a free port; yields its address and how long it took to answer."""
    need_browser()
    tmp_path = tmp_path_factory.mktemp("server")
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ui.cli import main; raise SystemExit(main())"]
        + ["ui", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we stop the server and solara
        env={**os.environ, "MINERALS_GAMES": str(tmp_path / "games")},  # saved games
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"minerals ui exited with {proc.returncode}:\n" + _server_log(tmp_path))
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - started > SERVER_START:
                log = _server_log(tmp_path)
                pytest.fail(f"minerals ui did not answer in {SERVER_START} s:\n" + log)
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


def _server_log(tmp_path) -> str:
    return (tmp_path / "server.log").read_text()[-3000:]


def start_host(tmp_path, *args) -> tuple[subprocess.Popen, dict[str, str]]:
    """``minerals host`` on a free port; returns the process and its links by seat."""
    port = free_port()
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


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


def teacher_link(links: dict[str, str]) -> str:
    return next(url for url in links.values() if "/teacher?" in url)


def seat_link(links: dict[str, str], code: str) -> str:
    return next(url for seat, url in links.items() if seat == code and "/seat?" in url)
