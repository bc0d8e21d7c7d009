"""The game is won over all its quarters: every ranking is by the points over the game (the
total of the quarterly scores), not by the last quarter's score, and says so."""

import ipyvuetify as v
import pandas as pd
import pytest
import solara

from model.engine.metrics import SCORE_COLUMNS
from model.game import debrief, report, totals
from model.text import t, use_language
from ui import progress, views, words
from ui.game import Game

QUARTERS = 12
IMPORTERS = ["USA", "EU", "JPN", "KOR", "IND", "VNM"]


def _quarters(paths: dict[str, list[float]]) -> pd.DataFrame:
    """A countries table whose ``score`` follows ``paths`` (0 for an importer not named),
    all of it in the consumers' part."""
    rows = []
    for step in range(1, QUARTERS + 1):
        for code in IMPORTERS:
            score = paths.get(code, [0.0] * QUARTERS)[step - 1]
            rows.append(
                {"step": step, "country": code, "shortage_share": 0.0, "gdp_index": 1.0}
                | {column: 0.0 for column in SCORE_COLUMNS}
                | {"score": score, "score_consumers": score}
            )
    return pd.DataFrame(rows)


# Japan is embargoed for eleven quarters and recovers in the twelfth: the best last quarter,
# the worst game. Korea gains a little every quarter: the best game.
EMBARGOED = [-50.0] * (QUARTERS - 1) + [30.0]
STEADY = [5.0] * QUARTERS


@pytest.fixture(scope="module")
def game():
    return Game("baseline", "JPN")


@pytest.fixture
def tables(game):
    return dict(game.tables()) | {"countries": _quarters({"JPN": EMBARGOED, "KOR": STEADY})}


def test_the_last_quarter_alone_would_crown_the_embargoed_country(tables):
    last = tables["countries"][tables["countries"]["step"] == QUARTERS]
    assert last.sort_values("score", ascending=False)["country"].iloc[0] == "JPN"
    points = totals.points(tables["countries"])
    assert points["JPN"] == pytest.approx(-50 * 11 + 30) and points["KOR"] == 60


def test_the_debrief_ranks_by_the_points_over_the_game(game, tables):
    ranking = debrief.ranking(tables, game.world.data, {"JPN": "people", "KOR": "people"})
    assert ranking["country"].iloc[0] == "KOR" and ranking["country"].iloc[-1] == "JPN"
    jpn = ranking.set_index("country").loc["JPN"]
    assert jpn["points"] == pytest.approx(-520) and jpn["score"] == 30  # the last quarter's
    assert jpn["points_consumers"] == pytest.approx(-520)  # the points' parts, summed too


def test_the_class_leaderboard_at_the_end_ranks_by_the_points_over_the_game(tables):
    board = report.leaderboard(tables, ["JPN", "KOR", "USA"], QUARTERS, 0)
    assert list(board["country"]) == ["KOR", "USA", "JPN"]
    assert list(board["points"]) == pytest.approx([60, 0, -520])


def test_the_leaderboards_change_over_a_round_is_the_points_of_its_quarters(tables):
    board = report.leaderboard(tables, ["JPN", "KOR"], QUARTERS, QUARTERS - 4).set_index("country")
    assert board.at["JPN", "change"] == pytest.approx(-50 * 3 + 30)  # quarters 9 to 12
    assert board.at["KOR", "change"] == pytest.approx(20)
    assert board.at["JPN", "score"] == 30  # the last quarter's own score, beside them
    midway = report.leaderboard(tables, ["JPN", "KOR"], 8, 4).set_index("country")
    assert midway.at["JPN", "points"] == pytest.approx(-400)  # the total so far
    assert midway.at["JPN", "change"] == pytest.approx(-200)
    happened = report.what_happened(tables, "JPN", QUARTERS - 4, QUARTERS)
    assert happened["change"] == pytest.approx(-120) and happened["points"] == pytest.approx(-520)
    assert happened["components"]["score_consumers"] == pytest.approx(-120)


def test_the_game_with_and_without_the_deals_compares_the_points_over_the_game(game, tables):
    without = tables | {"countries": _quarters({"JPN": [-40.0] * QUARTERS, "KOR": STEADY})}
    compared = debrief.counterfactual(tables, without, game.world.data, {})
    jpn = compared.set_index("country").loc["JPN"]
    assert jpn["points"] == pytest.approx(-520) and jpn["points_without_deals"] == -480
    assert jpn["difference"] == pytest.approx(-40)  # the last quarter alone said +70


def test_the_single_player_ranking_and_scoreboard_rank_by_the_points_over_the_game(game, tables):
    board = progress.ranking(game.world, tables, "JPN")
    assert board["country"].iloc[0] == "KOR" and board["country"].iloc[-1] == "JPN"
    assert board.set_index("country").at["JPN", "score"] == 30  # this quarter's, kept beside
    everyone = views.scoreboard(tables)
    assert everyone["country"].iloc[0] == "KOR" and everyone["country"].iloc[-1] == "JPN"


@pytest.mark.parametrize(
    ("lang", "header", "said"),
    [
        ("en", "Points over the game", "Ranked by points over the game"),
        ("fr", "Points sur la partie", "Classement aux points sur la partie"),
    ],
)
def test_the_single_player_ranking_says_it_counts_the_points_over_the_game(
    game, tables, lang, header, said
):
    with use_language(lang):
        box, rc = solara.render(progress.Ranking(game.world, tables, "JPN"), handle_error=False)
        page = "".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        texts = " ".join(str(w.children) for w in rc.find(v.Html).widgets if w.tag == "span")
        rc.close()
        korea, japan = (f">{words.name(game.world.data, c)}<" for c in ("KOR", "JPN"))
    assert f">{header}</th>" in page and said in texts
    assert page.index(korea) < page.index(japan)  # Japan's last quarter is the best


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "points over the game"), ("fr", "points sur la partie")],
)
def test_the_printable_debrief_ranks_the_delegations_by_their_points(tables, lang, said):
    seats = {"JPN": "Japan", "KOR": "Korea"}
    with use_language(lang):
        words = {key: t(f"lesson.debrief_{key}") for key in report.DEBRIEF_WORDS}
        page = report.debrief_page("Test", "", seats, tables, str, [], [], words, lang)
    ranking = page.split("</table>", 1)[0]
    assert f"<th>{said}</th>" in ranking
    assert ranking.index("Korea") < ranking.index("Japan")
    assert "<td>-520.0</td>" in page  # Japan's quarters, then their total
