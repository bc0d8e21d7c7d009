"""End to end in a real headless Chromium: serve the game, play one quarter, stay offline.

Uses Debian's chromium (/usr/bin/chromium) through Playwright's ``executable_path``:
Playwright's own browser download does not work on these machines. Without the browser
the test is skipped, unless REQUIRE_BROWSER=1 (CI), where a missing browser fails.
"""

import itertools
import os
import re
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.browser import (
    WAIT,
    choose,
    chromium,
    class_pages,
    need_browser,
    open_page,
    queue_a_tariff,
    seat_link,
    start_host,
    stop,
    teacher_link,
    ui_server,
)

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
JAPAN = "Japan under pressure: heavy rare earths withheld, stockpiles and new refining"
BASELINE = "Baseline: the 2024 world with no new measures"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``minerals ui`` on a free port; yields its address and how long it took to answer."""
    yield from ui_server(tmp_path_factory)


def test_play_one_quarter_offline(server):
    from playwright.sync_api import expect

    url, server_seconds = server
    requests: list[str] = []
    timings = {"server_start_s": round(server_seconds, 2)}
    with chromium() as browser:
        started = time.monotonic()
        page = open_page(browser, url, requests=requests)
        start = page.get_by_role("button", name="Start", exact=True)
        timings["first_load_s"] = round(time.monotonic() - started, 2)

        choose(page, "Scenario", JAPAN)
        expect(
            page.get_by_text(re.compile("^China aims rare-earth supply at Japan"))
        ).to_be_visible()
        choose(page, "Scenario", BASELINE)
        choose(page, "Your country", "Japan (JPN)")
        start.click()

        heading = page.get_by_role("heading", name=re.compile(r"^\d{4} Q\d · step"))
        expect(heading).to_have_text("2025 Q1 · step 1 of 20")

        words = {
            "rate": "Rate (%)",
            "queue": "Queue tariff",
            "refused": "-5 is not allowed here",
            "nothing_queued": "Nothing queued.",
            "partner": "Partner",
            "china": "China (CHN)",
            "mineral": "Mineral",
            "rare_earths": "rare earths",
            "stage": "Stage",
            "refined": "refined",
        }
        queue_a_tariff(page, words)
        queued = "Tariff of 40% on refined rare earths from China"
        expect(page.get_by_text(queued)).to_be_visible()

        news = page.get_by_text(
            "2025 Q1: Japan sets a 40% tariff on refined rare earths from China."
        )
        started = time.monotonic()
        page.get_by_role("button", name="Step", exact=True).click()
        expect(news).to_be_visible()
        timings["step_to_news_ms"] = round((time.monotonic() - started) * 1000)
        expect(heading).to_have_text("2025 Q2 · step 2 of 20")
        page.get_by_role("tab", name="Prices").click()
        chart = page.get_by_role("img", name="Price chart of rare earths (mined ore)")
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
        queued = "Tariff of 40% on refined rare earths from China"
        expect(page.get_by_text(queued)).to_be_visible()

    print("browser timings:", timings)
    hosts = {urlsplit(u).hostname for u in requests}
    assert requests, "no requests were recorded"
    assert hosts <= LOCAL_HOSTS, f"requests left localhost: {sorted(hosts - LOCAL_HOSTS)}"


def test_two_browsers_have_independent_games(server):
    from playwright.sync_api import expect

    url, _ = server
    with chromium() as browser:
        pages = []
        for country in ("United States (USA)", "China (CHN)"):
            page = open_page(browser, url)  # its own context and cookies: its own session
            choose(page, "Your country", country)
            page.get_by_role("button", name="Start", exact=True).click()
            pages.append(page)
        first, second = pages
        heading = re.compile(r"^\d{4} Q\d · step")
        first.get_by_role("button", name="Step", exact=True).click()
        first.get_by_role("button", name="Step", exact=True).click()
        expect(first.get_by_role("heading", name=heading)).to_have_text("2025 Q3 · step 3 of 20")
        expect(second.get_by_role("heading", name=heading)).to_have_text("2025 Q1 · step 1 of 20")
        expect(first.get_by_text("You play United States (USA).")).to_be_visible()
        expect(second.get_by_text("You play China (CHN).")).to_be_visible()
        second.get_by_role("button", name="Step", exact=True).click()
        expect(second.get_by_role("heading", name=heading)).to_have_text("2025 Q2 · step 2 of 20")
        expect(first.get_by_role("heading", name=heading)).to_have_text("2025 Q3 · step 3 of 20")

        # "Continue" offers each browser its own games only (its key in localStorage)
        as_usa = re.compile(r"^Continue Baseline.* as the United States \(2025 Q3")
        as_china = re.compile(r"^Continue Baseline.* as China \(2025 Q2")
        first_game = first.url
        assert "?game=" in first_game
        second.goto(url)
        second.get_by_role("button", name="Start", exact=True).wait_for()
        expect(second.get_by_role("button", name=as_china)).to_have_count(1)
        expect(second.get_by_role("button", name=as_usa)).to_have_count(0)
        # the browser closed and opened again: Solara's session cookie is gone, not the key
        first.context.clear_cookies()
        first.goto(url)
        first.get_by_role("button", name="Start", exact=True).wait_for()
        expect(first.get_by_role("button", name=as_usa)).to_have_count(1)
        expect(first.get_by_role("button", name=as_china)).to_have_count(0)
        first.reload()
        expect(first.get_by_role("button", name=as_usa)).to_have_count(1)
        first.get_by_role("button", name=as_usa).click()
        expect(first.get_by_role("heading", name=heading)).to_have_text("2025 Q3 · step 3 of 20")
        # the game's address still opens it anywhere (how a player moves to another device);
        # opening it does not make it the second browser's
        second.goto(first_game)
        expect(second.get_by_role("heading", name=heading)).to_have_text("2025 Q3 · step 3 of 20")
        expect(second.get_by_text("You play United States (USA).")).to_be_visible()
        second.goto(url)
        second.get_by_role("button", name="Start", exact=True).wait_for()
        expect(second.get_by_role("button", name=as_china)).to_have_count(1)
        expect(second.get_by_role("button", name=as_usa)).to_have_count(0)


def test_a_class_plays_a_round_and_survives_a_kill(tmp_path):
    need_browser()
    from playwright.sync_api import expect

    state = tmp_path / "class"
    proc, links = start_host(tmp_path, "baseline", "--seats", "USA,CHN", "--state-dir", str(state))
    try:
        with chromium() as browser:
            teacher, usa, chn = class_pages(browser, links, "USA", "CHN")
            teacher.get_by_role("button", name="Open round").click(timeout=60_000)
            # the delegations' pages follow the teacher's without a reload
            expect(usa.get_by_role("button", name="Queue tariff")).to_be_visible()
            usa.get_by_label("Rate (%)").fill("35")
            usa.get_by_role("button", name="Queue tariff").click()
            expect(usa.get_by_text("Your decisions are saved.")).to_be_visible()
            expect(chn.get_by_role("button", name="Queue tariff")).to_be_visible()
            choose(chn, "Partner", "United States (USA)")
            chn.get_by_label("Rate (%)").fill("20")
            chn.get_by_role("button", name="Queue tariff").click()
            expect(chn.get_by_text("Your decisions are saved.")).to_be_visible()
            expect(teacher.get_by_text("USA: Tariff of 35%")).to_be_visible()
        stop(proc, signal.SIGKILL)  # mid-round: both submissions made, round still open
        proc, links = start_host(tmp_path, "--resume", str(state))
        with chromium() as browser:
            teacher = open_page(browser, teacher_link(links), ready=None)
            expect(teacher.get_by_text("USA: Tariff of 35%")).to_be_visible(timeout=60_000)
            expect(teacher.get_by_text("CHN: Tariff of 20%")).to_be_visible()
            usa = open_page(browser, seat_link(links, "USA"), ready=None)
            news = "The United States sets a 35% tariff on mined rare earths from China"
            teacher.get_by_role("button", name="Close round").click()
            expect(usa.get_by_text(re.compile(news))).to_be_visible(timeout=WAIT)
            expect(teacher.get_by_text(re.compile("China sets a 20% tariff"))).to_be_visible(
                timeout=WAIT
            )
    finally:
        stop(proc)


# --- the single-player game as a game (issue 13) -----------------------------------------
AXE_VERSION = "axe-core@4.14.1"  # fetched at set-up by ui/fetch-solara-assets.sh
WIDTHS = (390, 768, 1280)  # phone, tablet, desktop


def _axe_source() -> str:
    import solara.server.settings as settings

    path = Path(settings.assets.proxy_cache_dir) / AXE_VERSION / "axe.min.js"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make assets`")
    return path.read_text()


AXE_SCAN = """async () => {
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target).join(' | ')}`);
}"""


def _no_serious_violations(page, screen: str) -> None:
    """An axe-core scan (WCAG 2.1 A and AA) of the page finds nothing serious or critical.

    A scan taken while the page fades in after a redraw sees every colour half-transparent;
    a real contrast fault is still there a few seconds later, so only a second scan counts.
    """
    page.add_script_tag(content=_axe_source())
    found = page.evaluate(AXE_SCAN)
    if found:
        page.wait_for_timeout(3000)
        found = page.evaluate(AXE_SCAN)
    assert not found, f"axe-core on the {screen} screen: {found}"


def _offline(requests: list[str]) -> None:
    hosts = {urlsplit(u).hostname for u in requests}
    assert requests and hosts <= LOCAL_HOSTS, f"requests left the server: {hosts - LOCAL_HOSTS}"


def test_a_first_game_from_the_cards_to_the_debrief(server, tmp_path):
    """Cards say who reacts, the tutorial hints, a reload continues, the debrief explains;
    axe-core finds nothing serious on the start, game and debrief screens; all offline."""
    from playwright.sync_api import expect

    url, _ = server
    requests: list[str] = []
    with chromium() as browser:
        page = open_page(browser, url, requests=requests)
        expect(page.get_by_text("Nobody reacts in this scenario")).to_be_visible()
        choose(page, "Your country", "Japan (JPN)")
        expect(page.get_by_text("How you are scored.")).to_be_visible()
        _no_serious_violations(page, "start")

        page.get_by_role("button", name="Start the tutorial (4 quarters, Japan)").click()
        heading = page.get_by_role("heading", name=re.compile(r"^\d{4} Q\d · step"))
        expect(heading).to_have_text("2025 Q1 · step 1 of 4")
        expect(page.get_by_text(re.compile("^Quarter 1: read your mission"))).to_be_visible()
        choose(page, "Measure", "Stockpile")
        expect(page.get_by_role("button", name="Queue stockpile")).to_be_visible()
        choose(page, "Mineral", "rare earths")
        choose(page, "Stage", "refined")
        page.get_by_label("Tonnes").fill("100")
        page.get_by_role("button", name="Queue stockpile").dblclick()  # one order, not two
        expect(page.get_by_text(re.compile("^Buy 100 t of refined rare earths"))).to_have_count(1)
        withdraw = page.get_by_role("button", name=re.compile("^Withdraw 1: Buy 100 t of refined"))
        expect(withdraw).to_be_visible()  # a screen reader hears what it withdraws
        expect(page.get_by_text(re.compile("^Now press Step"))).to_be_visible()
        page.get_by_role("button", name="Step", exact=True).click()
        expect(heading).to_have_text("2025 Q2 · step 2 of 4")
        expect(page.get_by_role("img", name=re.compile("^World map of"))).to_be_visible()
        assert "?game=" in page.url

        page.reload()  # the game is kept on the server under the id in the address
        expect(heading).to_have_text("2025 Q2 · step 2 of 4", timeout=60_000)
        expect(
            page.locator(".v-card__title").get_by_text("Your score this quarter", exact=True)
        ).to_be_visible()
        _no_serious_violations(page, "game")

        for quarter in (3, 4):
            page.get_by_role("button", name="Step", exact=True).click()
            expect(heading).to_have_text(f"2025 Q{quarter} · step {quarter} of 4")
        # the map, drawn in the browser from outlines sent once (ui/map.vue), follows the
        # Steps: China shaded with its share on hover, the ring of its hold-back, the flows
        world_map = page.get_by_role("img", name=re.compile("^World map of refined rare earths"))
        china = world_map.locator("path > title", has_text=re.compile(r"^China: \d+%$"))
        expect(china).to_have_count(1)
        ring = world_map.locator("circle > title", has_text="limits its exports to you")
        expect(ring).to_have_count(1)
        assert world_map.locator('path[stroke="#b35806"]').count() >= 1  # what you were sent
        assert world_map.locator("path").count() > 170  # the outlines
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page.get_by_text("Your key moves")).to_be_visible()
        expect(page.get_by_text("What really happened")).to_be_visible()
        chart = page.get_by_role("img", name="Your score, as played and without your actions")
        expect(chart).to_be_visible()
        page.wait_for_timeout(500)
        _no_serious_violations(page, "debrief")

        page.get_by_role("button", name="New game").click()
        page.get_by_role("button", name="Yes, new game").click()
        # the button names the scenario by its full title (fr2: no title cut at ":")
        tutorial = re.escape("Tutorial: your first four quarters (play Japan)")
        continue_ = page.get_by_role("button", name=re.compile(rf"^Continue {tutorial} as Japan"))
        expect(continue_.first).to_be_visible()
        # the address no longer names the old game: a reload stays on the start page
        expect(page).not_to_have_url(re.compile(r"\?game="))
        page.reload()
        expect(continue_.first).to_be_visible(timeout=60_000)
        expect(heading).to_have_count(0)
    _offline(requests)


def test_the_game_fits_a_phone_a_tablet_and_a_desktop(server):
    """No sideways scrolling at 390, 768 and 1280 px; screenshots for people to look at
    (MINERALS_SCREENSHOTS=dir keeps them; docs/screenshot.png comes from the 1280 one).
    On the phone, the help on table columns opens with a tap (no hover there)."""
    from playwright.sync_api import expect

    url, _ = server
    keep = os.environ.get("MINERALS_SCREENSHOTS")
    requests: list[str] = []
    with chromium() as browser:
        for width in WIDTHS:
            page = open_page(browser, url, width, 900, requests, touch=width < 600)
            page.get_by_role("button", name="Start the tutorial (4 quarters, Japan)").click()
            heading = page.get_by_role("heading", name=re.compile(r"^\d{4} Q\d · step"))
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_role("button", name="Step", exact=True).click()
            expect(heading).to_have_text("2025 Q3 · step 3 of 4")
            expect(page.get_by_role("img", name=re.compile("^World map of"))).to_be_visible()
            page.keyboard.press("Tab")  # focus is visible: the outline of ui/app.py STYLE
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{overflow} px of sideways scrolling at {width} px"
            if width < 600:  # a phone has no hover: the column help opens with a tap
                help_ = page.locator("summary", has_text="What the columns mean").first
                meaning = help_.locator("xpath=following-sibling::dl")
                expect(meaning).to_be_hidden()
                help_.tap()
                expect(meaning).to_be_visible()
                expect(meaning.locator("dd").first).not_to_be_empty()
            if keep:
                page.set_viewport_size({"width": width, "height": 2200})
                page.screenshot(path=f"{keep}/game_{width}.png")
            page.close()
    _offline(requests)


def test_the_map_key_stays_readable_on_a_phone(server, tmp_path):
    """Review: on a phone the key drawn inside the map shrank with it to text 4 px high; a
    narrow screen shows the same key as page text instead."""
    from playwright.sync_api import expect

    url, _ = server
    with chromium() as browser:
        for width, phone in ((390, True), (1280, False)):
            page = open_page(browser, url, width=width, height=844, ready=None)
            page.get_by_role("button", name="Start the tutorial (4 quarters, Japan)").click()
            page.get_by_role("tab", name="Map").click()
            key = page.locator(".map-legend-html")
            drawn = page.locator("svg .map-legend")
            if phone:
                expect(key).to_be_visible()
                expect(key).to_contain_text("measure in force")
                assert drawn.evaluate("g => getComputedStyle(g).display") == "none"
                size = key.evaluate("k => parseFloat(getComputedStyle(k).fontSize)")
                assert size >= 12
                page.screenshot(path=str(tmp_path / "phone_map.png"), full_page=True)
            else:
                expect(key).to_be_hidden()
                assert drawn.evaluate("g => getComputedStyle(g).display") != "none"
            page.context.close()


def _shot(page, tmp_path, name: str) -> None:
    """A screenshot to look at: in MINERALS_SCREENSHOTS=dir if set, else the test's tmp."""
    page.screenshot(path=f"{os.environ.get('MINERALS_SCREENSHOTS') or tmp_path}/{name}.png")


def _overlap(a: dict, b: dict) -> bool:
    """Two bounding boxes share some area (touching edges do not count)."""
    across = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    down = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return across > 0 and down > 0


def test_the_score_charts_line_names_stay_apart_and_readable(server, tmp_path):
    """Review h3: the score chart names each line at its end; at 390 px those names shrank
    with the chart to text 6 px high, crowded into one smudge (and at 768 and 1280 px the
    boxes of close lines overlapped). At every width each line's name shows once, in the
    line's colour, at least 12 px high, inside the page, and no two names overlap."""
    from playwright.sync_api import expect

    url, _ = server
    colour = "e => getComputedStyle(e)[e instanceof SVGElement ? 'fill' : 'color']"
    with chromium() as browser:
        for width in WIDTHS:
            page = open_page(browser, url, width=width, height=844, ready=None)
            page.get_by_role("button", name="Start the tutorial (4 quarters, Japan)").click()
            heading = page.get_by_role("heading", name=re.compile(r"^\d{4} Q\d · step"))
            for quarter in (2, 3):
                page.get_by_role("button", name="Step", exact=True).click()
                expect(heading).to_have_text(f"2025 Q{quarter} · step {quarter} of 4")
            chart = page.get_by_role("img", name="Your score by quarter")
            expect(chart).to_be_visible()
            chart.scroll_into_view_if_needed()
            frame = chart.bounding_box()
            lines = chart.locator("polyline")
            assert lines.count() >= 4  # the score and its parts
            around = chart.locator("xpath=..")  # the chart and whatever names its lines
            boxes = {}
            for k in range(lines.count()):
                line = lines.nth(k)
                name = line.locator("title").text_content()
                shown = [e for e in around.get_by_text(name, exact=True).all() if e.is_visible()]
                assert len(shown) == 1, f"{width} px: {name!r} is shown {len(shown)} times"
                (label,) = shown
                assert label.evaluate(colour) == line.evaluate("p => getComputedStyle(p).stroke")
                box = label.bounding_box()
                assert box["height"] >= 12, f"{width} px: {name!r} is {box['height']} px high"
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name!r} is cut off"
                if label.evaluate("e => e instanceof SVGElement"):  # not cut off by the chart
                    assert frame["x"] <= box["x"] + 0.5
                    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5
                boxes[name] = box
            for first, second in itertools.combinations(boxes, 2):
                assert not _overlap(boxes[first], boxes[second]), (
                    f"{width} px: {first!r} {boxes[first]} overlaps {second!r} {boxes[second]}"
                )
            # The walk: on a phone the axes' numbers and quarters were 6 px high. Each shown
            # is at least 9 px high, inside the chart, and none runs into another.
            ticks = chart.locator("text.minerals-chart-tick").all()
            ticks = [tick.bounding_box() for tick in ticks if tick.is_visible()]
            assert len(ticks) >= 5, f"{width} px: {len(ticks)} axis labels"
            for box in ticks:
                assert box["height"] >= 9, f"{width} px: an axis label is {box['height']} px high"
                assert frame["x"] - 0.5 <= box["x"] <= frame["x"] + frame["width"] - box["width"]
            for first, second in itertools.combinations(ticks, 2):
                assert not _overlap(first, second), f"{width} px: {first} overlaps {second}"
            _shot(page, tmp_path, f"score_chart_{width}")
            page.context.close()


# What each view shows once a quarter is played (its accessible name, or its text).
VIEW_CONTENT = {
    "Map": ("img", re.compile("^World map of")),
    "Prices": ("img", re.compile("^Price chart of")),
    "Who controls": ("table", re.compile("^Production shares of")),
    "Trade flows": ("img", re.compile("^Main trade flows of")),
    "Industry": ("img", re.compile("^Shortage chart")),
    "Deals": ("text", "No deal has been proposed yet."),
}


def test_the_tabs_stay_in_sight_as_a_keyboard_moves_through_them(server, tmp_path):
    """Review h3: at 390 px the views' tab bar scrolled with Vuetify's slide group; a tab
    reached with Tab was scrolled half into sight by the browser, Enter then scrolled it
    again by Vuetify and the bar went blank. Every tab stays in sight while a keyboard
    moves through them (Tab and Enter, then the arrow keys and Space), the focused one outlined,
    and the chosen view shows; a tap still chooses a tab."""
    from playwright.sync_api import expect

    url, _ = server
    with chromium() as browser:
        page = open_page(browser, url, width=390, height=844, touch=True, ready=None)
        page.get_by_role("button", name="Start the tutorial (4 quarters, Japan)").click()
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page.get_by_role("heading", name="2025 Q2 · step 2 of 4")).to_be_visible()
        tablist = page.get_by_role("tablist")
        tabs = tablist.get_by_role("tab")
        names = tabs.all_text_contents()
        assert names == list(VIEW_CONTENT)

        def in_sight(focused, step: str) -> None:
            expect(focused).to_be_focused()
            assert focused.evaluate("e => e.matches(':focus-visible')"), step
            assert focused.evaluate("e => getComputedStyle(e).outlineStyle") != "none", step
            tablist.evaluate("e => e.scrollIntoView({block: 'center'})")  # the page, not the bar
            for k, name in enumerate(names):
                tab = tabs.nth(k)
                expect(tab, f"{step}: {name}").to_be_visible()
                expect(tab, f"{step}: {name}").to_be_in_viewport(ratio=1)
                box = tab.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{step}: {name} {box}"

        def shows(name: str) -> None:
            tab = tablist.get_by_role("tab", name=name, exact=True)
            expect(tab).to_have_attribute("aria-selected", "true")
            kind, content = VIEW_CONTENT[name]
            panel = page.locator(".v-window-item--active")
            if kind == "text":
                expect(panel.get_by_text(content)).to_be_visible()
            else:
                expect(panel.get_by_role(kind, name=content)).to_be_visible()

        tabs.nth(1).focus()
        page.keyboard.press("Shift+Tab")  # the first tab, reached by the keyboard
        for k, name in enumerate(names):
            if k:
                page.keyboard.press("Tab")
            in_sight(tabs.nth(k), f"Tab to {name}")
            page.keyboard.press("Enter")
            shows(name)
            in_sight(tabs.nth(k), f"Enter on {name}")
        _shot(page, tmp_path, "tabs_keyboard_390")
        for k in reversed(range(len(names) - 1)):  # back with the arrow keys
            page.keyboard.press("ArrowLeft")
            in_sight(tabs.nth(k), f"ArrowLeft to {names[k]}")
        page.keyboard.press("End")
        in_sight(tabs.nth(len(names) - 1), "End")
        page.keyboard.press("ArrowRight")  # round to the first again
        in_sight(tabs.nth(0), "ArrowRight from the last")
        page.keyboard.press("Space")
        shows(names[0])
        in_sight(tabs.nth(0), "Space on the first")
        tablist.get_by_role("tab", name="Prices", exact=True).tap()  # a tap still works
        shows("Prices")
        page.context.close()


def _refused_deal_in_french() -> str:
    """The deals ledger as the game page draws it, in French: one offer the United States
    refused, with its long reason (the player's 390 px screen: two letters a line)."""
    import solara
    import solara.widgets

    from model.text import use_language
    from ui.deals import DealsWithReasons
    from ui.forms import ProposalForm
    from ui.game import Game

    game = Game("japan_pressure", "JPN")
    action, _ = ProposalForm("USA", "tariff_agreement", amount="0").build(game.world.data, "JPN")
    assert game.queue(action) is None
    game.step()
    with use_language("fr"):
        _, rc = solara.render(DealsWithReasons(game.world, game.tables(), "JPN"))
        markup = "".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        rc.close()
    return markup


def test_on_a_phone_each_deal_reads_as_a_card_of_labelled_lines(tmp_path, monkeypatch):
    """Walk 38b: at 390 px the deals table was wider than the screen, its reason two letters
    a line and its terms off-screen. On a phone each deal is a card of "header: value"
    lines as wide as the screen, the reason readable; on a desktop it stays a table."""
    from playwright.sync_api import expect

    from ui.app import STYLE
    from ui.charts import STACK_CSS

    need_browser()
    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    markup = _refused_deal_in_french()
    page_html = f"<style>{STYLE}{STACK_CSS}</style><div class='minerals-page'>{markup}</div>"
    with chromium() as browser:
        for width, phone in ((390, True), (1280, False)):
            page = browser.new_context(viewport={"width": width, "height": 844}).new_page()
            page.set_content(page_html)
            table = page.get_by_role("table", name="Accords")
            expect(table).to_be_visible()
            reason = table.get_by_role("cell", name=re.compile("^États-Unis : avec l'accord"))
            terms = table.get_by_role("cell", name=re.compile(r"^\d+ trimestres, droit de douane"))
            box = table.locator("xpath=..").evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert box[0] <= box[1], f"{width} px: the table scrolls sideways {box}"
            for cell in (reason, terms):
                found = cell.bounding_box()
                assert found["x"] >= 0 and found["x"] + found["width"] <= width, found
            if phone:  # a card: the reason's lines run the width of the screen
                assert reason.bounding_box()["width"] >= 200
                assert "Motif" in reason.evaluate("e => getComputedStyle(e, '::before').content")
            else:
                assert table.evaluate("e => getComputedStyle(e).display") == "table"
            _shot(page, tmp_path, f"deals_{width}")
            page.context.close()


def test_the_briefings_dependency_table_is_named_and_fits_a_phone(server, tmp_path):
    """Walk 33b: on a phone the briefing's dependency table was cut mid-word, and it had
    no name for a screen reader (the stocks table has one). It is named, and on a phone
    each good is a card inside the screen."""
    from playwright.sync_api import expect

    url, _ = server
    with chromium() as browser:
        page = open_page(browser, url, width=390, height=844, touch=True, ready=None)
        page.get_by_role("button", name="Start the tutorial (4 quarters, Japan)").click()
        table = page.get_by_role("table", name=re.compile("^Dependencies of Japan: where"))
        expect(table).to_be_visible()
        box = table.locator("xpath=..").evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert box[0] <= box[1], f"the table scrolls sideways {box}"
        longest = table.get_by_role("cell", name="refined heavy rare earths", exact=True)
        found = longest.bounding_box()
        assert found["x"] >= 0 and found["x"] + found["width"] <= 390, found
        table.scroll_into_view_if_needed()
        _shot(page, tmp_path, "briefing_table_390")
        page.context.close()


def test_a_card_chosen_far_down_the_list_comes_into_sight_with_its_country(server, tmp_path):
    """Walk 03: choosing a card 2,600 px down the list left the page there, the chosen card
    out of sight at the top and the list open. The list folds, the chosen card and the
    country picker (on Japan, as the card asks) are in sight, and the card has the focus."""
    from playwright.sync_api import expect

    url, _ = server
    title = "Japan under pressure: heavy rare earths withheld, stockpiles and new refining"
    with chromium() as browser:
        for width in (390, 1280):
            page = open_page(browser, url, width=width, height=844)
            page.get_by_role("button", name="Choose a scenario …").click()
            choose_it = page.get_by_role("button", name=f"Choose {title}")
            choose_it.scroll_into_view_if_needed()
            heading = page.get_by_role("heading", name="Choose a scenario", exact=True)
            expect(heading).not_to_be_in_viewport()  # far down the list
            choose_it.click()
            card = page.locator(".minerals-chosen-card")
            expect(card.get_by_text(title, exact=True)).to_be_in_viewport()
            expect(card).to_be_focused()
            expect(page.get_by_role("button", name=f"Choose {title}")).to_have_count(0)
            country = page.get_by_role("combobox", name="Your country", exact=True)
            shown = country.locator("xpath=ancestor::div[contains(@class, 'v-select__slot')]")
            expect(shown).to_contain_text("Japan (JPN)")
            if width > 1000:  # beside the cards; on a phone it follows the chosen card
                expect(country).to_be_in_viewport()
            _shot(page, tmp_path, f"chosen_card_{width}")
            page.context.close()


def test_the_trade_flows_names_are_never_cut_off(tmp_path):
    """Walk 16: the trade-flows diagram cut its names on a desktop ("Rest of the worl",
    "European Unior"): each name lies inside the drawing, whole."""
    import pandas as pd

    from ui.charts import flow_chart

    need_browser()
    flows = pd.DataFrame(
        {
            "exporter": ["Rest of the world", "Democratic Republic of the Congo", "China"],
            "importer": ["European Union", "Rest of the world", "South Korea"],
            "tonnes": [900.0, 500.0, 300.0],
        }
    )
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 600}).new_page()
        page.set_content(f"<div style='width:640px'>{flow_chart(flows, 'Main flows')}</div>")
        chart = page.get_by_role("img", name="Main flows").bounding_box()
        for text in page.locator("svg text").all():
            box = text.bounding_box()
            name = text.text_content()
            assert chart["x"] <= box["x"], f"{name!r} is cut off on the left"
            assert box["x"] + box["width"] <= chart["x"] + chart["width"], f"{name!r} is cut off"
        _shot(page, tmp_path, "flows_names")
        page.context.close()


def test_a_focused_select_is_outlined_around_not_over_its_choice(server, tmp_path):
    """Walk 31: after switching to French a dark focus box sat over the Language select
    (the outline of its inner input, a small box after the chosen words). The focus is
    drawn round the whole select, and still shows for a keyboard."""
    from playwright.sync_api import expect

    url, _ = server
    with chromium() as browser:
        page = open_page(browser, url, width=390, height=844, touch=True)
        choose(page, "Language", "Français", check=False)
        select = page.get_by_role("combobox", name="Langue", exact=True)
        select.wait_for()
        expect(page.get_by_role("option", name="Français", exact=True)).to_be_hidden()
        # The page is said again in French after the switch, and a select it redraws
        # meanwhile loses the focus (CI met it once): tried again until the page is still.
        for _ in range(10):
            select.focus()
            page.keyboard.press("Tab")
            page.keyboard.press("Shift+Tab")  # back, by the keyboard: its focus must show
            if select.evaluate("e => e === document.activeElement"):
                break
            page.wait_for_timeout(300)
        assert select.evaluate("e => e === document.activeElement")
        assert select.evaluate("e => e.matches(':focus-visible')")
        assert select.evaluate("e => getComputedStyle(e).outlineStyle") == "none"
        slot = select.locator("xpath=ancestor::div[contains(@class, 'v-input__slot')]")
        assert slot.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
        _shot(page, tmp_path, "language_focus_390")
        page.context.close()
