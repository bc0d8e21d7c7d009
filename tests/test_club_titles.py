"""A scenario's club is read by its title, in the reader's language, never by its code.

Walk-through: on washington_coalition players read "coalition ATCM" and "the floor tariff
the ATCM levies…" and never learned what ATCM was. The tables keep the code.
"""

import ipyvuetify as v
import pytest
import solara

from model.data.scenario import load_scenario
from model.engine.world import World
from model.game.deals import describe_terms
from model.text import again, said_from_record, said_record, use_language
from ui import panels
from ui.classroom import answer_line
from ui.game import Game

TITLE = "Agreement on Trade and Critical Minerals"
TITLE_FR = "Accord sur le commerce et les minerais critiques"
CLUB_TERMS = {"coalition": "ATCM", "mineral": "all", "stage": "all"}


@pytest.fixture(scope="module")
def washington():
    """Two quarters of washington_coalition: the club is founded and levies its floor."""
    return World(load_scenario("washington_coalition", steps=2)).run()


def test_the_news_names_the_club_by_its_title_in_english_and_french(washington):
    news = washington.tables()["events"]
    [floor] = news[news.action == "floor_tariff"].detail
    assert floor.startswith(f"The {TITLE} levies its floor tariff")
    assert again(floor, "fr").startswith(f"La coalition {TITLE_FR} applique son droit plancher")
    assert "ATCM" not in " ".join(news.detail)
    assert set(news[news.action == "floor_tariff"].actor) == {"USA"}  # the code's table


def test_a_saved_news_line_says_the_title_again_in_the_readers_language(washington):
    """A class's board keeps its lines as records (model/game/board.py)."""
    news = washington.tables()["events"]
    [floor] = news[news.action == "floor_tariff"].detail
    line = again(floor, "en")
    kept = said_from_record(said_record(line), str(line))
    assert TITLE_FR in again(kept, "fr")
    old = said_from_record({"said": "The ATCM levies", "how": ["t", "x"]}, "The ATCM levies")
    assert old == "The ATCM levies"  # a line saved before titles still loads, as it was


def test_a_round_summary_counts_the_answers_to_the_club_by_its_title(washington):
    clubs = washington.club_names()
    with use_language("en"):
        said = answer_line(("club", "ATCM", 32, 0), clubs)
    assert said == f"• 32 economies accepted membership of the {TITLE} coalition."
    with use_language("fr"):
        said = answer_line(("club", "ATCM", 1, 1), clubs)
    assert said == f"• 1 économie a accepté d'entrer dans la coalition {TITLE_FR}, 1 a refusé."


def test_a_deal_term_names_the_club_by_its_title(washington):
    clubs = washington.club_names()
    with use_language("en"):
        assert describe_terms(CLUB_TERMS, clubs).startswith(f"coalition {TITLE}")
    with use_language("fr"):
        assert describe_terms(CLUB_TERMS, clubs).startswith(f"coalition {TITLE_FR}")


def test_the_invitation_in_the_inbox_names_the_club_by_its_title(tmp_path, monkeypatch):
    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("washington_coalition", "JPN")
    game.step()
    [invitation] = [offer for offer in game.inbox() if offer["deal"] == "coalition"]
    box, rc = solara.render(panels.Inbox(game, lambda: None), handle_error=False)
    said = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    rc.close()
    assert f"coalition membership (coalition {TITLE}" in said
    with use_language("fr"):
        assert f"coalition {TITLE_FR}" in panels.offer_words(invitation, game.world.club_names())


def test_the_proposal_forms_list_of_clubs_shows_titles_and_offers_the_code(tmp_path, monkeypatch):
    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("washington_coalition", "USA")
    box, rc = solara.render(panels.DecisionPanel(game, lambda: None), handle_error=False)
    rc.find(v.Select, label="Measure").widget.v_model = "Deal proposal"
    rc.find(v.Select, label="Deal").widget.v_model = "coalition membership"
    clubs = rc.find(v.Select, label="Coalition").widget
    assert clubs.items == [TITLE] and clubs.v_model == TITLE
    rc.find(v.Btn, children=["Queue proposal"]).widget.click()
    rc.close()
    [offer] = game.decisions
    assert offer.terms["coalition"] == "ATCM"


UNTITLED = """
[scenario]
name = "pacific"
title = "A club without a title"
steps = 2
seed = 3
controller = "passive"

[[coalitions]]
name = "PAC"
founder = "JPN"
invite = ["AUS"]
"""


def test_a_club_without_a_title_reads_by_its_code(tmp_path):
    path = tmp_path / "pacific.toml"
    path.write_text(UNTITLED, encoding="utf-8")
    world = World(load_scenario(path))
    assert world.club_names() == {"PAC": "PAC"}
    with use_language("fr"):
        assert describe_terms({"coalition": "PAC"}, world.club_names()) == "coalition PAC"
        said = answer_line(("club", "PAC", 1, 0), world.club_names())
    assert said == "• 1 économie a accepté d'entrer dans la coalition PAC."
