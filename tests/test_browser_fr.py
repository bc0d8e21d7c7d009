"""The game in French in a real headless Chromium, controls found by their French names.

A player switches the page to French and plays a quarter while another browser stays in
English; a class hosted with ``--lang fr`` plays a round, and one delegation switches back
to English for itself. Same pattern and skips as tests/test_browser.py.
"""

import re

import pytest

from support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT,
    choose,
    need_browser,
    seat_link,
    start_host,
    stop,
    teacher_link,
    ui_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The module's own ``minerals ui``."""
    yield from ui_server(tmp_path_factory)

SPACE = r"\s"  # French puts a (narrow) no-break space before % and between thousands


def _switch_language(page, label: str, language: str):
    """Pick ``language`` in the switch; its own label changes with it, so no ``choose``.

    The game page makes its selects comboboxes (ui/a11y.vue); the class pages keep buttons.
    """
    switch = page.get_by_role("combobox", name=label, exact=True).or_(
        page.get_by_role("button", name=re.compile(rf"^{label}\b"))
    )
    if switch.get_attribute("role") == "combobox":
        switch = switch.locator("xpath=ancestor::div[contains(@class, 'v-select__slot')]")
    switch.click()
    page.get_by_role("option", name=language, exact=True).click()


def test_a_quarter_in_french_while_another_browser_stays_in_english(server):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(WAIT)
            page.goto(url)
            page.get_by_role("button", name="Start", exact=True).wait_for(timeout=60_000)
            _switch_language(page, "Language", "Français")
            start = page.get_by_role("button", name="Commencer", exact=True)
            expect(start).to_be_visible()
            expect(
                page.get_by_text("Référence : le monde de 2024 sans nouvelle mesure").first
            ).to_be_visible()
            choose(page, "Votre pays", "Japon (JPN)")
            start.click()

            heading = page.get_by_role("heading", name=re.compile(r"^T\d \d{4} · étape"))
            expect(heading).to_have_text("T1 2025 · étape 1 sur 20")
            expect(page.get_by_text("Vous jouez : Japon (JPN).")).to_be_visible()

            rate = page.get_by_label("Taux (%)")
            rate.fill("-5")
            page.get_by_role("button", name="Ajouter le droit de douane").click()
            expect(page.get_by_text("-5 n'est pas admis ici")).to_be_visible()

            choose(page, "Partenaire", "Chine (CHN)")
            choose(page, "Minerai", "terres rares")
            choose(page, "Stade", "raffiné")
            rate.fill("40")
            page.get_by_role("button", name="Ajouter le droit de douane").click()
            queued = (
                rf"Droit de douane de 40{SPACE}% sur terres rares \(raffiné\) en provenance de CHN"
            )
            expect(page.get_by_text(re.compile(queued))).to_be_visible()

            page.get_by_role("button", name="Trimestre suivant", exact=True).click()
            news = (
                rf"T1 2025 : JPN impose un droit de douane de 40{SPACE}% sur les importations "
                r"de terres rares raffinées en provenance de CHN\."
            )
            expect(page.get_by_text(re.compile(news))).to_be_visible()
            expect(heading).to_have_text("T2 2025 · étape 2 sur 20")
            page.get_by_role("tab", name="Prix").click()
            chart = page.get_by_role("img", name="Graphique des prix : terres rares (minerai)")
            expect(chart).to_be_visible()
            expect(page.get_by_role("tab", name="Flux commerciaux")).to_be_visible()

            # the choice belongs to this browser session: another one still reads English
            other = browser.new_context().new_page()
            other.set_default_timeout(WAIT)
            other.goto(url)
            expect(other.get_by_role("button", name="Start", exact=True)).to_be_visible()
        finally:
            browser.close()


def test_a_class_round_in_french_where_one_delegation_reads_english(tmp_path):
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    state = tmp_path / "class"
    proc, links = start_host(
        tmp_path, "baseline", "--seats", "USA,CHN", "--state-dir", str(state), "--lang", "fr"
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                pages = {}
                for who, url in (
                    ("teacher", teacher_link(links)),
                    ("USA", seat_link(links, "USA")),
                    ("CHN", seat_link(links, "CHN")),
                ):
                    page = browser.new_context().new_page()
                    page.set_default_timeout(WAIT)
                    page.goto(url)
                    pages[who] = page
                teacher, usa, chn = pages["teacher"], pages["USA"], pages["CHN"]
                teacher.get_by_role("button", name="Ouvrir le tour").click(timeout=60_000)
                expect(
                    usa.get_by_role("heading", name="Délégation : États-Unis (USA)")
                ).to_be_visible()
                usa.get_by_label("Taux (%)").fill("35")
                usa.get_by_role("button", name="Ajouter le droit de douane").click()
                expect(usa.get_by_text("Vos décisions sont enregistrées.")).to_be_visible()

                _switch_language(chn, "Langue", "English")
                expect(chn.get_by_role("button", name="Queue tariff")).to_be_visible()
                expect(usa.get_by_role("button", name="Ajouter le droit de douane")).to_be_visible()

                teacher.get_by_role("button", name="Clore le tour").click()
                expect(usa.get_by_text(re.compile(r"^T2 2025 · tour"))).to_be_visible()
                # the quarter was played in French; each reads its news in its own language
                french = rf"USA impose un droit de douane de 35{SPACE}%"
                expect(usa.get_by_text(re.compile(french))).to_be_visible()
                expect(
                    chn.get_by_text(re.compile(r"USA sets a 35% tariff")).first
                ).to_be_visible()
            finally:
                browser.close()
    finally:
        stop(proc)
