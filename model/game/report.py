"""What a round did, for the room and for each delegation.

The projector shows the class's delegations only, ranked on ``score`` (each against its own
no-action path, so the ranking is fair across roles), the round's headlines with the
students' moves first and the AI's summarised, and the prices that moved most. Each
delegation gets "what happened to you": its score change and the parts it came from, the
measures that hit it, and the prices that matter to it. Everything here reads the World's
output tables; columns another part of the game adds later (score components, event
importance) are used when they are there.
"""

import numpy as np
import pandas as pd

COMPONENTS = (
    "score_consumers",
    "score_producers",
    "score_transfers",
    "score_downstream",
    "score_objectives",
)
MEASURES = ("tariff", "export_control", "subsidy", "stockpile", "shock")
MOVERS = 5  # prices shown as having moved most
MATTERS = 3  # goods whose prices matter to a delegation
AI_HEADLINES = 3  # AI moves named one by one on the projector; the rest are counted


def leaderboard(tables: dict, seats: list[str], now: int, since: int) -> pd.DataFrame:
    """The class's delegations after quarter ``now``, best first: score, its change since
    quarter ``since`` and, when the table has them, the score's components."""
    countries = tables["countries"]
    columns = ["country", "score", "change", *[c for c in COMPONENTS if c in countries]]
    if countries.empty or now < 1:
        return pd.DataFrame(columns=["rank", *columns])
    latest = countries[(countries["step"] == now) & countries["country"].isin(seats)]
    before = countries[countries["step"] == since].set_index("country")["score"]
    board = latest.assign(
        change=latest["country"].map(before).rsub(latest["score"]).fillna(0.0)
        if since >= 1
        else 0.0
    )
    board = board.sort_values("score", ascending=False, kind="stable")[columns]
    return board.assign(rank=np.arange(1, len(board) + 1))[["rank", *columns]].reset_index(
        drop=True
    )


def events_between(tables: dict, since: int, now: int) -> pd.DataFrame:
    events = tables["events"]
    return events[(events["step"] > since) & (events["step"] <= now)]


def targets(row) -> list[str]:
    """The codes an event names as its targets ("all" for every partner)."""
    value = getattr(row, "targets", None)
    if value is None:
        value = getattr(row, "target", "")
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def headlines(tables: dict, people: list[str], since: int, now: int) -> dict:
    """The round's news for the room: the students' own moves first (every one), then the
    AI's most important moves, the rest counted by kind."""
    events = events_between(tables, since, now)
    ours = events[events["actor"].isin(people)]
    theirs = events[~events["actor"].isin(people)]
    if "importance" in theirs:
        theirs = theirs.sort_values("importance", key=lambda s: s.ne("headline"), kind="stable")
    named = theirs.head(AI_HEADLINES)
    rest = theirs.iloc[AI_HEADLINES:]
    return {
        "students": list(ours["detail"]),
        "ai": list(named["detail"]),
        "ai_counts": rest["action"].value_counts().to_dict(),
    }


def movers(tables: dict, world_prices: dict, since: int, now: int, n: int = MOVERS) -> pd.DataFrame:
    """The ``n`` goods whose average price moved most (in %) from quarter ``since`` to
    ``now``; ``world_prices`` gives the base-year price of each (mineral, stage) for 0."""
    prices = tables["prices"]
    columns = ["mineral", "stage", "before", "after", "change"]
    if prices.empty or now < 1:
        return pd.DataFrame(columns=columns)
    # The producers' price: what a good costs at the mine or refinery gate, before each
    # market's tariffs and freight (those are the same every round and move nothing).
    column = "producer_price" if "producer_price" in prices else "price"
    mean = prices.groupby(["step", "mineral", "stage"])[column].mean()
    after = mean.loc[now]
    if since >= 1 and since in mean.index.get_level_values(0):
        before = mean.loc[since]
    else:
        before = pd.Series(world_prices).reindex(after.index)
    frame = pd.DataFrame({"before": before, "after": after}).dropna()
    frame = frame[frame["before"] > 0]
    frame["change"] = frame["after"] / frame["before"] - 1.0
    frame = frame.reindex(frame["change"].abs().sort_values(ascending=False).index)
    return (
        frame.head(n)
        .reset_index()
        .rename(columns={"level_0": "mineral", "level_1": "stage"})[columns]
    )


def what_happened(tables: dict, code: str, since: int, now: int) -> dict:
    """``code``'s round: its score change and the parts it came from, its own moves, the
    measures others took against it, and the prices of the goods it uses most."""
    countries = tables["countries"]
    mine = countries[countries["country"] == code].set_index("step")
    result = {"played": now >= 1 and now in mine.index}
    if not result["played"]:
        return result
    score = float(mine.at[now, "score"])
    before = float(mine.at[since, "score"]) if since in mine.index else None
    result["score"] = score
    result["change"] = None if before is None else score - before
    result["components"] = {
        name: float(mine.at[now, name])
        - (float(mine.at[since, name]) if before is not None else 0.0)
        for name in COMPONENTS
        if name in mine
    }
    hits, yours = [], []
    for row in events_between(tables, since, now).itertuples():
        if row.actor == code:
            yours.append(row.detail)
        aimed = targets(row)
        if row.actor != code and row.action in MEASURES and (code in aimed or "all" in aimed):
            hits.append(row.detail)
    result["hits"] = hits
    result["yours"] = yours
    result["prices"] = _prices_that_matter(tables, code, since, now)
    return result


def _prices_that_matter(tables: dict, code: str, since: int, now: int) -> list[dict]:
    production, prices = tables["production"], tables["prices"]
    used = production[(production["step"] == now) & (production["country"] == code)]
    mine = prices[prices["country"] == code].set_index(["step", "mineral", "stage"])["price"]
    if used.empty or mine.empty:
        return []
    used = used.assign(
        value=[
            row.final_use * mine.get((now, row.mineral, row.stage), 0.0)
            for row in used.itertuples()
        ]
    )
    used = used[used["value"] > 0].sort_values("value", ascending=False).head(MATTERS)
    rows = []
    for row in used.itertuples():
        after = float(mine.get((now, row.mineral, row.stage), np.nan))
        before = float(mine.get((since, row.mineral, row.stage), np.nan))
        change = after / before - 1.0 if before and np.isfinite(before) else None
        rows.append({"mineral": row.mineral, "stage": row.stage, "price": after, "change": change})
    return rows
