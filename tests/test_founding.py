"""Founding a coalition from a player's seat: allowed only where the scenario says so."""

import pytest

from agents.actions import FoundCoalition, Tariff, from_dict, to_dict
from model.data.scenario import validate_scenario
from model.engine.world import World
from model.game.decisions import check
from support.builders import at, scenario, tiny_world
from support.seats import Scripted

CLUB = FoundCoalition("JPN", "Pacific club", ("AUS", "ROW"), 1.2)


def world_where(open_: bool, steps: int = 2) -> World:
    data = scenario(steps=steps).model_dump(by_alias=True, exclude_none=True)
    data["scenario"]["found_coalitions"] = open_
    return World(validate_scenario(data), world=tiny_world())


def founding_world(open_: bool = True, answer: str = "accept", steps: int = 2) -> World:
    world = world_where(open_, steps)
    world.country_agent("JPN").controller = Scripted({1: [CLUB]})
    for guest in ("AUS", "ROW"):
        world.country_agent(guest).controller = Scripted(answer=answer)
    return world


def test_a_founded_coalition_has_its_founder_and_the_guests_who_accept_and_its_rules_hold():
    world = founding_world()
    world.run(1)
    club = world.state.coalitions["Pacific club"]
    assert club.members == ["JPN", "AUS", "ROW"]
    assert club.founder == "JPN" and club.price_floor == pytest.approx(1.2)
    founded = at(world.tables()["events"], 1, action="found")
    assert len(founded) == 1 and founded["importance"].iloc[0] == "headline"
    assert "Pacific club" in founded["detail"].iloc[0]
    # a member that taxes another breaks the club's pledge; the rule holds
    jpn, aus = world.data.country("JPN"), world.data.country("AUS")
    world.country_agent("JPN").controller = Scripted(
        {2: [Tariff("JPN", ("AUS",), "all", "all", 0.3)]}
    )
    world.run(1)
    assert (world.state.tariff[:, jpn, aus] == 0).all()
    assert "breaks the pledge of the Pacific club:" in " ".join(world.tables()["events"]["detail"])


def test_guests_that_reject_stay_out_and_the_founder_stays_in():
    world = founding_world(answer="reject")
    world.run(1)
    assert world.state.coalitions["Pacific club"].members == ["JPN"]


def test_where_the_scenario_does_not_allow_it_founding_is_refused_with_the_reason():
    world = founding_world(open_=False)
    world.run(1)
    assert "Pacific club" not in world.state.coalitions
    refused = at(world.tables()["events"], 1, action="refused")
    assert "does not let players found coalitions" in refused["detail"].iloc[0]


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (FoundCoalition("JPN", " ", ("AUS",)), "name of 1 to 60 characters"),
        (FoundCoalition("JPN", "x" * 61, ("AUS",)), "name of 1 to 60 characters"),
        (FoundCoalition("JPN", "club", ("XXX",)), "unknown economy among the guests: XXX"),
        (FoundCoalition("JPN", "club", ("JPN",)), "invite other economies"),
        (FoundCoalition("JPN", "club", ("AUS",), 50.0), "price floor 50 is outside 0..5"),
        (FoundCoalition("JPN", "club", ("AUS",), float("nan")), "outside 0..5"),
    ],
)
def test_a_bad_founding_is_refused_next_to_the_form_and_changes_nothing(action, reason):
    world = world_where(True)
    reasons = check(world, "JPN", [action])
    assert reason in reasons[0]
    assert world.state.coalitions == {}


def test_the_same_name_twice_in_one_quarter_is_refused_the_second_time():
    world = world_where(True)
    other_guests = FoundCoalition("JPN", CLUB.coalition, ("USA",), 1.2)
    assert check(world, "JPN", [CLUB, other_guests])[0] is None
    assert "already exists" in check(world, "JPN", [CLUB, other_guests])[1]
    assert "pressed twice?" in check(world, "JPN", [CLUB, CLUB])[1]  # the very same founding


def test_inviting_all_invites_every_other_economy():
    world = world_where(True)
    world.country_agent("JPN").controller = Scripted(
        {1: [FoundCoalition("JPN", "all of us", ("all",))]}
    )
    world.run(1)
    founded = at(world.tables()["events"], 1, action="found")
    guests = founded["target"].iloc[0].split(",")
    assert sorted(guests) == sorted(c for c in world.data.codes if c != "JPN")


def test_a_founding_survives_a_saved_game_record():
    assert from_dict(to_dict(CLUB)) == CLUB


def test_the_bundled_ai_scenarios_open_founding_and_the_passive_ones_do_not():
    from ui.game import scenario as bundled

    assert bundled("washington_coalition").header.found_coalitions
    assert not bundled("baseline").header.found_coalitions


# --- the game page --------------------------------------------------------------------------


def test_the_page_founds_a_coalition_where_the_scenario_allows_it(tmp_path, monkeypatch):
    import ipyvuetify as v
    import solara

    from ui import panels
    from ui.game import Game

    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("washington_coalition", "JPN")
    box, rc = solara.render(panels.DecisionPanel(game, lambda: None), handle_error=False)
    rc.find(v.Select, label="Measure").widget.v_model = "Found a coalition"
    rc.find(v.Btn, children=["Queue: found the coalition"]).widget.click()
    assert "give the coalition a name" in str(rc.find(v.TextField).widgets[0].messages)
    assert "invite at least one economy" in " ".join(
        str(w.children) for w in rc.find(v.Alert).widgets
    )
    rc.find(v.TextField, label="Coalition name").widget.v_model = "Pacific club"
    rc.find(v.Select, label="Invite").widget.v_model = [
        "Australia (AUS)",
        "South Korea (KOR)",
    ]
    rc.find(v.TextField, label=panels.t("founding.floor_label")).widget.v_model = "120"
    rc.find(v.Btn, children=["Queue: found the coalition"]).widget.click()
    assert game.decisions == [FoundCoalition("JPN", "Pacific club", ("AUS", "KOR"), 1.2)]
    assert "Found the Pacific club with Australia" in panels.describe(game.decisions[0])
    rc.close()
    game.step()
    assert "JPN" in game.world.state.coalitions["Pacific club"].members


def test_the_page_offers_no_founding_where_the_scenario_does_not():
    import ipyvuetify as v
    import solara

    from ui import panels
    from ui.game import Game

    game = Game("baseline", "JPN")
    box, rc = solara.render(panels.DecisionPanel(game, lambda: None), handle_error=False)
    assert "Found a coalition" not in rc.find(v.Select, label="Measure").widget.items
    rc.close()
