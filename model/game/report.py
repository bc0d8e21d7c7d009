"""What a round did, for the room and for each delegation.

The projector shows the class's delegations only, ranked on their points over the game so
far (the total of their quarterly scores, each against its own no-action path, so the
ranking is fair across roles; ``model/game/totals.py``) and the points the round added, the
round's headlines with the students' moves first and the AI's summarised, and the prices
that moved most. Each delegation gets "what happened to you": the points its round earned
and the parts they came from, the measures that hit it, and the prices that matter to it.
Everything here reads the World's output tables; columns another part of the game adds
later (score components, event importance) are used when they are there.
"""

import json
from html import escape

import numpy as np
import pandas as pd

from agents.controllers import PLAYER
from model.engine.metrics import SCORE_COLUMNS
from model.game.deals import DealStory, answering, deal_stories
from model.game.totals import points

COMPONENTS = SCORE_COLUMNS[1:]  # the score's parts, as the countries table names them
MEASURES = ("tariff", "export_control", "subsidy", "stockpile", "shock")
MOVERS = 5  # prices shown as having moved most
MATTERS = 3  # goods whose prices matter to a delegation
AI_HEADLINES = 3  # AI moves named one by one on the projector; the rest are counted
DEBRIEF_WORDS = (
    "title",
    "ranking",
    "delegation",
    "points",
    "path",
    "moves",
    "hits",
    "history",
    "no_cards",
    "questions",
    "deals",
    "kept",
    "broken",
    "not_agreed",
    "none",
)
# the printable debrief's deal sections: the outcomes each lists (model/game/deals.py)
DEAL_SECTIONS = (("kept", ("kept",)), ("broken", ("broken",)), ("not_agreed", ("refused", "open")))


def leaderboard(tables: dict, seats: list[str], now: int, since: int) -> pd.DataFrame:
    """The class's delegations after quarter ``now``, best first by ``points``, their
    points over the game so far (the total of their quarterly scores), with ``change``, the
    points of the quarters after ``since`` (the round's), and ``score``, quarter ``now``'s
    own score."""
    countries = tables["countries"]
    columns = ["country", "points", "change", "score"]
    if countries.empty or now < 1:
        return pd.DataFrame(columns=["rank", *columns])
    latest = countries[(countries["step"] == now) & countries["country"].isin(seats)]
    board = latest.assign(
        points=latest["country"].map(points(countries, upto=now)),
        change=latest["country"].map(points(countries, after=since, upto=now)),
    )
    board = board.sort_values("points", ascending=False, kind="stable")[columns]
    return board.assign(rank=np.arange(1, len(board) + 1))[["rank", *columns]].reset_index(
        drop=True
    )


def events_between(tables: dict, since: int, now: int) -> pd.DataFrame:
    events = tables["events"]
    return events[(events["step"] > since) & (events["step"] <= now)]


def _decided_by(events: pd.DataFrame, codes: list[str]) -> pd.Series:
    """The rows the delegations of ``codes`` decided themselves (not their script's)."""
    return events["actor"].isin(codes) & (events["decided_by"] == PLAYER)


def _breaches_of(events: pd.DataFrame, codes: list[str]) -> pd.Series:
    """The broken deals and coalition pledges of which a country of ``codes`` is the
    breaker or a victim (the World finds them: nobody's decision in the table)."""
    named = events["target"].fillna("").astype(str).str.split(",")
    victim = named.map(lambda names: not set(names).isdisjoint(codes)).astype(bool)
    return (events["action"] == "breach") & (events["actor"].isin(codes) | victim)


def targets(row) -> list[str]:
    """The codes an event names as its targets ("all" for every partner)."""
    value = getattr(row, "targets", None)
    if value is None:
        value = getattr(row, "target", "")
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def headlines(
    tables: dict,
    people: list[str],
    since: int,
    now: int,
    refs: dict[int, str] | None = None,
) -> dict:
    """The round's news for the room: the delegations' own moves (their counter-offers
    among them, and the deals broken by or against them) first, every one, then the rest of
    the world's most important news (the AI's moves, the scenario's history, outages), the
    rest counted by kind. What a delegation reads of its government's real moves is advice
    to it alone, not news for the room. ``refs``: World.deal_refs, to name the deals."""
    events = events_between(tables, since, now)
    events = events[events["action"] != "history"]
    own = _decided_by(events, people) | _breaches_of(events, people)
    ours, theirs = events[own], events[~own]
    if "importance" in theirs:
        theirs = theirs.sort_values("importance", key=lambda s: s.ne("headline"), kind="stable")
    named = theirs.head(AI_HEADLINES)
    rest = theirs.iloc[AI_HEADLINES:]
    countered = counters_made(tables, people, since, now, refs)
    return {
        # details, and ("more", actor, count) for long runs
        "students": _grouped(ours) + countered,
        "ai": list(named["detail"]),
        "ai_counts": rest["action"].value_counts().to_dict(),
    }


def _grouped(events: pd.DataFrame, shown: int = 2) -> list[str]:
    """Each event's detail, but a run of the same move by the same actor (a scenario's 42
    invitations) shows its first ``shown`` and then how many more."""
    lines = []
    for (actor, _action), group in events.groupby(["actor", "action"], sort=False):
        lines += list(group["detail"].head(shown))
        if len(group) > shown:
            lines.append(("more", actor, len(group) - shown))
    return lines


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


def counters_made(
    tables: dict,
    codes: list[str],
    since: int,
    now: int,
    refs: dict[int, str] | None = None,
) -> list[str]:
    """The counter-offers the countries of ``codes`` made in quarters ``since`` < q <=
    ``now``, each in a sentence: moves of theirs the events table does not hold (the deals
    table does)."""
    return [
        said
        for story in deal_stories(tables, refs or {}, str)  # a counter's sentence has no date
        for step, by, said in story.counters
        if by in codes and since < step <= now
    ]


def what_happened(
    tables: dict,
    code: str,
    since: int,
    now: int,
    refs: dict[int, str] | None = None,
) -> dict:
    """``code``'s round: its points over the game so far (``points``), the round's points
    (``change``, the quarters after ``since``; None in the first round, whose points are
    all there are) and the parts they came from, quarter ``now``'s ``score``, its own moves
    (its counter-offers among them), the measures others took against it, and the prices of
    the goods it uses most. ``refs``: World.deal_refs, to name the deals."""
    countries = tables["countries"]
    mine = countries[countries["country"] == code].set_index("step")
    result = {"played": now >= 1 and now in mine.index}
    if not result["played"]:
        return result
    played = mine[mine.index <= now]
    rounds = played[played.index > since]  # the round's quarters
    result["points"] = float(played["score"].sum())
    result["score"] = float(mine.at[now, "score"])
    result["change"] = float(rounds["score"].sum()) if since >= 1 else None
    result["components"] = {name: float(rounds[name].sum()) for name in COMPONENTS if name in mine}
    events = events_between(tables, since, now)
    yours = list(events.loc[_decided_by(events, [code]), "detail"])  # not its scripted history
    hits = []
    for row in events.itertuples():
        aimed = targets(row)
        if row.actor != code and row.action in MEASURES and (code in aimed or "all" in aimed):
            hits.append(row.detail)
    result["hits"] = hits
    result["yours"] = yours + counters_made(tables, [code], since, now, refs)
    result["answers"] = _answers(tables, events, code, since, now)
    result["breaches"] = list(events.loc[_breaches_of(events, [code]), "detail"])
    result["prices"] = _prices_that_matter(tables, code, since, now)
    return result


def _answers(tables: dict, events: pd.DataFrame, code: str, since: int, now: int) -> list:
    """What became of ``code``'s offers (and counter-offers) in the round, the class's
    delegations' answers first: accepted, and in force until when, or rejected (the news
    says so), or countered: ("countered", who, kind of deal) from the deals table (a
    counter-offer waits for ``code``'s answer). The computer's answers to a coalition's
    invitations come last, counted: ("club", coalition, accepted, rejected), not forty
    lines that bury the class's own deal."""
    answered = events[events["action"].isin(("accepted", "rejected")) & (events["actor"] != code)]
    to_code = [code in targets(row) for row in answered.itertuples()]
    answered = answered[np.array(to_code, dtype=bool)]
    people = answered["decided_by"] == PLAYER
    told: list = list(answered.loc[people, "detail"])
    computer: list = []
    clubs: dict[str, dict[str, int]] = {}
    invited = _club_invitations(tables["deals"], code, since, now)
    for row in answered[~people].itertuples():
        club = invited.get((row.step, row.actor, row.action))
        if club is None:
            computer.append(row.detail)
        else:
            clubs.setdefault(club, {"accepted": 0, "rejected": 0})[row.action] += 1
    deals = tables["deals"]
    mine = deals[
        ((deals["proposer"] == code) | (deals["partner"] == code)) & (deals["step"] <= now)
    ]
    for _, rows in mine.groupby("deal_id", sort=False):
        last = rows.iloc[-1]
        if last["status"] != "countered" or last["step"] <= since:
            continue
        counters = int((rows["status"] == "countered").sum())  # the last one made by:
        by = answering(last["proposer"], last["partner"], counters - 1)
        if by != code:
            told.append(("countered", by, last["kind"]))
    counted = [("club", club, n["accepted"], n["rejected"]) for club, n in clubs.items()]
    return told + computer + counted


def _club_invitations(deals: pd.DataFrame, code: str, since: int, now: int) -> dict:
    """(step, who answered, accepted or rejected) -> the coalition, for the answers to
    ``code``'s invitations into a coalition in the round. A pair that also answered
    another kind of offer the same way that quarter is left out: its news line, one
    sentence among the deals, cannot say which it was."""
    answers = deals[
        deals["step"].between(since + 1, now)
        & deals["status"].isin(("accepted", "rejected"))
        & (deals["proposer"] == code)
    ]
    invited: dict = {}
    mixed = set()
    for row in answers.itertuples():
        key = (row.step, row.partner, row.status)
        club = json.loads(row.terms).get("coalition") if row.kind == "coalition" else None
        if key in invited and invited[key] != club:
            mixed.add(key)
        invited[key] = club
    return {key: club for key, club in invited.items() if club and key not in mixed}


def _prices_that_matter(tables: dict, code: str, since: int, now: int) -> list[dict]:
    production, prices = tables["production"], tables["prices"]
    used = production[(production["step"] == now) & (production["country"] == code)]
    # only my two quarters' prices, as a dict: thirty delegations' tabs read this each round
    wanted = (prices["country"] == code) & prices["step"].isin((since, now))
    chosen = prices[wanted]
    mine = dict(
        zip(
            zip(chosen["step"], chosen["mineral"], chosen["stage"], strict=True),
            chosen["price"],
            strict=True,
        )
    )
    if used.empty or not mine:
        return []
    used = used.assign(
        value=[
            final_use * mine.get((now, mineral, stage), 0.0)
            for final_use, mineral, stage in zip(
                used["final_use"], used["mineral"], used["stage"], strict=True
            )
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


def debrief_page(
    title: str,
    story: str,
    seats: dict[str, str],
    tables: dict,
    quarter_label,
    cards: list[tuple[str, str]],
    questions: list[str],
    words: dict[str, str],
    lang: str = "en",
    refs: dict[int, str] | None = None,
) -> str:
    """The class debrief as one printable HTML page: the final leaderboard (by points over
    the game), the deals the delegations kept, broke or did not agree on, each delegation's
    score quarter by quarter (0 is its own no-action path) and their total, its moves
    (counter-offers and breaches among them) and the measures that hit it, what really
    happened (the event cards fired, with their sources) and the debrief questions.
    ``seats`` maps codes to names; ``words`` holds the headings, in the language ``lang``
    the page declares; ``refs``: World.deal_refs."""
    countries = tables["countries"]
    now = int(countries["step"].max()) if not countries.empty else 0
    board = leaderboard(tables, list(seats), now, 0)
    out = [f"<h1>{escape(words['title'])}: {escape(title)}</h1>", f"<p>{escape(story)}</p>"]
    out.append(f"<h2>{escape(words['ranking'])}</h2><table><tr><th>#</th>")
    out.append(f"<th>{escape(words['delegation'])}</th><th>{escape(words['points'])}</th></tr>")
    for row in board.itertuples():
        out.append(
            f"<tr><td>{row.rank}</td><td>{escape(seats[row.country])}</td>"
            f"<td>{row.points:+.1f}</td></tr>"
        )
    out.append("</table>")
    stories = [
        story
        for story in deal_stories(tables, refs or {}, quarter_label)
        if not seats.keys().isdisjoint(story.parties)
    ]
    out += _deal_sections(stories, words)
    steps = sorted(countries["step"].unique()) if not countries.empty else []
    events = tables["events"]
    for code, name in seats.items():
        out.append(f"<section><h2>{escape(name)} ({escape(code)})</h2>")
        path = countries[countries["country"] == code].set_index("step")["score"]
        cells = "".join(f"<th>{escape(quarter_label(int(s)))}</th>" for s in steps)
        cells += f"<th>{escape(words['points'])}</th>"
        values = "".join(f"<td>{path.get(s, float('nan')):+.1f}</td>" for s in steps)
        values += f"<td>{path.sum():+.1f}</td>"
        out.append(
            f"<p>{escape(words['path'])}</p><table><tr>{cells}</tr><tr>{values}</tr></table>"
        )
        happened = what_happened(tables, code, 0, now) if now else {"played": False}
        out.append(f"<h3>{escape(words['moves'])}</h3>")
        out += _listed(
            [f"{quarter_label(step)}: {said}" for step, said in _moves(events, stories, code)],
            words,
        )
        if happened.get("played"):
            out.append(f"<h3>{escape(words['hits'])}</h3>")
            out += _listed(happened["hits"][:12], words)
        out.append("</section>")
    out.append(f"<h2>{escape(words['history'])}</h2>")
    if cards:
        out += [f"<h3>{escape(t_)}</h3><p>{escape(d)}</p>" for t_, d in cards]
    else:
        out.append(f"<p>{escape(words['no_cards'])}</p>")
    out.append(f"<h2>{escape(words['questions'])}</h2><ol>")
    out += [f"<li>{escape(q)}</li>" for q in questions]
    out.append("</ol>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:2px 6px}"
        "section{page-break-inside:avoid;border-top:1px solid #ccc;margin-top:1em}"
    )
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{style}</style></head><body>"
        + "".join(out)
        + "</body></html>\n"
    )


def _moves(events: pd.DataFrame, stories: list[DealStory], code: str) -> list[tuple[int, str]]:
    """``code``'s moves quarter by quarter: its decisions, its counter-offers (the deals
    table's messages, not news) and the deals and pledges it broke."""
    own = _decided_by(events, [code]) | ((events["action"] == "breach") & (events["actor"] == code))
    moves = [(int(row.step), row.detail) for row in events[own].itertuples()]
    moves += [(step, said) for story in stories for step, by, said in story.counters if by == code]
    return sorted(moves, key=lambda move: move[0])


def _deal_sections(stories: list[DealStory], words: dict[str, str]) -> list[str]:
    """The deals a delegation was party to, by outcome, each said in one sentence."""
    out = [f"<h2>{escape(words['deals'])}</h2>"]
    for heading, outcomes in DEAL_SECTIONS:
        out.append(f"<h3>{escape(words[heading])}</h3>")
        out += _listed([story.sentence for story in stories if story.outcome in outcomes], words)
    return out


def _listed(items: list[str], words: dict[str, str]) -> list[str]:
    """A list of sentences, or "none" when there is none."""
    if not items:
        return [f"<p>{escape(words['none'])}</p>"]
    return ["<ul>", *(f"<li>{escape(item)}</li>" for item in items), "</ul>"]
