"""What a class looks at after the game: ranking, key moves, deals, and the game without deals.

The counterfactual is the same scenario, seed and decisions replayed with no negotiation
at all (``World.deals_allowed = False``): the difference in each country's final score is
what the deals made of the class's game.
"""

import pandas as pd

from model.replay import GameLog, Table
from model.world_data import WorldData

# The moves a debrief talks about (event cards show up as the measures they play).
TIMELINE = (
    "tariff",
    "export_control",
    "licences",
    "stockpile",
    "subsidy",
    "shock",
    "accepted",
    "breach",
    "join",
    "leave",
)
AI = "ai"  # who plays a country that is no seat of the class


def debrief(
    log: GameLog, tables: dict[str, pd.DataFrame], data: WorldData, played_by: dict[str, str]
) -> dict:
    """The debrief of a game whose World produced ``tables`` (seats: ``played_by``)."""
    without = without_deals(log).world.tables() if log.turns else None
    events = tables["events"]
    return {
        "rounds": len(log.turns),
        "ranking": ranking(tables, data, played_by),
        "timeline": events[events["action"].isin(TIMELINE)].reset_index(drop=True),
        "deals": latest_deals(tables),
        "breaches": events[events["action"] == "breach"].reset_index(drop=True),
        "counterfactual": counterfactual(tables, without, data, played_by),
    }


def without_deals(log: GameLog) -> Table:
    """The game replayed with the same seed and decisions but no negotiation at all."""
    table = Table(log)
    table.world.deals_allowed = False
    for turn in log.turns:
        table.play(turn)
    return table


def final(tables: dict) -> pd.DataFrame:
    countries = tables["countries"]
    return countries[countries["step"] == countries["step"].max()]


def ranking(tables: dict, data: WorldData, played_by: dict[str, str]) -> pd.DataFrame:
    last = final(tables).sort_values("score", ascending=False)
    codes = list(last["country"])
    return pd.DataFrame(
        {
            "rank": range(1, len(last) + 1),
            "country": codes,
            "name": [data.names[data.country(code)] for code in codes],
            "played_by": [played_by.get(code, AI) for code in codes],
            "score": last["score"].to_numpy(),
            "shortage_share": last["shortage_share"].to_numpy(),
            "gdp_index": last["gdp_index"].to_numpy(),
        }
    )


def latest_deals(tables: dict) -> pd.DataFrame:
    """Each deal's latest row (proposed, accepted, rejected, lapsed, breached, expired)."""
    deals = tables["deals"]
    if deals.empty:
        return deals
    latest = deals.groupby("deal_id").tail(1)
    return latest.sort_values(["step", "deal_id"]).reset_index(drop=True)


def counterfactual(
    tables: dict, without: dict | None, data: WorldData, played_by: dict[str, str]
) -> pd.DataFrame:
    """Each country's final score in the game and without the deals, best gain first."""
    columns = ["country", "name", "played_by", "score", "score_without_deals", "difference"]
    if without is None:
        return pd.DataFrame(columns=columns)
    real = final(tables).set_index("country")["score"]
    other = final(without).set_index("country")["score"].reindex(real.index)
    frame = pd.DataFrame(
        {
            "country": list(real.index),
            "name": [data.names[data.country(code)] for code in real.index],
            "played_by": [played_by.get(code, AI) for code in real.index],
            "score": real.to_numpy(),
            "score_without_deals": other.to_numpy(),
        }
    )
    frame["difference"] = frame["score"] - frame["score_without_deals"]
    return frame.sort_values("difference", ascending=False).reset_index(drop=True)[columns]
