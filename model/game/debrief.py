"""What a class looks at after the game: ranking, key moves, deals, and the game without deals.

A quarter's score is a welfare change against the same world where nobody acted (0 = as
well off as that world), so economies compare on one scale. The game's result is the total
of the quarterly scores over the quarters played (its points, ``model/game/totals.py``):
the ranking is by that total, and its component columns say where the points came from.

The counterfactual is the same scenario, seed and decisions replayed with no negotiation
at all (``World.deals_allowed = False``): the difference in each country's points over the
game is what the deals made of the class's game.
"""

import pandas as pd

from model.data.world_data import WorldData
from model.engine.metrics import SCORE_COLUMNS
from model.game.replay import GameLog, replay
from model.game.totals import over_quarters, points
from model.text import country_name

# The moves a debrief talks about, here and in the browser (event cards show up as the
# measures they play).
KEY_MOVES = (
    "tariff",
    "export_control",
    "subsidy",
    "stockpile",
    "licences",
    "shock",
    "demand",
    "accepted",
    "breach",
    "join",
    "leave",
    "found",
)
AI = "ai"  # who plays a country that is no seat of the class


def debrief(
    log: GameLog, tables: dict[str, pd.DataFrame], data: WorldData, played_by: dict[str, str]
) -> dict:
    """The debrief of a game whose World produced ``tables`` (seats: ``played_by``)."""
    without = replay(log, deals_allowed=False).world.tables() if log.turns else None
    events = tables["events"]
    return {
        "rounds": len(log.turns),
        "ranking": ranking(tables, data, played_by),
        "timeline": key_moves(tables),
        "deals": latest_deals(tables),
        "breaches": events[events["action"] == "breach"].reset_index(drop=True),
        "counterfactual": counterfactual(tables, without, data, played_by),
    }


def key_moves(tables: dict) -> pd.DataFrame:
    """The events that are key moves (KEY_MOVES): measures, deals made and broken, shocks."""
    events = tables["events"]
    return events[events["action"].isin(KEY_MOVES)].reset_index(drop=True)


def final(tables: dict) -> pd.DataFrame:
    countries = tables["countries"]
    return countries[countries["step"] == countries["step"].max()]


def ranking(tables: dict, data: WorldData, played_by: dict[str, str]) -> pd.DataFrame:
    """Every economy, best first by its points over the game (``points``; ``points_*`` its
    parts: the components summed over the quarters), with the last quarter's ``score``,
    shortage and GDP index."""
    last = final(tables).set_index("country")
    total = over_quarters(tables["countries"], columns=SCORE_COLUMNS)
    total = total.reindex(last.index).sort_values("score", ascending=False, kind="stable")
    codes = list(total.index)
    last = last.loc[codes]
    return pd.DataFrame(
        {
            "rank": range(1, len(codes) + 1),
            "country": codes,
            "name": [country_name(code, data.names[data.country(code)]) for code in codes],
            "played_by": [played_by.get(code, AI) for code in codes],
            "points": total["score"].to_numpy(),
            # why: the components against the world where nobody acted (docs/scoring.md)
            **{
                column.replace("score_", "points_"): total[column].to_numpy()
                for column in SCORE_COLUMNS[1:]
            },
            "score": last["score"].to_numpy(),
            "shortage_share": last["shortage_share"].to_numpy(),
            "gdp_index": last["gdp_index"].to_numpy(),
        }
    )


def latest_deals(tables: dict, newest_first: bool = False) -> pd.DataFrame:
    """Each deal's latest row (proposed, accepted, rejected, lapsed, breached, expired)."""
    deals = tables["deals"]
    if deals.empty:
        return deals
    latest = deals.groupby("deal_id").tail(1)
    order = latest.sort_values(["step", "deal_id"], ascending=not newest_first)
    return order.reset_index(drop=True)


def counterfactual(
    tables: dict, without: dict | None, data: WorldData, played_by: dict[str, str]
) -> pd.DataFrame:
    """Each country's points over the game as played and without the deals, best gain
    first."""
    columns = ["country", "name", "played_by", "points", "points_without_deals", "difference"]
    if without is None:
        return pd.DataFrame(columns=columns)
    real = points(tables["countries"]).reindex(final(tables)["country"])
    other = points(without["countries"]).reindex(real.index)
    frame = pd.DataFrame(
        {
            "country": list(real.index),
            "name": [country_name(code, data.names[data.country(code)]) for code in real.index],
            "played_by": [played_by.get(code, AI) for code in real.index],
            "points": real.to_numpy(),
            "points_without_deals": other.to_numpy(),
        }
    )
    frame["difference"] = frame["points"] - frame["points_without_deals"]
    return frame.sort_values("difference", ascending=False).reset_index(drop=True)[columns]
