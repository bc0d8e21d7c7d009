"""A lesson in real headless Chromium: teacher, projector, a delegation on a laptop and one
joining on a phone with the class code. Each has its own browser context.

Skipped without /usr/bin/chromium and playwright, unless REQUIRE_BROWSER=1.
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

import pytest

from support.browser import choose, chromium, stop

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SERVER_START = 120
WAIT = 45_000
SHOTS = os.environ.get("CLASS_SHOTS")  # a folder to keep screenshots in, to look at them


def _need_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed"
    else:
        missing = None if CHROMIUM.exists() else f"{CHROMIUM} not found"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def _host(tmp_path, *args, port: int | None = None) -> tuple[subprocess.Popen, str, int]:
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    log = tmp_path / f"host-{time.monotonic_ns()}.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ui.cli import main; raise SystemExit(main())", "host"]
        + [*args, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    while True:
        text = log.read_text()
        if "Serving at" in text:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200:
                        return proc, text, port
            except OSError:
                pass
        if proc.poll() is not None or time.monotonic() - started > SERVER_START:
            pytest.fail(f"minerals host did not start:\n{text[-3000:]}")
        time.sleep(0.5)


def _open(browser, url: str, width: int, height: int, mobile: bool = False):
    """A page in a context of its own (its own cookies and storage) at that size."""
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(url)
    return page


def _link(text: str, path: str, line_start: str = "") -> str:
    return re.search(rf"(?m)^{line_start}.*?(http://127\.0\.0\.1:\d+/{path}\?token=[\w-]+)", text)[
        1
    ]


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_lesson_with_a_projector_and_a_phone(tmp_path):
    _need_browser()
    from playwright.sync_api import expect

    proc, printed, port = _host(
        tmp_path,
        "baseline",
        "--seats",
        "USA,CHN,JPN",
        "--state-dir",
        str(tmp_path / "class"),
    )
    code = re.search(r"class code (\w{6})", printed)[1]
    seat_tokens = re.findall(r"/seat\?token=([\w-]+)", printed)
    try:
        with chromium() as browser:
            teacher = _open(browser, _link(printed, "teacher"), 1280, 800)
            screen = _open(browser, _link(printed, "screen"), 1024, 768)
            usa = _open(browser, _link(printed, "seat", "USA"), 1280, 800)
            phone = _open(browser, f"http://127.0.0.1:{port}/join", 390, 844, mobile=True)

            # the teacher shapes the lesson on the console before it starts
            teacher.get_by_label("Rounds (empty: one per quarter of the scenario)").fill("3")
            teacher.get_by_label("Deals open from round").fill("2")
            teacher.get_by_role("button", name="Set the lesson plan").click()
            expect(teacher.get_by_text(re.compile("Lesson plan set: 3 rounds"))).to_be_visible()

            # the projector: round 1 of 3, the class code, nothing private
            expect(screen.get_by_role("heading", name=re.compile("round 1 of 3"))).to_be_visible()
            expect(screen.get_by_text(code).first).to_be_visible()
            assert not any(token in screen.content() for token in seat_tokens)
            assert "nan" not in teacher.locator("table").first.inner_text()
            # a delegation opens on its mission; nothing asks to press Step
            expect(usa.get_by_text("Your mission.")).to_be_visible()
            expect(usa.get_by_text("Three possible first moves:")).to_be_visible()
            assert "press Step" not in usa.content()

            # the phone joins with the class code and picks China
            phone.get_by_label("Class code").fill(code.lower())
            phone.get_by_role("button", name="Show the seats").click()
            phone.get_by_role("link", name="China (CHN)").click()
            expect(phone.get_by_text("Your mission.")).to_be_visible()
            _shot(phone, "phone-mission")

            # the teacher sees the devices and opens a timed round
            teacher.get_by_label("Timer (minutes, optional)").fill("2")
            teacher.get_by_role("button", name="Open round").click()
            expect(screen.get_by_role("timer")).to_have_text(re.compile(r"^[12]:\d\d left$"))
            expect(usa.get_by_role("timer")).to_have_text(re.compile(r"^[12]:\d\d left$"))
            first = screen.get_by_role("timer").inner_text()
            time.sleep(2.5)
            assert screen.get_by_role("timer").inner_text() != first  # it ticks by itself
            teacher.get_by_role("button", name="+1 min").click()
            expect(teacher.get_by_role("timer")).to_have_text(re.compile(r"^[23]:\d\d left$"))

            # the phone decides in one column, every button on screen
            expect(phone.get_by_role("button", name="Queue tariff")).to_be_visible()
            width = phone.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 392, f"the phone page scrolls sideways ({width} px)"
            box = phone.get_by_role("button", name="Queue tariff").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            _shot(phone, "phone-decide")
            phone.get_by_label("Rate (%)").fill("20")
            phone.get_by_role("button", name="Queue tariff").click()
            expect(phone.get_by_text("Your decisions are saved.")).to_be_visible()
            usa.get_by_label("Rate (%)").fill("30")
            usa.get_by_role("button", name="Queue tariff").click()
            expect(usa.get_by_text("Your decisions are saved.")).to_be_visible()
            expect(teacher.get_by_text("USA: Tariff of 30%")).to_be_visible()
            assert "Tariff of 30%" not in screen.content()  # decisions stay private
            _shot(teacher, "teacher-round1")
            _shot(screen, "screen-round1")

            teacher.get_by_role("button", name="Close round").click()
            expect(screen.get_by_role("heading", name=re.compile("round 2 of 3"))).to_be_visible()
            board = screen.get_by_role("table", name="Delegations")
            expect(board.locator("tbody tr")).to_have_count(3)
            expect(
                screen.get_by_text(re.compile("The United States sets a 30% tariff"))
            ).to_be_visible()
            world_map = screen.get_by_role("img", name=re.compile("^World map of"))
            expect(world_map).to_be_visible()
            assert world_map.bounding_box()["width"] > 300  # readable from the back
            expect(usa.get_by_text(re.compile(r"^Your points over the game: "))).to_be_visible()
            expect(
                phone.get_by_text(re.compile("The United States sets a 30% tariff")).first
            ).to_be_visible()
            _shot(screen, "screen-round2")
            _shot(usa, "usa-report")

            # rolling back asks first and says what would be lost
            teacher.get_by_role("button", name="Roll back to this round").click()
            expect(teacher.get_by_text(re.compile("This deletes"))).to_be_visible()
            teacher.get_by_role("button", name="Cancel").click()
            assert "round 2 of 3" in screen.get_by_role("heading").nth(1).inner_text()

            # the guide's plan goes on: a card before round 2, then rounds 2 and 3
            choose(teacher, "Card", re.compile("China puts heavy rare earths"), check=False)
            teacher.get_by_role("button", name="Fire card").click()
            teacher.get_by_role("button", name="Open round").click()
            expect(phone.get_by_text(re.compile("your country did this"))).to_be_visible()
            teacher.get_by_role("button", name="Close round").click()
            expect(screen.get_by_role("heading", name=re.compile("last round"))).to_be_visible()
            teacher.get_by_role("button", name="Open round").click()
            teacher.get_by_role("button", name="Close round").click()
            expect(screen.get_by_role("heading", name=re.compile("lesson is over"))).to_be_visible()
            expect(
                phone.get_by_text(re.compile(r"Your points over the game: .*rank \d of 3"))
            ).to_be_visible()
            expect(
                usa.get_by_text(re.compile(r"Your points over the game: .*rank"))
            ).to_be_visible()
            _shot(phone, "phone-debrief")
            _shot(screen, "screen-over")
    finally:
        stop(proc)


def test_open_tabs_come_back_by_themselves_after_a_restart(tmp_path):
    _need_browser()
    from playwright.sync_api import expect

    state = str(tmp_path / "class")
    proc, printed, port = _host(tmp_path, "baseline", "--seats", "USA,CHN", "--state-dir", state)
    try:
        with chromium() as browser:
            usa = browser.new_page()
            usa.set_default_timeout(WAIT)
            usa.goto(_link(printed, "seat", "USA"))
            expect(usa.get_by_text("Your mission.")).to_be_visible()
            usa.evaluate("window.beforeRestart = true")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            proc, _, _ = _host(tmp_path, "--resume", state, port=port)
            # nobody touches the tab: it reloads by itself and shows the seat again
            usa.wait_for_function("window.beforeRestart === undefined", timeout=120_000)
            expect(usa.get_by_text("Your mission.")).to_be_visible(timeout=60_000)
    finally:
        stop(proc)


@pytest.mark.browser
def test_a_page_that_lost_its_server_says_so_in_its_readers_language(tmp_path):
    """Walk-through: Solara's "Server disconnected." came up in English on a French phone
    when the teacher's laptop went to sleep."""
    _need_browser()
    from playwright.sync_api import expect

    state = str(tmp_path / "class")
    proc, printed, _ = _host(tmp_path, "baseline", "--seats", "USA,CHN", "--state-dir", state)
    try:
        with chromium() as browser:
            chn = _open(browser, _link(printed, "seat", "CHN"), 390, 844, mobile=True)
            expect(chn.get_by_text("Your mission.")).to_be_visible()
            choose(chn, "Language", "Français", check=False)
            expect(chn.get_by_text("Votre mission.")).to_be_visible()
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            banner = chn.get_by_role("progressbar").locator(".v-progress-circular__info")
            expect(banner).to_have_count(1)
            said = banner.evaluate("e => getComputedStyle(e, '::after').content")
            french = "Serveur déconnecté : cette page reviendra d'elle-même avec le serveur."
            assert said == f'"{french}"'
            english = banner.evaluate("e => getComputedStyle(e).visibility")
            assert english == "hidden"  # Solara's own "Server disconnected." is not shown
            _shot(chn, "fr-phone-disconnected")
    finally:
        stop(proc)


@pytest.mark.browser
def test_the_lesson_end_moves_every_delegation_on_by_itself_each_in_its_language(tmp_path):
    """Review: after the teacher closed the last round, a delegation that had picked a tab
    kept its playing screen until a student reloaded; and a French delegation read the
    round's news in the teacher's English. Here an English delegation on a laptop and a
    French one on a phone look at *The world* when the lesson ends, and nobody reloads."""
    _need_browser()
    from playwright.sync_api import expect

    proc, printed, _ = _host(
        tmp_path,
        "baseline",
        "--seats",
        "USA,CHN",
        "--rounds",
        "2",
        "--state-dir",
        str(tmp_path / "class"),
    )
    try:
        with chromium() as browser:
            teacher = _open(browser, _link(printed, "teacher"), 1280, 800)
            usa = _open(browser, _link(printed, "seat", "USA"), 1280, 800)
            chn = _open(browser, _link(printed, "seat", "CHN"), 390, 844, mobile=True)
            expect(usa.get_by_text("Your mission.")).to_be_visible()
            expect(chn.get_by_text("Your mission.")).to_be_visible()
            choose(chn, "Language", "Français", check=False)  # this delegation reads French
            expect(chn.get_by_text("Votre mission.")).to_be_visible()

            # round 1: the United States taxes China's rare earths
            teacher.get_by_role("button", name="Open round").click()
            # the phone's typed fields show their whole label, unit and all (Vuetify's
            # cut "Part des exportations habituelles autoris…")
            choose(chn, "Mesure", re.compile("^Contrôle des exportations"), check=False)
            choose(chn, "Contrôle", "quota", check=False)
            share = "Part des exportations habituelles autorisée (%)"
            expect(chn.get_by_label(share)).to_be_visible()
            label = chn.locator("label", has_text=share)
            cut = "l => l.scrollWidth > l.clientWidth || l.getBoundingClientRect().right > 390"
            assert not label.evaluate(cut), "the share field's label is cut"
            usa.get_by_label("Rate (%)").fill("30")
            usa.get_by_role("button", name="Queue tariff").click()
            expect(usa.get_by_text("Your decisions are saved.")).to_be_visible()
            # and offers China a tariff agreement
            choose(usa, "Measure", "Deal proposal", check=False)
            choose(usa, "Partner", re.compile("China"), check=False)
            choose(usa, "Deal", re.compile("tariff agreement", re.I), check=False)
            usa.get_by_label("Highest tariff either side may charge (%)").fill("5")
            usa.get_by_role("button", name="Queue proposal").click()
            expect(usa.get_by_text(re.compile("^Propose a tariff agreement"))).to_be_visible()
            teacher.get_by_role("button", name="Close round").click()
            expect(usa.get_by_text(re.compile(r"^Your points over the game: "))).to_be_visible()

            # each delegation reads the round's news in its own language
            usa.get_by_role("button", name="The world", exact=True).click()
            chn.get_by_role("button", name="Le monde", exact=True).click()
            english = re.compile("The United States sets a 30% tariff on mined rare earths")
            french = re.compile(
                r"États-Unis : droit de douane de 30\s% sur les importations de minerai"
            )
            expect(usa.locator(".class-lines").get_by_text(english)).to_be_visible()
            expect(chn.locator(".class-lines").get_by_text(french)).to_be_visible()
            expect(chn.get_by_text("Les décisions de la classe")).to_be_visible()
            assert not english.search(" ".join(chn.locator(".class-lines").all_inner_texts()))
            _shot(chn, "fr-phone-news")

            # the last round: the offer's answers fit the phone (no counter-offer: nobody
            # could answer it, a line says so), then both delegations are on a tab they
            # picked when it ends
            teacher.get_by_role("button", name="Open round").click()
            refuse = chn.get_by_role("button", name=re.compile("^Refuser l'offre"))
            expect(refuse).to_be_visible()
            no_counter = re.compile("^Pas de contre-proposition au dernier tour")
            expect(chn.get_by_text(no_counter)).to_be_visible()
            counters = chn.get_by_role("button", name=re.compile("^Contre-proposition"))
            assert counters.count() == 0
            width = chn.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 392, f"the phone page scrolls sideways ({width} px)"
            box = refuse.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            usa.get_by_role("button", name="Decide", exact=True).click()
            expect(usa.get_by_role("button", name="Queue tariff")).to_be_visible()
            usa.get_by_role("button", name="The world", exact=True).click()
            chn.get_by_role("button", name="Le monde", exact=True).click()
            expect(chn.locator(".class-lines").get_by_text(french)).to_be_visible()
            for page in (usa, chn):
                page.evaluate("window.notReloaded = true")
            teacher.get_by_role("button", name="Close round").click()
            expect(
                teacher.get_by_role("heading", name=re.compile("lesson is over"))
            ).to_be_visible()

            # nobody touches either page: each moves on to its end screen by itself
            expect(
                usa.get_by_text(re.compile(r"^Your points over the game: .*rank \d of 2"))
            ).to_be_visible()
            expect(
                chn.get_by_text(re.compile(r"^Vos points sur la partie : .*rang \d sur 2"))
            ).to_be_visible()
            for page in (usa, chn):
                assert page.evaluate("window.notReloaded === true")  # no reload
            width = chn.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 392, f"the phone's end screen scrolls sideways ({width} px)"
            _shot(usa, "en-debrief")
            _shot(chn, "fr-phone-debrief")
            _shot(teacher, "teacher-over")
    finally:
        stop(proc)
