"""What the pages show, as small tables cut from the World's output tables.

Pure pandas, no Solara: the single-player page, the classroom pages and the tests read
the same views.
"""

import json

import pandas as pd

from model.text import t

NEWS_STEPS = 4  # the news feed shows the events of the last few steps
INDUSTRIES = ("automotive", "electronics", "defence", "energy")
TOP_PRODUCERS = 5  # named in the stage-control view; the rest are "others"
TOP_FLOWS = 12
KEY_MOVES = ("tariff", "export_control", "subsidy", "shock", "accepted", "breach", "join", "leave")


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["step"] == frame["step"].max()] if not frame.empty else frame


def news(tables: dict, now: int, steps: int = NEWS_STEPS) -> pd.DataFrame:
    """The last ``steps`` steps' events, newest first."""
    events = tables["events"]
    recent = events[events["step"] > now - steps]
    return recent.iloc[::-1].reset_index(drop=True)


def scoreboard(tables: dict) -> pd.DataFrame:
    """Every economy's latest score, best first, with its rank."""
    now = latest(tables["countries"])
    board = now[["country", "score", "shortage_share", "gdp_index"]]
    board = board.sort_values("score", ascending=False).reset_index(drop=True)
    board.insert(0, "rank", range(1, len(board) + 1))
    return board


def prices(tables: dict, mineral: str, stage: str, countries: list[str]) -> pd.DataFrame:
    """Delivered price of one good by step (rows) and importer (columns)."""
    frame = tables["prices"]
    chosen = frame[
        (frame["mineral"] == mineral) & (frame["stage"] == stage) & frame["country"].isin(countries)
    ]
    return chosen.pivot_table(index="step", columns="country", values="price")


def stage_shares(tables: dict, mineral: str) -> pd.DataFrame:
    """Who controls each stage of a mineral's chain: latest production shares by stage."""
    production = latest(tables["production"])
    chosen = production[production["mineral"] == mineral]
    table = chosen.pivot_table(index="stage", columns="country", values="production", aggfunc="sum")
    table = table.div(table.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    leaders = table.max(axis=0).sort_values(ascending=False).index[:TOP_PRODUCERS]
    shares = table[list(leaders)].copy()
    shares[t("ui.others")] = (1.0 - shares.sum(axis=1)).clip(lower=0.0)
    order = [s for s in ("mined", "refined", "magnets") if s in shares.index]
    return shares.loc[order + [s for s in shares.index if s not in order]]


def top_flows(tables: dict, mineral: str, stage: str, n: int = TOP_FLOWS) -> pd.DataFrame:
    """The largest cross-border flows of one good in the latest step."""
    flows = latest(tables["flows"])
    chosen = flows[
        (flows["mineral"] == mineral)
        & (flows["stage"] == stage)
        & (flows["exporter"] != flows["importer"])
        & (flows["tonnes"] > 0)
    ]
    total = chosen["tonnes"].sum()
    top = chosen.nlargest(n, "tonnes")[["exporter", "importer", "tonnes"]].copy()
    top["share"] = top["tonnes"] / total if total > 0 else 0.0
    return top.reset_index(drop=True)


def industry(tables: dict, countries: list[str]) -> pd.DataFrame:
    """Industry output (1 = as much as in the base year) and shortage, by economy."""
    now = latest(tables["countries"])
    columns = ["country", *(f"industry_{name}" for name in INDUSTRIES), "shortage_share"]
    chosen = now[now["country"].isin(countries)][columns]
    order = {code: k for k, code in enumerate(countries)}
    return chosen.sort_values("country", key=lambda s: s.map(order)).reset_index(drop=True)


def deals_ledger(tables: dict) -> pd.DataFrame:
    """Each deal's latest status, newest first."""
    deals = tables["deals"]
    if deals.empty:
        return deals
    last = deals.groupby("deal_id").tail(1)
    return last.sort_values(["step", "deal_id"], ascending=False).reset_index(drop=True)


def describe_terms(terms: str | dict) -> str:
    """Deal terms in one short line: ``mineral refined, max_rate 0.1``."""
    values = json.loads(terms) if isinstance(terms, str) else terms
    return ", ".join(
        f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items()
    )


def inbox(world, code: str) -> list[dict]:
    """Offers waiting for ``code``'s answer (they lapse if unanswered at the next step)."""
    return [
        {
            "deal_id": deal.deal_id,
            "deal": deal.deal,
            "proposer": deal.parties[0] if deal.parties[1] == code else deal.parties[1],
            "terms": dict(deal.terms),
            "duration": deal.duration,
            "round": round_,
        }
        for deal, responder, round_ in world.state.waiting
        if responder == code
    ]


def timeline(tables: dict) -> pd.DataFrame:
    """The key moves of the game: measures, deals made and broken, shocks."""
    events = tables["events"]
    return events[events["action"].isin(KEY_MOVES)].reset_index(drop=True)


def comparison(played: dict, without: dict, code: str) -> pd.DataFrame:
    """How ``code`` did in the game against the same seed without its actions."""
    rows = []
    for label, tables in ((t("ui.debrief_played"), played), (t("ui.debrief_without"), without)):
        now = latest(tables["countries"])
        row = now[now["country"] == code].iloc[0]
        rank = int((now["score"] > row["score"]).sum()) + 1
        rows.append(
            {
                "game": label,
                "score": row["score"],
                "rank": rank,
                "shortage_share": row["shortage_share"],
                "industry_output": row["industry_output"],
                "gdp_index": row["gdp_index"],
            }
        )
    return pd.DataFrame(rows)
