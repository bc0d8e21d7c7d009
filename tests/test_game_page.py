"""The single-player game as a game (issue 13): cards, briefing, tutorial, score, map, saves."""

import datetime
import io
import itertools
import json
import os
import re
import zipfile

import ipyvuetify as v
import pandas as pd
import pytest
import solara
import solara.widgets
import traitlets
from hypothesis import given
from hypothesis import strategies as st

from model.game import archive
from model.game.decisions import cost
from ui import app, news, progress, saves, start, views, words
from ui.forms import ProposalForm, TariffForm
from ui.game import Game
from ui.map import SHADES, map_layers, map_table


@pytest.fixture(autouse=True)
def saved_games(tmp_path, monkeypatch):
    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    return tmp_path / "games"
UNSPENT = "budget left this quarter: USD {} million, what past quarters left unspent included"


def _html(rc) -> str:
    return "".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)


def _markdown(rc) -> str:
    return " ".join(str(w.template) for w in rc.find(v.VuetifyTemplate).widgets)


def _map(rc):
    """The world map's widget (ui/map.vue): its outlines, fills, titles and marks."""
    (drawn,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "shapes")]
    return drawn


def _texts(rc) -> list[str]:
    return [w.children[0] for w in rc.find(v.Html).widgets if w.tag == "span" and w.children]


# --- 1. know what you are doing ------------------------------------------------------------


def test_baseline_card_says_plainly_that_nobody_reacts():
    baseline, japan = start.facts("baseline"), start.facts("japan_pressure")
    assert not baseline["reacts"] and baseline["replays"] == []
    assert japan["reacts"] and "Japan" in japan["scripted"] and "China" in japan["scripted"]
    assert japan["length"] == "16 quarters, 2025 Q1 to 2028 Q4"
    assert any(line.startswith("2025 Q2: China, export control on") for line in japan["replays"])
    box, rc = solara.render(app.StartScreen(on_start=lambda game: None), handle_error=False)
    assert "Nobody reacts in this scenario" in _html(rc)
    rc.close()


def test_choosing_a_country_shows_its_mission_briefing():
    box, rc = solara.render(app.StartScreen(on_start=lambda game: None), handle_error=False)
    assert "Your mission briefing" not in str(rc.find(v.CardTitle).widgets)
    rc.find(v.Select, label="Your country").widget.v_model = "Japan (JPN)"
    shown = _markdown(rc)
    assert "Your goal." in shown and "How you are scored." in shown
    assert "Japan (JPN)" in shown  # the briefing sheet of `minerals briefing`
    assert "Your biggest suppliers: Indonesia, China, Chile." in shown
    rc.close()


def test_the_picker_and_the_ranking_call_economies_as_players_do():
    from model.text import use_language

    box, rc = solara.render(app.StartScreen(on_start=lambda game: None), handle_error=False)
    picker = rc.find(v.Select, label="Your country").widget.items
    assert {"South Korea (KOR)", "DR Congo (COD)", "European Union (EU)"} <= set(picker)
    assert not any("Republic of" in item or "(27)" in item for item in picker)
    rc.close()
    game = Game("japan_pressure", "JPN")
    game.step()
    box, rc = solara.render(progress.Ranking(game.world, game.tables(), "JPN"))
    ranked = _html(rc)
    assert ">South Korea<" in ranked and ">European Union<" in ranked
    assert "Korea, Republic of" not in ranked and "(27)" not in ranked
    rc.close()
    with use_language("fr"):
        box, rc = solara.render(app.StartScreen(on_start=lambda game: None), handle_error=False)
        picker = rc.find(v.Select, label="Votre pays").widget.items
        assert {"Corée du Sud (KOR)", "RD Congo (COD)", "Union européenne (EU)"} <= set(picker)
        rc.close()


def test_tutorial_starts_japan_and_points_at_the_next_control():
    started = []
    box, rc = solara.render(app.StartScreen(on_start=started.append), handle_error=False)
    rc.find(v.Btn, children=["Start the tutorial (4 quarters, Japan)"]).widget.click()
    game = started[0]
    assert (game.scenario_name, game.country, game.world.spec.steps) == ("tutorial", "JPN", 4)
    assert "Queue stockpile" in start.hint(1, 0, False)
    assert "Step" in start.hint(1, 1, False)  # something queued: play the quarter
    assert "debrief" in start.hint(5, 0, True)
    box, rc = solara.render(app.GameView(game, lambda: None, lambda: None), handle_error=False)
    assert "Queue stockpile" in _markdown(rc)
    rc.close()


# --- 2. how you are doing ------------------------------------------------------------------


def test_why_names_the_biggest_moves_in_words():
    game = Game("tutorial", "JPN")
    game.step()
    game.step()  # China halves refined rare earths to Japan
    reasons = progress.why(game.tables(), "JPN")
    assert 1 <= len(reasons) <= progress.DRIVERS
    assert all(reason.endswith(".") and "e+" not in reason for reason in reasons)


def test_the_first_quarter_says_why_the_score_left_zero():
    """Review: the first score read "(+0.0 since last quarter)" and the tutorial's hint
    pointed at a "Why it changed" that only appeared from the third quarter."""
    game = Game("tutorial", "JPN")
    game.step()
    score = float(progress.history(game.tables(), "JPN")["score"].iloc[-1])
    assert abs(score) > 0.05
    assert progress.why(game.tables(), "JPN")
    box, rc = solara.render(progress.ScorePanel(game.world, game.tables(), "JPN"))
    assert f"({words.signed(score)} since last quarter)" in _markdown(rc) + str(box)
    rc.close()


def test_a_subsidys_cost_and_its_end_are_told_as_the_public_purse_moving():
    from ui.forms import SubsidyForm

    game = Game("tutorial", "JPN")
    game.step()
    subsidy, _ = SubsidyForm("rare_earths", "refined", "100").build(game.world.data, "JPN")
    game.queue(subsidy)
    game.step()
    assert any("public purse did worse" in r for r in progress.why(game.tables(), "JPN"))
    game.step()
    assert any("public purse did better" in r for r in progress.why(game.tables(), "JPN"))
    built = views.news(game.tables(), 2)
    line = built[(built.actor == "JPN") & (built.action == "subsidy")]["detail"].iloc[0]
    assert re.search(r"t a year from 20\d\d Q[1-4]\.", line) and "step" not in line


def test_why_uses_the_score_parts_when_they_are_recorded():
    frame = pd.DataFrame(
        {
            "step": [1, 2],
            "country": ["JPN", "JPN"],
            "score": [0.0, -3.0],
            "score_consumers": [0.0, -4.0],
            "score_producers": [0.0, 0.5],
            "score_transfers": [0.0, 0.5],
            "score_downstream": [0.0, 0.0],
            "score_objectives": [0.0, 0.0],
        }
    )
    reasons = progress.why({"countries": frame}, "JPN")
    assert reasons[0] == "Your consumers paid more for minerals: −4.0 points."
    assert len(reasons) == 3  # consumers, then the two half points; nothing for zero moves


def test_situation_lists_the_measure_aimed_at_you_and_your_stocks():
    game = Game("tutorial", "JPN")
    game.step()
    game.step()
    yours, at_you = progress.measures_in_force(game.world, "JPN")
    assert any("China lets you have 50% of normal refined rare earths" in m for m in at_you)
    held = progress.stocks(game.world, game.tables(), "JPN")
    assert (held["tonnes"] > 0).all() and (held["days"] > 0).all()


def _japans_situation(quarters: int) -> tuple[Game, str]:
    """Japan's Situation panel in ``japan_pressure`` after ``quarters`` quarters, as HTML."""
    game = Game("japan_pressure", "JPN")
    for _ in range(quarters):
        game.step()
    box, rc = solara.render(
        progress.Situation(game.world, game.tables(), "JPN", 0.0), handle_error=False
    )
    shown = _html(rc)
    rc.close()
    return game, shown


def test_a_stock_run_down_to_nothing_stays_in_your_stocks_at_0_t():
    """A player: under China's cap Japan's refined heavy rare earths (41 t at the start)
    ran out, and the good simply vanished from "Your stocks"."""
    game, shown = _japans_situation(4)
    heavy = game.world.data.goods.index(("heavy_rare_earths", "refined"))
    assert game.world.state.stock[game.world.data.country("JPN"), heavy] == 0
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", shown)
    k = cells.index("refined heavy rare earths")
    assert cells[k + 1 : k + 3] == ["0", "0"]  # tonnes held, days of cover


def test_your_biggest_dependencies_lead_with_what_one_supplier_holds_most_at_stake():
    """A player: under China's 5 % cap on Japan's refined heavy rare earths, "Your biggest
    dependencies" still read manganese and nickel (ranked by value), and the briefing's
    table left heavy rare earths out: every tonne comes from one supplier and stops magnets."""
    from model.game.briefing import sheets

    sheet = sheets("japan_pressure", ["JPN"])
    table = sheet[sheet.index("| good |") : sheet.index("**Levers")]
    assert table.splitlines()[2].startswith("| refined heavy rare earths | 249 | 0% | China 100%")
    _, shown = _japans_situation(3)
    listed = shown[shown.index("Your biggest dependencies") : shown.index("Your stocks")]
    assert "<li>refined heavy rare earths: " in listed and "manganese" not in listed


def test_days_of_cover_count_what_processors_use_as_well():
    """Review: Japan's 1,202 t of refined rare earths read 403 days of cover after the first
    quarter (60 before): its magnet makers' use was left out of the quarter's use."""
    game = Game("baseline", "JPN")
    before = progress.stocks(game.world, game.tables(), "JPN").set_index("good")["days"]
    game.step()
    after = progress.stocks(game.world, game.tables(), "JPN").set_index("good")["days"]
    assert before["refined rare earths"] == pytest.approx(60, abs=3)
    assert after["refined rare earths"] == pytest.approx(before["refined rare earths"], rel=0.2)
    assert (after / before).between(0.7, 1.4).all(), after / before


def test_days_of_cover_count_normal_use_not_the_use_a_shortage_cut():
    """A player: under China's cap Japan's refined rare earths read 144 days of cover, and
    heavy ones 384: its magnet makers, short of heavy rare earths, had cut their use."""
    _, shown = _japans_situation(4)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", shown)
    k = cells.index("refined rare earths")
    assert cells[k + 1] == "1,109" and 55 <= int(cells[k + 2]) <= 62  # 60 days at the start
    assert ">Days of cover at normal use</th>" in shown
    assert "at normal use: the base year&#x27;s, grown to this quarter" in shown


def test_ranking_compares_importers_and_highlights_you():
    game = Game("baseline", "JPN")
    game.step()
    board = progress.ranking(game.world, game.tables(), "JPN")
    roles = dict(zip(game.world.data.codes, game.world.data.roles, strict=True))
    assert {roles[c] for c in board["country"]} == {"importer"}
    box, rc = solara.render(progress.Ranking(game.world, game.tables(), "JPN"), handle_error=False)
    yours = '<tr role="row" style="font-weight:bold;background:#fff1a8" aria-current="true">'
    assert yours + "<td" in _html(rc)
    assert "Japan" in _html(rc)
    rc.close()


# --- 3. the map ----------------------------------------------------------------------------


def test_map_shades_china_and_draws_flows_to_you_with_a_table():
    game = Game("tutorial", "JPN")
    game.step()
    game.step()
    frame = map_table(game.world, game.tables(), "rare_earths", "refined", "JPN")
    china = frame.set_index("country").loc["CHN"]
    assert china["share"] == pytest.approx(0.90, abs=0.05)
    assert china["to_you"] > 0 and "limits its exports to you to 50%" in china["measures"]
    assert frame["country"].iloc[0] == "CHN"  # biggest producer first
    layers = map_layers(frame, "JPN")
    assert layers["fills"]["156"] == SHADES[-1]  # China's outline, darkest: 60% or more
    assert layers["titles"]["156"] in ("China: 89%", "China: 90%", "China: 91%")
    assert 'stroke="#b35806"' in layers["marks"]  # the flows to you
    assert "limits its exports to you to 50%" in layers["marks"]  # a ring's hover title
    box, rc = solara.render(app.WorldTabs(game.world, game.tables(), "JPN"), handle_error=False)
    drawn = _map(rc)
    assert drawn.label.startswith("World map of refined rare earths")
    assert len(json.loads(drawn.shapes)) > 150  # the world's outlines
    assert drawn.fills == layers["fills"]
    assert 'aria-label="Map of refined rare earths as a table"' in _html(rc)
    rc.close()


def test_a_step_sends_the_maps_shading_not_its_outlines_again():
    game = Game("tutorial", "JPN")
    game.step()
    frame = map_table(game.world, game.tables(), "rare_earths", "refined", "JPN")
    before = map_layers(frame, "JPN")

    @solara.component
    def Page(version: int):
        app.WorldTabs(game.world, game.tables(), "JPN")

    box, rc = solara.render(Page(version=0), handle_error=False)
    drawn, sent = _map(rc), []
    drawn.observe(lambda change: sent.append(change["name"]), names=traitlets.All)
    game.step()  # China limits its exports to Japan (the tutorial's quarter 2)
    rc.render(Page(version=1))
    assert _map(rc) is drawn and "marks" in sent and "shapes" not in sent  # no outlines again
    assert drawn.marks != before["marks"] and "limits its exports to you" in drawn.marks
    assert len(drawn.shapes) > 100_000 > len(json.dumps(drawn.fills))  # what no longer moves
    rc.close()


def test_map_offers_only_stages_that_exist():
    game = Game("baseline", "USA")
    box, rc = solara.render(app.WorldTabs(game.world, game.tables(), "USA"), handle_error=False)
    rc.find(v.Select, label="Map mineral").widget.v_model = "lithium"
    stages = rc.find(v.Select, label="Map stage").widget.items
    assert "magnets" not in stages and "refined" in stages
    rc.close()


# --- 4. nothing missed, nothing lost -------------------------------------------------------


ME, THEM = "me-" + "k" * 29, "them-" + "t" * 27  # two browsers' keys (ui/player.vue)


def _continue_labels(owner) -> list[str]:
    box, rc = solara.render(app.StartScreen(lambda game: None, owner=owner), handle_error=False)
    texts = ["".join(map(str, button.children)) for button in rc.find(v.Btn).widgets]
    rc.close()
    return [text for text in texts if text.startswith("Continue")]


def _played(country: str, owner: str | None, seed: int) -> Game:
    game = Game("baseline", country, seed=seed, owner=owner)
    game.step()
    return game


def test_a_saved_game_comes_back_with_its_queue_and_exports_for_replay(saved_games):
    game = Game("baseline", "USA", seed=3)
    tariff, _ = TariffForm("CHN", "lithium", "refined", "25").build(game.world.data, "USA")
    game.queue(tariff)
    game.step()
    game.queue(tariff)
    again = Game.resume(game.game_id)
    assert again.world.steps == 1 and again.country == "USA" and len(again.decisions) == 1
    played = game.tables()["countries"]
    assert again.tables()["countries"]["score"].to_numpy() == pytest.approx(
        played["score"].to_numpy()
    )
    assert Game.resume("../../etc") is None and Game.resume("nothing-here") is None
    assert saves.latest(None) == []  # a game started before the browser's key: nobody's
    path = saved_games / "export.zip"
    path.write_bytes(game.export())
    assert zipfile.is_zipfile(io.BytesIO(path.read_bytes()))
    assert len(archive.read_log(path).turns) == 1  # `minerals replay` reads it


def test_two_saved_games_at_the_same_quarter_are_told_apart_by_when_they_were_saved(
    saved_games,
):
    for seed, when in ((1, 1_800_000_000), (2, 1_800_000_030)):  # half a minute apart
        game = _played("USA", ME, seed)
        os.utime(saves.path_of(game.game_id) / archive.GAME_JSON, (when, when))
    labels = _continue_labels(ME)
    assert len(labels) == 2 and labels[0] != labels[1]
    newest = saves.when(1_800_000_030)
    assert newest.startswith(
        datetime.datetime.fromtimestamp(1_800_000_030).strftime("%Y-%m-%d %H:%M:%S ")
    )
    assert labels[0].endswith(f"; saved {newest})")  # newest first


def test_continue_lists_only_the_games_this_browser_started(saved_games):
    mine, theirs = _played("USA", ME, 1), _played("CHN", THEM, 2)
    old = _played("JPN", None, 3)
    record = saves.load(old.game_id)  # saved before games had owners: no owner at all
    record.pop("owner", None)
    saves.save(old.game_id, record)
    assert saves.load(mine.game_id)["owner"] == ME  # in game.json
    assert [game_id for game_id, _, _ in saves.latest(ME)] == [mine.game_id]
    assert [game_id for game_id, _, _ in saves.latest(THEM)] == [theirs.game_id]
    # no key yet (the browser has not sent it), or a key that is no key: nobody's games
    for nobody in (None, "", "../../etc", "x"):
        assert saves.latest(nobody) == []
    # the address opens any game for whoever has it (another device), and keeps its owner
    for game, owner in ((mine, ME), (theirs, THEM), (old, None)):
        again = Game.resume(game.game_id)
        assert again.world.steps == 1 and again.owner == owner
        again.step()
        assert saves.load(game.game_id).get("owner") == owner


def test_the_start_page_offers_only_its_own_browsers_games(saved_games):
    _played("USA", ME, 1)
    _played("CHN", THEM, 2)
    (label,) = _continue_labels(ME)
    assert "as the United States" in label
    box, rc = solara.render(app.StartScreen(lambda game: None, owner=ME), handle_error=False)
    assert any("started in this browser" in text for text in _texts(rc))
    rc.close()
    (label,) = _continue_labels(THEM)
    assert "as China" in label
    assert _continue_labels(None) == []  # until the browser's key arrives: none, not all


def test_new_game_asks_first():
    left = []
    game = Game("baseline", "USA")
    box, rc = solara.render(
        app.GameView(game, lambda: None, lambda: left.append(1)), handle_error=False
    )
    rc.find(v.Btn, children=["New game"]).widget.click()
    assert not left
    rc.find(v.Btn, children=["Yes, new game"]).widget.click()
    assert left == [1]
    rc.close()


def test_news_shows_what_concerns_you_first():
    events = pd.DataFrame(
        {
            "step": [1, 1, 2],
            "actor": ["KOR", "CHN", "IDN"],
            "action": ["stockpile", "export_control", "stockpile"],
            "target": ["", "JPN", ""],
            "detail": ["Korea buys", "China limits Japan", "Indonesia buys"],
        }
    )
    first = news.first_for(events, "JPN", news.MINE)
    assert list(first["detail"]) == ["China limits Japan"]
    assert len(news.first_for(events, "JPN", news.ALL_NEWS)) == 3
    marked = events.assign(importance=["headline", "detail", "detail"])
    assert list(news.first_for(marked, "USA", news.MINE)["detail"]) == ["Korea buys"]


def test_the_news_reads_newest_first_each_line_dated_once():
    """Walk 19: a 2025 Q2 headline came below the player's 2025 Q1 lines, and the advice
    read "2025 Q2: What really happened next (2025 Q3): …". Newest first, what is about you
    first within a quarter only, and the advice dated once, by the quarter it tells of."""
    game = Game("japan_pressure", "JPN")
    game.step()
    game.step()
    box, rc = solara.render(
        news.NewsFeed(game.world, game.tables(), "JPN", game.budget_usd()), handle_error=False
    )
    lines = re.findall(r"<li>(?:<strong>)?([^<]*)", _html(rc))
    rc.close()
    assert lines[0].startswith("2025 Q3, what really happened: Japan spends USD 500 m")
    assert not [line for line in lines if "What really happened next" in line]
    dates = [re.match(r"(\d{4} Q\d)", line).group(1) for line in lines]
    assert dates == sorted(dates, reverse=True)
    assert "2025 Q2: Outage in Norway" in " ".join(lines)  # a headline, not below 2025 Q1


# --- 5. words and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "usd, shown", [(3.909e8, "USD 391 m"), (1.94e9, "USD 1.9 bn"), (4e5, "USD 0.4 m")]
)
def test_money_reads_as_people_write_it(usd, shown):
    assert words.money(usd) == shown


def test_a_lapse_says_why():
    from ui.deals import DealsWithReasons, lapse_reason

    game = Game("japan_pressure", "JPN")  # China plays its script: it never answers
    action, _ = ProposalForm("CHN", "truce", duration="4").build(game.world.data, "JPN")
    assert game.queue(action) is None
    game.step()
    ledger = views.deals_ledger(game.tables())
    assert ledger["status"].tolist() == ["lapsed"]
    why = lapse_reason(game.world, ledger["partner"].iloc[0], "JPN")
    assert why.startswith("China is played by the scenario's script")
    assert lapse_reason(game.world, "JPN", "JPN") == "you did not answer within the quarter"
    box, rc = solara.render(DealsWithReasons(game.world, game.tables(), "JPN"))
    assert "never answers offers" in _html(rc)
    rc.close()


def test_a_refused_offer_says_what_the_ai_judged():
    from model.text import use_language
    from ui.deals import DealsWithReasons

    game = Game("japan_pressure", "JPN")  # the United States (a hawk) judges by look-ahead
    action, _ = ProposalForm("USA", "tariff_agreement", amount="0").build(game.world.data, "JPN")
    assert game.queue(action) is None
    game.step()
    assert views.deals_ledger(game.tables())["status"].tolist() == ["rejected"]
    box, rc = solara.render(app.GameView(game, lambda: None, lambda: None), handle_error=False)
    rc.find(v.Tabs).widget.v_model = 5  # the deals tab
    shown = _html(rc)
    assert (
        "The United States projected its score over the next 4 quarters with and without the"
        " deal: +0.0 points with it, and it signs only for more than +1.0 points." in shown
    )
    assert "a pledge against measures nobody has taken is worth nothing to it" in shown
    rc.close()
    with use_language("fr"):
        box, rc = solara.render(
            DealsWithReasons(game.world, game.tables(), "JPN")
        )
        shown = _html(rc)
        assert "États-Unis : avec l&#x27;accord, son score projeté sur les 4 prochains" in shown
        assert "trimestres varie de +0,0 points" in shown
        rc.close()


def test_a_refusal_by_a_strategy_that_asks_for_any_gain_says_so_and_names_a_pledge_only():
    """A player read "+0.0 points with it, and it signs only for more than +0.0 points",
    and "a pledge against measures nobody has taken" for an offtake contract."""
    from ui.deals import DealsWithReasons

    game = Game("japan_pressure", "JPN")  # the European Union signs for any gain
    data = game.world.data
    for form in (
        ProposalForm("EU", "tariff_agreement", amount="5"),
        ProposalForm("EU", "offtake", "lithium", "refined", amount="100", floor="1000"),
    ):
        action, _ = form.build(data, "JPN")
        assert game.queue(action) is None
    game.step()
    box, rc = solara.render(DealsWithReasons(game.world, game.tables(), "JPN"))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", _html(rc))
    offtake, agreement = (re.sub(r"<[^>]+>", "|", row) for row in rows[-2:])
    said = "+0.0 points with it, and it signs only for a gain. The deal changes nothing"
    assert "offtake" in offtake and said + " its projection can foresee.|" in offtake
    assert "tariff agreement" in agreement and said in agreement
    assert "a pledge against measures nobody has taken" in agreement
    assert "pledge" not in offtake and "more than +0.0" not in agreement + offtake
    rc.close()


def test_a_refusals_reason_is_the_one_that_held_when_the_ai_answered():
    """Review: the reason was worked out each time the tab was drawn, from the world as
    it stands: a tariff agreement refused when no measure stood between the two read, once
    the player had put a tariff on its partner, as if a measure had stood then."""
    from ui.deals import DealsWithReasons

    game = Game("japan_pressure", "JPN")
    data = game.world.data
    action, _ = ProposalForm("EU", "tariff_agreement", amount="5").build(data, "JPN")
    assert game.queue(action) is None
    game.step()
    tariff, _ = TariffForm("EU", "lithium", "refined", "25").build(data, "JPN")
    assert game.queue(tariff) is None
    game.step()
    box, rc = solara.render(DealsWithReasons(game.world, game.tables(), "JPN"))
    assert "a pledge against measures nobody has taken" in _html(rc)
    rc.close()


def test_an_offer_refused_for_distrust_says_so():
    from ui.deals import DealsWithReasons

    game = Game("japan_pressure", "JPN")
    data = game.world.data
    game.world.state.trust[data.country("KOR"), data.country("JPN")] = 0.1  # a broken word
    action, _ = ProposalForm("KOR", "tariff_agreement", amount="0").build(data, "JPN")
    assert game.queue(action) is None
    game.step()
    box, rc = solara.render(
        DealsWithReasons(game.world, game.tables(), "JPN")
    )
    assert "South Korea does not trust Japan enough to weigh the offer: trust 0.10" in _html(rc)
    rc.close()


def test_the_news_of_a_refused_offer_points_to_the_deals_tab():
    # The walk: a refusal in the news left the player guessing why; the reason is in the
    # Deals tab, and the news line now says where to look (only for the player's offers).
    from model.text import use_language
    from ui.news import NewsFeed

    game = Game("japan_pressure", "JPN")
    data = game.world.data
    game.world.state.trust[data.country("KOR"), data.country("JPN")] = 0.1
    action, _ = ProposalForm("KOR", "tariff_agreement", amount="0").build(data, "JPN")
    assert game.queue(action) is None
    game.step()
    box, rc = solara.render(NewsFeed(game.world, game.tables(), "JPN"))
    lines = [line for line in _html(rc).split("<li>") if "rejects" in line]
    assert lines and all("Why: see the Deals tab." in line for line in lines)
    rc.close()
    with use_language("fr"):
        box, rc = solara.render(NewsFeed(game.world, game.tables(), "JPN"))
        assert "Pourquoi : voir l&#x27;onglet Accords." in _html(rc)
        rc.close()


def test_what_really_happened_next_says_what_the_budget_allows():
    from ui.forms import SubsidyForm

    game = Game("japan_pressure", "JPN")
    game.step()
    game.step()  # the news now tells of Japan's USD 500 m for refining in 2025 Q3
    spend, _ = SubsidyForm("lithium", "refined", "100").build(game.world.data, "JPN")
    assert game.queue(spend) is None
    left = game.budget_usd()
    assert 0 < left < 500e6
    box, rc = solara.render(app.GameView(game, lambda: None, lambda: None), handle_error=False)
    shown = _html(rc)
    assert "2025 Q3, what really happened: Japan spends USD 500 m" in shown
    assert (
        f"It would cost you USD 500 m, more than the {words.money(left)} your budget has left"
        " this quarter: you can do at most that much of it." in shown
    )
    rc.close()


def test_the_debrief_tells_your_deals_the_history_and_names_the_economies():
    from ui.debrief import Debrief

    game = Game("japan_pressure", "JPN")
    offer, _ = ProposalForm("CHL", "investment", "lithium", "refined", amount="100").build(
        game.world.data, "JPN"
    )
    assert game.queue(offer) is None
    while not game.finished:
        game.step()
    box, rc = solara.render(Debrief(game), handle_error=False)
    said = [str(text) for text in _texts(rc)]
    # your key moves: the deal Chile accepted is yours (the others' moves stay folded)
    assert any("Chile accepts the investment deal with Japan" in line for line in said)
    # what really happened: the events themselves, dated, yours (told as advice) included
    assert any(
        line.startswith("2025 Q2: China limits exports of refined heavy rare earths to Japan")
        for line in said
    )
    assert any(line.startswith("2025 Q3: Japan spends USD 500 m") for line in said)
    assert not any(line.startswith("2025 Q2: China's Dy exports") for line in said)
    charts = _html(rc)
    assert ">China</text>" in charts and ">CHN</text>" not in charts  # legends name economies
    rc.close()


def test_a_queued_stockpile_purchase_says_what_it_costs():
    from ui.forms import StockpileForm
    from ui.panels import DecisionPanel

    game = Game("baseline", "JPN")
    before = game.budget_usd()
    buy, _ = StockpileForm("lithium", "refined", "buy", "1000").build(game.world.data, "JPN")
    assert game.queue(buy) is None
    paid = before - game.budget_usd()
    assert paid > 1e6
    box, rc = solara.render(DecisionPanel(game, lambda: None), handle_error=False)
    said = [str(text) for text in _texts(rc)]
    bought = "Buy 1,000 t of refined lithium for the stockpile"
    assert f"{bought} ({words.money(paid)} from your budget)" in said
    rc.close()


def test_a_queued_stockpiles_cost_reads_with_a_decimal_comma_in_french():
    """A player read "(3.7 M USD pris sur votre budget)"."""
    from model.text import use_language
    from ui.forms import StockpileForm
    from ui.panels import DecisionPanel

    game = Game("baseline", "JPN")
    buy, _ = StockpileForm("heavy_rare_earths", "refined", "buy", "10").build(
        game.world.data, "JPN"
    )
    usd = cost(game.world, "JPN", buy)
    assert 1e6 < usd < 1e7  # shown with one decimal
    assert game.queue(buy) is None
    with use_language("fr"):
        box, rc = solara.render(DecisionPanel(game, lambda: None), handle_error=False)
        said = " ".join(str(text) for text in _texts(rc))
        rc.close()
    whole, tenth = f"{usd / 1e6:.1f}".split(".")
    assert f"({whole},{tenth} M USD pris sur votre budget)" in said


def test_the_stockpile_form_says_the_price_and_the_cost_as_the_tonnes_are_typed():
    """A player: 30 t of heavy rare earths cost USD 131 m, said only once queued; the
    offtake form asked for a floor price and never said the price."""
    from ui.forms import StockpileForm
    from ui.panels import DecisionPanel

    game = Game("japan_pressure", "JPN")
    box, rc = solara.render(DecisionPanel(game, lambda: None), handle_error=False)
    rc.find(v.Select, label="Measure").widget.v_model = "Stockpile"
    rc.find(v.Select, label="Mineral").widget.v_model = "heavy rare earths"
    rc.find(v.Select, label="Stage").widget.v_model = "refined"
    tonnes = rc.find(v.TextField, label="Tonnes").widget
    assert re.match(r"today's price: USD \d{3},\d{3} a tonne; budget left", tonnes.messages[0])
    tonnes.v_model = "30"
    hint = rc.find(v.TextField, label="Tonnes").widget.messages[0]
    buy, _ = StockpileForm("heavy_rare_earths", "refined", "buy", "30").build(
        game.world.data, "JPN"
    )
    usd = cost(game.world, "JPN", buy)
    assert hint.startswith(f"30 t cost {words.money(usd)} at today's price (USD ")
    rc.find(v.Select, label="Measure").widget.v_model = "Deal proposal"
    rc.find(v.Select, label="Deal").widget.v_model = "offtake contract"
    rc.find(v.Select, label="Mineral").widget.v_model = "lithium"
    rc.find(v.Select, label="Stage").widget.v_model = "refined"
    floor = rc.find(v.TextField, label="Floor price (USD per tonne)").widget
    assert re.fullmatch(r"the seller's price today: USD [\d,]+ a tonne", floor.messages[0])
    rc.close()


def test_offers_of_the_last_quarter_are_said_to_lapse():
    from types import SimpleNamespace

    from ui.deals import LastOffers

    game = Game("baseline", "USA")
    late = SimpleNamespace(
        world=game.world, inbox=lambda: [{"proposer": "EU", "deal": "investment", "deal_id": 9}]
    )
    box, rc = solara.render(LastOffers(late))
    text = " ".join(w.children[0] for w in rc.find(v.Html).widgets if w.children)
    assert "European Union offered you an investment deal" in text
    assert "no quarter left" in text
    rc.close()


def test_play_pauses_when_an_offer_arrives(tmp_path):
    import time

    path = tmp_path / "club.toml"
    path.write_text(
        """
[scenario]
name = "club"
title = "Club"
world = "world_2024"
steps = 6
seed = 3
controller = "passive"

[[coalitions]]
name = "Club"
founder = "JPN"
offer_step = 2
duration = 8
invite = ["USA"]
"""
    )
    game = Game(str(path), "USA")
    version = {"n": 0}

    def changed():
        version["n"] += 1
        rc.render(app.GameView(game, changed, lambda: None, version=version["n"]))

    box, rc = solara.render(app.GameView(game, changed, lambda: None), handle_error=False)
    rc.find(v.Select, label="Speed").widget.v_model = "fast"
    rc.find(v.Btn, children=["Play"]).widget.click()
    deadline = time.monotonic() + 30
    while not game.inbox() and time.monotonic() < deadline:
        time.sleep(0.1)
    paused = "Play paused: an offer is waiting for your answer."
    while paused not in _html(rc) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # Play (fast: 0.3 s a quarter) would have stepped again by now
    assert game.inbox() and game.world.steps == 2  # stopped on the quarter the offer came
    assert paused in _html(rc)
    rc.close()


def test_the_map_opens_on_the_scenarios_mineral():
    game = Game("graphite_controls")  # watching
    box, rc = solara.render(app.WorldTabs(game.world, game.tables(), None), handle_error=False)
    assert rc.find(v.Select, label="Map mineral").widget.v_model == "graphite"
    assert _map(rc).label.startswith("World map of refined graphite")
    rc.close()


def test_a_flat_score_of_zero_has_a_readable_axis():
    from ui.charts import line_chart

    flat = pd.DataFrame({"score": [0.0, 0.0, 0.0]}, index=[1, 2, 3])
    ticks = re.findall(r'text-anchor="end">([^<]*)<', line_chart(flat, "Your score"))
    assert ticks == ["−2", "−1", "0", "1", "2"]  # it read "-1.1e-09 … 1.1e-09", then ±0.55


def test_a_score_axis_has_round_ticks():
    """Walk: the debrief's score axis read "-1,847 -1,358 -870 -381 107"."""
    from ui.charts import line_chart

    score = pd.DataFrame({"as played": [-1847.3, -600.0, 107.2]}, index=[1, 2, 3])
    ticks = re.findall(r'text-anchor="end">([^<]*)<', line_chart(score, "Your score"))
    assert ticks == ["−2,000", "−1,500", "−1,000", "−500", "0", "500"]


def test_chart_end_labels_never_overlap_and_read_on_white():
    from ui.charts import COLOURS, LABEL_GAP, line_chart

    same = pd.DataFrame({"as played": [1.0, 2.0, 3.0], "without your actions": [1.0, 2.0, 3.0]})
    svg = line_chart(same, "label")
    ends = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)" font-size="11" fill', svg)]
    assert len(ends) == 2 and abs(ends[0] - ends[1]) >= LABEL_GAP - 0.1  # one decimal shown

    def luminance(colour: str) -> float:
        channels = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert all(1.05 / (luminance(c) + 0.05) >= 4.5 for c in COLOURS)  # WCAG AA on white


@given(
    targets=st.lists(st.floats(0, 300, allow_nan=False), max_size=10),
    gap=st.floats(1, 30),
    low=st.floats(0, 100),
    room=st.floats(0, 300),
)
def test_end_labels_keep_their_order_a_gap_apart_inside_the_chart(targets, gap, low, room):
    from ui.charts import spread

    high = low + room
    placed = spread(targets, gap, low, high)
    assert len(placed) == len(targets)
    order = sorted(range(len(targets)), key=lambda k: targets[k])  # top to bottom
    for upper, lower in itertools.pairwise(order):
        assert placed[lower] - placed[upper] >= gap - 1e-9
    if (len(targets) - 1) * gap <= room:  # room for all: none pushed out of the chart
        assert all(low - 1e-9 <= y <= high + 1e-9 for y in placed)
    apart = all(b - a >= gap for a, b in itertools.pairwise(sorted(targets)))
    if apart and all(low <= y <= high for y in targets):  # nothing to move: nothing moved
        assert placed == pytest.approx(targets)


def test_crowded_end_labels_gather_around_their_lines():
    """Three lines ending together: their names stand one gap apart, centred on them."""
    from ui.charts import spread

    assert spread([100.0, 100.0, 100.0, 40.0], 14, 0, 300) == pytest.approx(
        [86.0, 100.0, 114.0, 40.0]
    )
    assert spread([0.0, 1.0], 14, 5, 300) == pytest.approx([5.0, 19.0])  # kept inside
    assert spread([299.0, 300.0], 14, 0, 300) == pytest.approx([286.0, 300.0])


def test_a_narrow_chart_names_its_lines_in_a_legend_below():
    """The names drawn at the lines' ends shrink with the chart; under NARROW px wide the
    chart shows them instead as page text below it, top to bottom as the lines end, each
    in its line's colour (the page's own CSS picks one or the other)."""
    from ui.charts import COLOURS, NARROW, line_chart

    frame = pd.DataFrame({"low": [1.0, 0.0], "high": [1.0, 5.0]}, index=[1, 2])
    chart = line_chart(frame, "Two lines")
    assert f"@container (max-width: {NARROW - 1}px)" in chart
    legend = re.search(r'<ul class="minerals-chart-legend"[^>]*>(.*)</ul>', chart).group(1)
    names = re.findall(r'<li style="color:(#\w+)">.*?</span>([^<]*)</li>', legend)
    assert names == [(COLOURS[1], "high"), (COLOURS[0], "low")]
    ends = re.findall(r'<text [^>]*fill="(#\w+)">([^<]*)</text>', chart)
    assert ends == [(COLOURS[1], "high"), (COLOURS[0], "low")]
    assert 'role="img" aria-label="Two lines"' in chart and "<title>Two lines</title>" in chart


def test_the_page_queues_a_contract_for_difference_chosen_by_name(tmp_path, monkeypatch):
    """The subsidy form offers the three instruments by name; a CfD asks for its strike."""
    from agents.actions import Subsidy
    from ui import panels

    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("baseline", "EU")
    box, rc = solara.render(panels.DecisionPanel(game, lambda: None), handle_error=False)
    rc.find(v.Select, label="Measure").widget.v_model = "Capacity subsidy"
    how = rc.find(v.Select, label="How the subsidy works").widget
    assert how.items == ["state-built plants", "capital grant", "contract for difference"]
    how.v_model = "contract for difference"
    rc.find(v.TextField, label="Guaranteed price (× the 2024 price)").widget.v_model = "2"
    rc.find(v.TextField, label="Amount (USD million)").widget.v_model = "300"
    rc.find(v.Btn, children=["Queue subsidy"]).widget.click()
    (queued,) = game.decisions
    assert isinstance(queued, Subsidy)
    assert (queued.strike, queued.share, queued.usd) == (2.0, None, 300e6)
    assert "guaranteeing" in panels.describe(game.decisions[0])
    rc.close()


def test_the_budget_under_the_form_follows_what_is_queued_and_withdrawn(tmp_path, monkeypatch):
    """Review: the form said "budget left: USD 191 million" while the situation said 234."""
    from model.text import number
    from ui import panels

    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("baseline", "EU")
    version = solara.reactive(0)

    @solara.component
    def Desk():
        panels.DecisionPanel(game, lambda: version.set(version.value + 1), version.value)

    box, rc = solara.render(Desk(), handle_error=False)
    rc.find(v.Select, label="Measure").widget.v_model = "Capacity subsidy"

    def hint() -> str:
        return rc.find(v.TextField, label="Amount (USD million)").widget.messages[0]

    left = game.budget_usd() / 1e6
    assert hint() == UNSPENT.format(number(left))
    rc.find(v.TextField, label="Amount (USD million)").widget.v_model = "100"
    rc.find(v.Btn, children=["Queue subsidy"]).widget.click()
    assert hint() == UNSPENT.format(number(left - 100))
    withdraw = rc.find(v.Btn, children=["Withdraw 1"]).widget
    # its accessible name says what it withdraws (review: "WITHDRAW 1/2/3" only)
    assert withdraw.attributes["aria-label"].startswith("Withdraw 1: Subsidy of USD 100 million")
    withdraw.click()
    assert hint() == UNSPENT.format(number(left))
    rc.close()


def test_the_briefing_of_a_scripted_country_says_its_history_is_advice_not_played():
    """Review: the briefing said history is advice, then "the script also makes your
    country's historical moves": a person's seat is never played by the script."""
    game = Game("japan_pressure", "JPN")
    text = start.mission("japan_pressure", "JPN")
    assert "none of it is done for you" in text and "also makes" not in text
    assert not game.world.country_agent("JPN").follows_script


def test_a_change_never_reads_minus_zero_and_follows_the_languages_decimal_mark():
    from model.text import use_language

    assert words.signed(-0.04) == "+0.0" and words.signed(-2.5) == "−2.5"
    with use_language("fr"):
        assert words.signed(-2.5) == "−2,5"


def test_a_refused_ban_shows_why_under_the_form(tmp_path, monkeypatch):
    """Review: a ban refused (here: the same ban twice) was filed under the share field,
    which a ban does not show, so nothing said why nothing was queued."""
    from ui import panels

    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("baseline", "EU")
    box, rc = solara.render(panels.DecisionPanel(game, lambda: None), handle_error=False)
    rc.find(v.Select, label="Measure").widget.v_model = "Export control"
    rc.find(v.Select, label="Control").widget.v_model = "ban"
    for _ in range(2):
        rc.find(v.Btn, children=["Queue export control"]).widget.click()
    assert len(game.decisions) == 1
    shown = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "pressed twice?" in shown
    rc.close()


def test_a_score_reads_with_a_true_minus_and_never_minus_zero():
    from model.text import read_number, use_language

    assert words.points(-0.04) == "0.0" and words.points(-1020.62) == "−1,020.6"
    with use_language("fr"):
        assert words.points(-1020.62) == "−1\u202f020,6"
    assert float(read_number("−2.5", lang="en")) == -2.5  # the sign the page prints


def test_a_price_axis_writes_thousands_as_people_do():
    """Review: nickel ore's price axis read "8.02e+03 … 8.23e+03"."""
    from ui.charts import line_chart

    frame = pd.DataFrame({"nickel ore": [8020.0, 8230.0]}, index=[1, 2])
    svg = line_chart(frame, "Prices")
    assert "e+0" not in svg and "8,0" in svg


def test_answering_an_offer_redraws_the_inbox_at_once():
    """Walk (French phone, April 2025 escalation as China): Accept then Reject moved the
    queue, but the offer cards kept both buttons and no sentence until a reload."""
    from solara.routing import Router, router_context

    game = Game("april_2025_escalation", "CHN")
    while not game.inbox():
        game.step()
    game.save()
    first, second = (offer["deal_id"] for offer in game.inbox()[:2])

    @solara.component
    def Opened():
        router_context.provide(Router(f"/?game={game.game_id}", [], set_path=lambda path: None))
        return app.Page()

    box, rc = solara.render(Opened(), handle_error=False)
    rc.find(v.Btn, children=[f"Accept offer {first}"]).widget.click()
    said = " ".join(map(str, _texts(rc)))
    assert f"You have accepted offer {first}" in said
    assert not rc.find(v.Btn, children=[f"Accept offer {first}"]).widgets
    assert rc.find(v.Btn, children=[f"Change my answer: reject offer {first}"]).widgets
    rc.find(v.Btn, children=[f"Reject offer {second}"]).widget.click()
    assert f"You have rejected offer {second}." in " ".join(map(str, _texts(rc)))
    rc.close()


def test_the_briefings_dependency_table_has_a_name_and_stacks_on_a_phone():
    """Walk 33b: the mission's dependency table (a Markdown table) had no accessible name,
    and on a phone it was cut mid-word; it is a named table that stacks in a narrow box,
    with the numbers the printed sheet gives."""
    from model.text import use_language

    shown = start.mission("baseline", "JPN")
    assert '<table role="table" aria-label="Dependencies of Japan: where the goods' in shown
    assert 'class="minerals-stack"' in shown
    assert 'data-label="use, t a year" style="padding:2px 6px">249</td>' in shown  # Dy/Tb
    with use_language("fr"):
        shown = start.mission("baseline", "JPN")
    assert 'aria-label="Dépendances (Japon) : d&#x27;où viennent' in shown


def test_choosing_a_card_that_asks_you_to_play_japan_chooses_japan_and_folds_the_list():
    """Walk 03: after "Choose Japan under pressure…" the country stayed on "watch" though
    the card says "play Japan to do better", and the list stayed open. The card chooses
    Japan (the player may change it), the list folds and the chosen card is brought into
    sight (ui/scrollto.vue, told by its nonce)."""
    def buttons(words: str) -> list:
        return [b for b in rc.find(v.Btn).widgets if b.children and b.children[-1] == words]

    def nonce() -> int:
        (scroll,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "nonce")]
        return scroll.nonce

    box, rc = solara.render(app.StartScreen(on_start=lambda game: None), handle_error=False)
    country = rc.find(v.Select, label="Your country").widget
    assert country.v_model.startswith("watch")
    assert nonce() == 0
    (others,) = buttons("Choose a scenario …")
    others.click()
    japan = "Choose Japan under pressure: heavy rare earths withheld, stockpiles and new refining"
    (card,) = buttons(japan)
    card.click()
    assert country.v_model == "Japan (JPN)"
    assert len(buttons("Chosen")) == 1
    assert not buttons(japan)  # the list is folded away
    assert not [b for b in rc.find(v.Btn).widgets if str(b.children[-1]).startswith("Choose Hind")]
    assert nonce() == 1
    country.v_model = "China (CHN)"  # the player may still change it
    assert rc.find(v.Select, label="Your country").widget.v_model == "China (CHN)"
    rc.close()


def test_names_pushed_far_from_their_lines_give_way_to_a_key():
    """Walk 26: at the end of a game six lines met at 0 and their names, spread apart,
    stacked far above and below it: nobody could tell which line was which. Then the chart
    names its lines in the key below at every width; names near their lines stay."""
    from ui.charts import line_chart

    met = pd.DataFrame({f"part {k}": [float(k * 500), 0.0] for k in range(6)}, index=[1, 2])
    assert 'class="minerals-chart minerals-chart-keyed"' in line_chart(met, "Met at zero")
    apart = pd.DataFrame({"low": [1.0, 0.0], "high": [1.0, 5.0]}, index=[1, 2])
    assert 'class="minerals-chart"' in line_chart(apart, "Two lines")


def test_a_narrow_chart_keeps_every_other_quarter_the_latest_included():
    """The walk: on a phone the axes' labels were 5 px high. A narrow chart draws them
    larger and hides every other quarter of four or more (the CSS's minerals-chart-minor),
    never the latest; the first quarter starts at the y axis, clear of its numbers."""
    from ui.charts import line_chart

    chart = line_chart(pd.DataFrame({"a": range(12)}, index=range(1, 13)), "Twelve")
    quarters = re.findall(
        r'<text class="minerals-chart-tick( minerals-chart-minor)?" x="[\d.]+" y="[\d.]+" '
        r'font-size="11" text-anchor="(start|middle)">([^<]*)<',
        chart,
    )
    assert [label for _, _, label in quarters] == ["1", "3", "5", "7", "9", "11"]
    assert [bool(minor) for minor, _, _ in quarters] == [True, False] * 3
    assert [anchor for _, anchor, _ in quarters] == ["start"] + ["middle"] * 5
    few = line_chart(pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=[1, 2, 3]), "Three")
    assert "minerals-chart-tick minerals-chart-minor" not in few


def test_a_good_cut_off_entirely_stays_among_your_biggest_dependencies():
    """Review: read from the last clearing, a good China stops selling to Japan left the
    list the quarter the ban bit (nothing arrived, so nothing was at stake)."""
    from model.data.world_data import load_world
    from model.engine.world import World
    from support.builders import event, scenario

    ban = event(1, "CHN", "export_control", "heavy_rare_earths", "refined", ["JPN"], level=0.0)
    world = World(scenario([ban], steps=2), world=load_world("world_2024"))
    world.step()
    lines = progress.dependencies(world, {}, "JPN")
    assert lines[0] == "refined heavy rare earths: 0% from China", lines
