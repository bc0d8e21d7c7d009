"""AI countries in a running world: they answer measures, judge deals and remember breaches."""

import pytest

from agents.actions import Propose, Tariff
from agents.strategies import STRATEGIES
from model.engine.world import World
from support.builders import at, event, scenario, tiny_world
from support.seats import Scripted


def ai_world(events=(), steps=3, **strategies):
    """The tiny world with the named economies played by AI strategies, the rest passive."""
    countries = {code: {"controller": "ai", "strategy": name} for code, name in strategies.items()}
    return World(scenario(events, steps=steps, countries=countries), world=tiny_world())


US_TARIFF = event(2, "USA", "tariff", "rare_earths", "magnets", targets=["CHN"], rate=0.5)


def test_a_tit_for_tat_country_answers_a_tariff_in_the_next_step():
    world = ai_world([US_TARIFF], steps=3, CHN="tit_for_tat")
    world.run()
    events = world.tables()["events"]
    answer = at(events, 3, actor="CHN", action="tariff")
    assert len(answer) >= 1
    assert "USA" in answer["target"].iloc[0]
    magnets = world.data.good("rare_earths", "magnets")
    assert world.state.tariff[magnets, world.data.country("CHN"), world.data.country("USA")] > 0
    assert at(events, 2, actor="CHN").empty  # it answers next step, not before


def test_a_leverage_country_answers_a_tariff_with_an_export_control_on_what_the_other_buys():
    world = ai_world([US_TARIFF], steps=3, CHN="leverage")
    world.run()
    controls = at(world.tables()["events"], 3, actor="CHN", action="export_control")
    assert len(controls) >= 1
    assert (controls["target"] == "USA").all()
    usa, chn = world.data.country("USA"), world.data.country("CHN")
    restricted = world.state.export_level[:, usa, chn] < 1
    bought = world.calibration.flows[:, usa, chn] > 0
    assert (restricted & bought).any()  # the control bites on something the US buys from China


def test_an_ai_accepts_a_deal_that_raises_its_score_and_rejects_one_that_lowers_it():
    # China bans magnets to the US; a truce that lifts it raises the US score.
    ban = event(1, "CHN", "export_control", "rare_earths", "magnets", targets=["USA"], level=0.0)
    world = ai_world([ban], steps=1, USA="cooperative")
    world.country_agent("CHN").controller = Scripted(
        {2: [Propose("CHN", "USA", "truce", {}, 4)]}, answer=None
    )
    # ... while an offtake that makes the US pay a floor of ten times the price lowers it.
    world.country_agent("AUS").controller = Scripted(
        {
            2: [
                Propose(
                    "AUS",
                    "USA",
                    "offtake",
                    {
                        "seller": "AUS",
                        "mineral": "lithium",
                        "stage": "mined",
                        "tonnes": 1000.0,
                        "floor": 20000.0 * 10,
                    },
                    8,
                )
            ]
        },
        answer=None,
    )
    world.run(2)
    deals = world.tables()["deals"]
    final = deals.groupby("deal_id")["status"].last()
    kinds = deals.groupby("deal_id")["kind"].first()
    assert final[kinds == "truce"].iloc[0] == "accepted"
    assert final[kinds == "offtake"].iloc[0] in ("rejected", "lapsed")


def test_after_a_breach_the_breakers_equivalent_offer_is_refused():
    world = ai_world(steps=1, CHN="cooperative")
    usa = Scripted(
        {
            2: [Propose("USA", "CHN", "truce", {}, 8)],
            3: [Tariff("USA", ("CHN",), "lithium", "refined", 0.5)],  # the breach
            4: [Propose("USA", "CHN", "truce", {}, 8)],  # the same offer again
        }
    )
    world.country_agent("USA").controller = usa
    world.run(4)
    deals = world.tables()["deals"]
    by_deal = deals.groupby("deal_id")["status"].apply(list)
    first, second = by_deal.iloc[0], by_deal.iloc[-1]
    assert "accepted" in first and "breached" in first
    assert second[-1] == "rejected"
    assert world.state.trust[world.data.country("CHN"), world.data.country("USA")] < 0.3


def test_ai_countries_keep_the_books_and_the_same_seed_gives_the_same_deals():
    def play():
        world = World(scenario([US_TARIFF], steps=6, controller="ai"), world=tiny_world())
        return world.run().tables()

    first, second = play(), play()
    for name in ("deals", "events", "countries"):
        assert first[name].equals(second[name]), name
    assert not first["events"].empty


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_controller_passes_the_models_validation(strategy):
    """The conformance test: whatever a controller returns, the world accepts it as valid."""
    provocation = [
        US_TARIFF,
        event(2, "CHN", "export_control", "lithium", "refined", targets=["JPN"], level=0.2),
    ]
    countries = {
        code: {"controller": "ai", "strategy": strategy}
        for code in tiny_world().codes
        if code not in ("USA", "CHN")  # they play the provocation's script
    }
    world = World(scenario(provocation, steps=6, countries=countries), world=tiny_world())
    world.run()
    events = world.tables()["events"]
    assert at(events, None, action="refused").empty, events.loc[
        events.action == "refused", "detail"
    ].tolist()
    answered = world.tables()["deals"]
    assert not (answered["status"] == "refused").any()
