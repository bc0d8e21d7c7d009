"""The browser game's page without a browser: components rendered with ``solara.render``."""

import ipyvuetify as v
import pytest
import solara
import solara.widgets

from model.cli import main
from model.scenario import list_scenarios
from ui import app
from ui.game import Game, TariffForm, parse_seed
from ui.seat import HumanSeat


@pytest.fixture
def page():
    box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def _texts(rc, tag="span") -> list[str]:
    return [w.children[0] for w in rc.find(v.Html).widgets if w.tag == tag and w.children]


def _date(rc) -> str:
    return _texts(rc, "h2")[0]


def _click(rc, label: str):
    rc.find(v.Btn, children=[label]).widget.click()


def _start(rc, country="United States (USA)"):
    rc.find(v.Select, label="Your country").widget.v_model = country
    _click(rc, "Start")


def test_start_screen_lists_scenarios_and_start(page):
    select = page.find(v.Select, label="Scenario").widget
    assert select.items == [name for name, _ in list_scenarios()]
    assert select.v_model == "baseline"
    page.find(v.Btn, children=["Start"]).assert_single()
    countries = page.find(v.Select, label="Your country").widget.items
    assert countries[0].startswith("watch") and "United States (USA)" in countries
    select.v_model = "japan_pressure"  # the title and description follow the choice
    titles = [w.children[0] for w in page.find(v.CardTitle).widgets if w.children]
    assert any("Japan" in str(title) for title in titles)


def test_bad_seed_is_refused_next_to_the_field(page):
    seed = page.find(v.TextField, label="Seed (optional)")
    seed.widget.v_model = "-3"
    _click(page, "Start")
    assert seed.widget.error and "not a seed" in seed.widget.messages[0]
    page.find(v.Btn, children=["Start"]).assert_single()  # still on the start screen
    assert parse_seed("7") == (7, None) and parse_seed("") == (None, None)


def test_step_advances_the_date_and_undo_restores_it(page):
    _start(page)
    assert _date(page) == "2025 Q1 · step 1 of 20"
    assert page.find(v.Btn, children=["Undo"]).widget.disabled
    _click(page, "Step")
    assert _date(page) == "2025 Q2 · step 2 of 20"
    _click(page, "Step")
    assert _date(page) == "2025 Q3 · step 3 of 20"
    _click(page, "Undo")
    assert _date(page) == "2025 Q2 · step 2 of 20"
    _click(page, "Reset")
    assert _date(page) == "2025 Q1 · step 1 of 20"


def test_negative_tariff_is_refused_and_nothing_is_queued(page):
    _start(page)
    rate = page.find(v.TextField, label="Rate (%)")
    for text, reason in [("-5", "cannot be negative"), ("lots", "not a number")]:
        rate.widget.v_model = text
        _click(page, "Queue tariff")
        assert rate.widget.error and reason in rate.widget.messages[0]
        assert "Nothing queued." in _texts(page)
    _click(page, "Step")
    assert not any("tariff" in line for line in _texts(page))


def test_impossible_good_is_refused_next_to_the_stage(page):
    _start(page)
    page.find(v.Select, label="Mineral").widget.v_model = "lithium"
    page.find(v.Select, label="Stage").widget.v_model = "magnets"
    page.find(v.TextField, label="Rate (%)").widget.v_model = "10"
    _click(page, "Queue tariff")
    assert "lithium has no magnets stage in this world." in [
        w.children[0] for w in page.find(v.Alert).widgets
    ]
    assert "Nothing queued." in _texts(page)


def test_valid_tariff_is_in_the_news_after_step(page):
    _start(page)
    page.find(v.Select, label="Partner").widget.v_model = "CHN"
    page.find(v.Select, label="Mineral").widget.v_model = "lithium"
    page.find(v.Select, label="Stage").widget.v_model = "refined"
    page.find(v.TextField, label="Rate (%)").widget.v_model = "25"
    _click(page, "Queue tariff")
    assert "Tariff of 25% on lithium (refined) from CHN" in _texts(page)
    news = "2025 Q1: USA sets a 25% tariff on refined lithium from CHN."
    assert news not in _texts(page)
    _click(page, "Step")
    assert news in _texts(page)
    assert "Nothing queued." in _texts(page)
    # the views are drawn: the price chart (SVG) and the scoreboard (a table with hover help)
    html = [w.unsafe_innerHTML for w in page.find(solara.widgets.HTML).widgets]
    assert any('aria-label="Price chart of rare_earths (mined)"' in h for h in html)
    assert any("<polyline" in h for h in html)
    assert any("<td>USA</td>" in h and 'title="Score:' in h for h in html)
    _click(page, "Undo")
    assert news not in _texts(page)


def test_watching_has_no_decision_panel(page):
    _click(page, "Start")
    assert not page.find(v.Btn, children=["Queue tariff"]).widgets
    _click(page, "Step")
    assert _date(page) == "2025 Q2 · step 2 of 20"


def test_each_page_has_its_own_game():
    _, first = solara.render(app.Page(), handle_error=False)
    _, second = solara.render(app.Page(), handle_error=False)
    _start(first)
    _start(second)
    _click(first, "Step")
    assert _date(first) == "2025 Q2 · step 2 of 20"
    assert _date(second) == "2025 Q1 · step 1 of 20"
    first.close()
    second.close()


def test_game_undo_keeps_the_seat_and_queue():
    game = Game("baseline", "USA")
    game.step()
    assert game.queue_tariff(TariffForm("CHN", "all", "all", "10")) == {}
    assert game.undo()
    assert game.world.country_agent("USA").controller is game.seat
    assert len(game.seat.queue) == 1
    game.step()
    assert "USA sets a 10% tariff" in game.news()["detail"].iloc[0]


def test_seat_returns_its_queue_once():
    seat = HumanSeat()
    seat.submit("x")
    assert seat.decide(None) == ["x"] and seat.decide(None) == []


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_ui_command_refuses_a_bad_port(port, capsys):
    assert main(["ui", "--port", port]) == 2
    assert "is not a port" in capsys.readouterr().err
