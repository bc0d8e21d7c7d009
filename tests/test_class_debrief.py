"""The class's debrief says each deal's story, who made the terms that were accepted or
rejected, in the teacher's page and the printable page, in English and French."""

import re
from html import unescape

import pytest

from model.game.classroom import ClassGame
from model.game.deals import deal_stories
from model.text import use_language

TARIFF_DEAL = {"mineral": "rare_earths", "stage": "magnets", "max_rate": 0.05}
OFFTAKE = {"mineral": "rare_earths", "stage": "magnets", "seller": "CHN", "tonnes": 500.0}


def offer(actor, partner, deal, terms):
    return {"kind": "propose", "actor": actor, "partner": partner, "deal": deal} | {
        "terms": terms,
        "duration": 4,
    }


def answer(actor, ref, word, terms=None, offer_id=0):
    said = {"kind": "respond", "actor": actor, "offer_id": offer_id, "answer": word, "ref": ref}
    return said | ({"terms": terms} if terms else {})


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    """The walk-through's game: the US offers China a tariff agreement (5 %) and an
    offtake (500 t); China counters both (8 %, 600 t); the US accepts the first counter
    and rejects the second; its last offer, a truce, is still open when the game ends."""
    game = ClassGame.create("baseline", ["USA", "CHN", "EU"], tmp_path_factory.mktemp("c"), seed=5)
    teacher, usa, chn = game.teacher_token, game.seat_tokens["USA"], game.seat_tokens["CHN"]
    game.open_round(teacher)
    assert game.add_decision(usa, offer("USA", "CHN", "tariff_agreement", TARIFF_DEAL)) is None
    assert game.add_decision(usa, offer("USA", "CHN", "offtake", OFFTAKE)) is None
    assert game.add_decision(chn, answer("CHN", "USA-1", "counter", {"max_rate": 0.08})) is None
    assert game.add_decision(chn, answer("CHN", "USA-2", "counter", {"tonnes": 600.0})) is None
    game.close_round(teacher)
    game.open_round(teacher)
    waiting = {offer["counters"]: offer["deal_id"] for offer in game.inbox("USA")}
    accept = answer("USA", "", "accept", offer_id=waiting["USA-1"])
    reject = answer("USA", "", "reject", offer_id=waiting["USA-2"])
    assert game.add_decision(usa, accept) is None and game.add_decision(usa, reject) is None
    game.close_round(teacher)
    while not game.last_round:
        game.open_round(teacher)
        game.close_round(teacher)
    game.open_round(teacher)
    assert game.add_decision(usa, offer("USA", "CHN", "truce", {})) is None
    game.close_round(teacher)
    return game


def _stories(game):
    return {
        story.deal_id: story.sentence
        for story in deal_stories(game.tables(), game.world.deal_refs, game.world.quarter_label)
        if "CHN" in story.parties and "USA" in story.parties
    }


def test_a_deal_line_says_who_countered_and_who_answered_the_counter(game):
    stories = _stories(game)
    first, second, last = sorted(stories)  # by deal number, in the order they were offered
    assert stories[first].startswith(
        f"Deal {first} (USA-1): the United States offered China a tariff agreement "
        "(highest tariff 5%); China countered (highest tariff 8%); the United States accepted"
    )
    assert stories[second] == (
        f"Deal {second} (USA-2): the United States offered China an offtake contract "
        "(500 t a quarter); China countered (600 t a quarter); the United States rejected it."
    )
    assert stories[last].endswith("a truce; it was left unanswered when the game ended.")
    with use_language("fr"):
        said = _stories(game)[first]
    assert said.startswith(f"Accord {first} (USA-1) : accord tarifaire (droit de douane maximal")
    assert "contre-proposition (droit de douane maximal 8\u202f%) : Chine ; acceptation : " in said


def _text(page: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "\n", page))


def test_the_printable_debrief_lists_the_deals_and_a_delegations_counter_offers(game):
    page = _text(game.debrief_page(game.teacher_token))
    stories = _stories(game)
    first, second, _ = sorted(stories)
    kept, broken, other = (page.index(h) for h in ("\nKept\n", "\nBroken\n", "\nOffered, "))
    assert kept < page.index(stories[first]) < broken < other < page.index(stories[second])
    china = page[page.index("\nChina (CHN)\n") :]
    assert f"China makes a counter-offer to the United States on deal {first} (USA-1)" in china
    assert "(27)" not in page and "\nEuropean Union (EU)\n" in page
    eu = page[page.index("\nEuropean Union (EU)\n") :]
    hits = [said for said in eu[eu.index("Measures that hit it") :].split("\n")[1:] if said]
    assert hits[0] != "What really happened (the event cards fired, with their sources)"
    with use_language("fr"):
        french = _text(game.debrief_page(game.teacher_token))
    assert "\nTenus\n" in french and "contre-proposition (droit de douane maximal" in french
    assert "Union européenne (EU)" in french and "(27)" not in french
