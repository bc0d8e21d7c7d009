"""Headlines, not chatter: each news item says how much it matters and to whom."""

import pytest

from model.data.scenario import validate_scenario
from model.engine.news import importance_for
from model.engine.world import World
from support.builders import event, scenario, tiny_world


def test_a_ban_is_a_headline_for_everyone_and_a_stock_purchase_a_detail_about_its_buyer():
    events = [
        event(1, "CHN", "export_control", "rare_earths", "magnets", ["USA"], level=0.0),
        event(1, "USA", "stockpile", "rare_earths", "magnets", tonnes=100),
    ]
    news = World(scenario(events, steps=1), world=tiny_world()).run().tables()["events"]
    assert set(news["importance"]) <= {"headline", "detail"}
    ban = news["action"] == "export_control"
    purchase = news["action"] == "stockpile"
    assert (news.loc[ban, "importance"] == "headline").all()
    assert (news.loc[purchase, "importance"] == "detail").all()
    for_usa, for_japan = importance_for(news, "USA"), importance_for(news, "JPN")
    assert (for_usa[purchase] == "about_you").all()
    assert (for_usa[ban] == "headline").all()  # never lowered to "about you"
    assert (for_japan[purchase] == "detail").all()


def test_diplomacy_between_ai_governments_is_one_line_a_quarter_and_every_offer_a_deal_row():
    data = scenario(steps=2, controller="ai").model_dump(by_alias=True, exclude_none=True)
    data["coalitions"] = [{"name": "club", "founder": "USA", "invite": ["all"]}]
    world = World(validate_scenario(data), world=tiny_world()).run()
    news, deals = world.tables()["events"], world.tables()["deals"]
    offers = deals[(deals["step"] == 1) & (deals["status"] == "proposed")]
    assert len(offers) == 4  # the four other economies are invited
    first = news[news["step"] == 1]
    assert not first["action"].isin(["proposed", "accepted", "rejected"]).any()
    summary = first[first["action"] == "ai_diplomacy"]
    assert len(summary) == 1
    assert "AI governments: 4 (4 × coalition membership)" in summary["detail"].iloc[0]


# --- names, not codes (issue 13 §5) ----------------------------------------------------------
def _codes_in(sentences, codes) -> list[str]:
    """The sentences that still name an economy by its bare code (CHN, EU, …)."""
    import re

    word = re.compile(r"\b[A-Z]{2,3}\b")
    return [s for s in sentences if set(word.findall(str(s))) & set(codes)]


def test_a_ban_names_the_countries_in_english_and_in_french():
    from model.text import again

    events = [
        event(1, "CHN", "export_control", "rare_earths", "magnets", ["USA", "JPN"], level=0.0)
    ]
    news = World(scenario(events, steps=1), world=tiny_world()).run().tables()["events"]
    ban = news.loc[news["action"] == "export_control", "detail"].iloc[0]
    assert ban == "China bans exports of magnet rare earths to the United States, Japan."
    assert again(ban, "fr") == (
        "Chine : interdiction des exportations d'aimants de terres rares "
        "(destination : États-Unis, Japon)."
    )


@pytest.mark.slow
def test_no_news_sentence_of_a_coalition_game_names_a_country_by_its_code():
    """12 quarters of washington_coalition with its AI governments, read in both languages."""
    from model.text import again

    world = World("washington_coalition").run(12)
    details = list(world.tables()["events"]["detail"])
    assert len(details) > 50
    assert _codes_in(details, world.data.codes) == []
    assert _codes_in([again(d, "fr") for d in details], world.data.codes) == []


def test_the_ai_diplomacy_line_names_the_deal_kinds_in_the_readers_language():
    from model.engine.news import AiDiplomacy
    from model.text import again

    tally = AiDiplomacy()
    tally.count("proposed", "coalition")
    tally.count("proposed", "truce")
    line = tally.sentence("2026 Q1")
    assert "coalition membership" in line and "truce" in line
    french = again(line, "fr")
    assert "adhésion à une coalition" in french and "trêve" in french
    assert "membership" not in french


def test_the_events_table_says_who_decided_each_move():
    """Review (a class walk): a delegation's own moves could not be told apart from what
    the scenario scripts for its country or what a teacher's card makes it do."""
    from agents.actions import Propose, Tariff
    from agents.seat import HumanSeat
    from agents.strategies import Strategy
    from support.builders import event, scenario, tiny_world

    class Taxing(Strategy):  # an AI that taxes China's lithium every quarter
        def decide(self, observation):
            return [Tariff(observation.country, ("CHN",), "lithium", "refined", 0.1)]

    history = [
        event(1, "CHN", "tariff", "lithium", "refined", targets=["JPN"], rate=0.2),
        event(2, "USA", "tariff", "lithium", "refined", targets=["CHN"], rate=0.3),
    ]
    world = World(scenario(history, steps=2, shock_rate=1.0), world=tiny_world())
    seat = HumanSeat()
    world.seat_person("USA", seat)  # its scripted tariff of step 2 becomes advice
    world.country_agent("AUS").controller = Taxing()
    world.country_agent("JPN").cards[1] = [Tariff("JPN", ("CHN",), "lithium", "refined", 0.05)]
    seat.submit(Tariff("USA", ("CHN",), "rare_earths", "magnets", 0.25))
    seat.submit(Tariff("USA", ("CHN",), "rare_earths", "magnets", -1.0))  # refused
    seat.submit(Propose("USA", "AUS", "truce", {}, 4))
    world.step()
    events = world.tables()["events"]
    who = {(row.actor, row.action): row.decided_by for row in events.itertuples()}
    assert who[("CHN", "tariff")] == "script"
    assert who[("JPN", "tariff")] == "card"
    assert who[("AUS", "tariff")] == "ai"
    assert who[("USA", "tariff")] == "player" and who[("USA", "refused")] == "player"
    assert who[("USA", "history")] == "script"  # the advice of what its government did
    assert who[("USA", "proposed")] == "player"
    answer = events[(events.actor == "AUS") & events.action.isin(["accepted", "rejected"])]
    assert list(answer.decided_by) == ["ai"]
    shocks = events[events.action == "shock"]
    assert len(shocks) and set(shocks.decided_by) == {"world"}
    assert set(events.decided_by) <= {"script", "card", "ai", "player", "world"}


def test_a_small_stockpile_order_reads_its_tonnes_not_zero():
    """Review: "The European Union releases 0 t of refined heavy rare earths from its
    stockpile" (0.3 t of dysprosium and terbium is worth over USD 100,000)."""
    from agents.actions import Stockpile
    from model.engine import policies
    from support.builders import tiny_world

    world = World(world=tiny_world())
    said = policies.apply(
        Stockpile("USA", "rare_earths", "refined", 0.34), world.state.copy(), world.data, 1
    )
    assert "buys 0.34 t of" in said
