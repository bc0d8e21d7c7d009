"""Headlines, not chatter: each news item says how much it matters and to whom."""

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
