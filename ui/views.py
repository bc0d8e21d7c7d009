"""What the pages show, as small tables cut from the World's output tables.

Pure pandas, no Solara: the single-player page, the classroom pages and the tests read
the same views.
"""

from collections.abc import Mapping

import pandas as pd

from model.data.tables import TABLES
from model.data.world_data import NAMED_INDUSTRIES
from model.game import totals
from model.game.deals import deal_name
from model.game.deals import describe_terms as describe_terms  # the pages say terms too
from model.game.debrief import key_moves, latest_deals
from model.game.decisions import waiting_offers
from model.text import economy_name, language, listed_name, t

inbox = waiting_offers  # offers waiting for a country's answer
timeline = key_moves  # the game's key moves, for the debrief

NEWS_STEPS = 4  # the news feed shows the events of the last few steps
INDUSTRIES = NAMED_INDUSTRIES  # "other" collects the rest and is not drawn
TOP_PRODUCERS = 5  # named in the stage-control view; the rest are "others"
TOP_FLOWS = 12


class Tables(Mapping):
    """A game's output tables at one moment, compared by identity.

    Components compare their arguments to decide whether to redraw; comparing six
    DataFrames cell by cell on every redraw cost a third of a step's page time. Given a
    recorder instead of tables, each table is built the first time a panel reads it: the
    page as it opens reads two of the six (scores and news), the closed tabs the others.
    """

    def __init__(self, tables: dict[str, pd.DataFrame] | None = None, recorder=None):
        self._tables = dict(tables or {})
        self._recorder = recorder

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            if self._recorder is None or name not in TABLES:
                raise KeyError(name)
            self._tables[name] = self._recorder.table(name)
        return self._tables[name]

    def __iter__(self):
        return iter(TABLES if self._recorder is not None else self._tables)

    def __len__(self) -> int:
        return len(TABLES if self._recorder is not None else self._tables)

    __eq__ = object.__eq__
    __hash__ = object.__hash__


def with_names(frame: pd.DataFrame, *fields: str) -> pd.DataFrame:
    """``frame`` as a person reads it: the economies' codes in ``fields`` as their names.
    The tables a page offers to download keep the codes."""
    return frame.assign(**{field: frame[field].map(listed_name) for field in fields})


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["step"] == frame["step"].max()] if not frame.empty else frame


def news(tables: dict, now: int, steps: int = NEWS_STEPS) -> pd.DataFrame:
    """The last ``steps`` steps' events, newest first."""
    events = tables["events"]
    recent = events[events["step"] > now - steps]
    return recent.iloc[::-1].reset_index(drop=True)


def scoreboard(tables: dict) -> pd.DataFrame:
    """Every economy, best first by its points over the game so far (the total of its
    quarterly scores), with its rank and its latest score, shortage and GDP index."""
    countries = tables["countries"]
    now = latest(countries)
    board = now[["country", "score", "shortage_share", "gdp_index"]]
    board.insert(1, "points", board["country"].map(totals.points(countries)))
    board = board.sort_values("points", ascending=False, kind="stable").reset_index(drop=True)
    board.insert(0, "rank", range(1, len(board) + 1))
    return board


def prices(tables: dict, mineral: str, stage: str, countries: list[str]) -> pd.DataFrame:
    """Delivered price of one good by step (rows) and importer (columns)."""
    frame = tables["prices"]
    chosen = frame[
        (frame["mineral"] == mineral) & (frame["stage"] == stage) & frame["country"].isin(countries)
    ]
    return chosen.pivot(index="step", columns="country", values="price")


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


def shortage_history(tables: dict, countries: list[str]) -> pd.DataFrame:
    """Shortage share in per cent by step (rows) and economy (columns)."""
    frame = tables["countries"]
    chosen = frame[frame["country"].isin(countries)]
    return chosen.pivot(index="step", columns="country", values="shortage_share") * 100.0


def deals_ledger(tables: dict) -> pd.DataFrame:
    """Each deal's latest status, newest first."""
    return latest_deals(tables, newest_first=True)


def ledger_in_words(
    ledger: pd.DataFrame,
    refs: dict[int, str] | None = None,
    clubs: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The deals ledger with kinds, statuses and terms as a person reads them; a deal made
    from a class delegation's offer shows its ref beside its number (``refs``: World.deal_refs),
    a coalition its name in words (``clubs``: World.club_names)."""
    if refs:
        ledger = ledger.assign(
            deal_id=[deal_name(deal, refs) for deal in ledger["deal_id"].tolist()]
        )
    return ledger.assign(
        parties=[
            f"{economy_name(a, language())}, {economy_name(b, language())}"
            for a, b in zip(ledger["proposer"], ledger["partner"], strict=True)
        ],
        kind=ledger["kind"].map(lambda kind: t(f"deals.kind_{kind}")),
        status=ledger["status"].map(lambda status: t(f"ui.status_{status}")),
        terms=ledger["terms"].map(lambda terms: describe_terms(terms, clubs)),
    )


def comparison(played: dict, without: dict, code: str) -> pd.DataFrame:
    """How ``code`` did in the game against the same seed without its actions: its points
    over the game and its rank by them among every economy, then the last quarter's score,
    shortage, industry output and GDP index."""
    rows = []
    for label, tables in ((t("ui.debrief_played"), played), (t("ui.debrief_without"), without)):
        now = latest(tables["countries"])
        row = now[now["country"] == code].iloc[0]
        total = totals.points(tables["countries"])
        rank = int((total > total[code]).sum()) + 1
        rows.append(
            {
                "game": label,
                "points": total[code],
                "score": row["score"],
                "rank": rank,
                "shortage_share": row["shortage_share"],
                "industry_output": row["industry_output"],
                "gdp_index": row["gdp_index"],
            }
        )
    return pd.DataFrame(rows)
