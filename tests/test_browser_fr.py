"""The game in French in a real headless Chromium, controls found by their French names.

A player switches the page to French and plays a quarter while another browser stays in
English; a class hosted with ``--lang fr`` plays a round, and one delegation switches back
to English for itself. Same pattern and skips as tests/test_browser.py.
"""

import re

import pytest

from support.browser import (
    choose,
    chromium,
    class_pages,
    need_browser,
    open_page,
    queue_a_tariff,
    start_host,
    stop,
    ui_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The module's own ``minerals ui``."""
    yield from ui_server(tmp_path_factory)


SPACE = r"\s"  # French puts a (narrow) no-break space before % and between thousands


def _switch_language(page, label: str, language: str):
    """Pick ``language`` in the switch; its own label changes with it."""
    choose(page, label, language, check=False)


def test_a_quarter_in_french_while_another_browser_stays_in_english(server):  # noqa: F811
    from playwright.sync_api import expect

    url, _ = server
    with chromium() as browser:
        page = open_page(browser, url)
        _switch_language(page, "Language", "Français")
        start = page.get_by_role("button", name="Commencer", exact=True)
        expect(start).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "fr")  # read as French
        page.reload()  # the browser keeps its choice (a reload came back in English)
        expect(start).to_be_visible(timeout=60_000)
        expect(
            page.get_by_text("Référence : le monde de 2024 sans nouvelle mesure").first
        ).to_be_visible()
        choose(page, "Votre pays", "Japon (JPN)")
        start.click()

        heading = page.get_by_role("heading", name=re.compile(r"^T\d \d{4} · étape"))
        expect(heading).to_have_text("T1 2025 · étape 1 sur 20")
        expect(page.get_by_text("Vous jouez : Japon (JPN).")).to_be_visible()

        mots = {
            "rate": "Taux (%)",
            "queue": "Ajouter le droit de douane",
            "refused": "-5 n'est pas admis ici",
            "partner": "Partenaire",
            "china": "Chine (CHN)",
            "mineral": "Minéral",
            "rare_earths": "terres rares",
            "stage": "Stade",
            "refined": "raffiné",
        }
        queue_a_tariff(page, mots)
        queued = (
            rf"Droit de douane de 40{SPACE}% sur les importations de terres rares raffinées "
            r"\(provenance : Chine\)"
        )
        expect(page.get_by_text(re.compile(queued))).to_be_visible()

        page.get_by_role("button", name="Trimestre suivant", exact=True).click()
        news = (
            rf"T1 2025 : Japon : droit de douane de 40{SPACE}% sur les importations "
            r"de terres rares raffinées \(provenance : Chine\)\."
        )
        expect(page.get_by_text(re.compile(news))).to_be_visible()
        expect(heading).to_have_text("T2 2025 · étape 2 sur 20")
        page.get_by_role("tab", name="Prix").click()
        chart = page.get_by_role("img", name="Graphique des prix : terres rares (minerai)")
        expect(chart).to_be_visible()
        expect(page.get_by_role("tab", name="Flux commerciaux")).to_be_visible()

        # the choice belongs to this browser session: another one still reads English
        other = open_page(browser, url)
        expect(other.get_by_role("button", name="Start", exact=True)).to_be_visible()


def test_a_class_round_in_french_where_one_delegation_reads_english(tmp_path):
    need_browser()
    from playwright.sync_api import expect

    state = tmp_path / "class"
    proc, links = start_host(
        tmp_path, "baseline", "--seats", "USA,CHN", "--state-dir", str(state), "--lang", "fr"
    )
    try:
        with chromium() as browser:
            teacher, usa, chn = class_pages(browser, links, "USA", "CHN")
            teacher.get_by_role("button", name="Ouvrir le tour").click(timeout=60_000)
            expect(usa.get_by_role("heading", name="Délégation : États-Unis (USA)")).to_be_visible()
            usa.get_by_label("Taux (%)").fill("35")
            usa.get_by_role("button", name="Ajouter le droit de douane").click()
            expect(usa.get_by_text("Vos décisions sont enregistrées.")).to_be_visible()

            # each page says its language, so a screen reader reads it in that language
            expect(usa.locator("html")).to_have_attribute("lang", "fr")
            _switch_language(chn, "Langue", "English")
            expect(chn.get_by_role("button", name="Queue tariff")).to_be_visible()
            expect(chn.locator("html")).to_have_attribute("lang", "en")
            expect(usa.get_by_role("button", name="Ajouter le droit de douane")).to_be_visible()

            teacher.get_by_role("button", name="Clore le tour").click()
            expect(usa.get_by_text(re.compile(r"^T2 2025 · tour"))).to_be_visible()
            # the quarter was played in French; each reads its news in its own language
            french = rf"États-Unis : droit de douane de 35{SPACE}%"
            expect(usa.get_by_text(re.compile(french))).to_be_visible()
            expect(
                chn.get_by_text(re.compile(r"The United States sets a 35% tariff")).first
            ).to_be_visible()
    finally:
        stop(proc)
