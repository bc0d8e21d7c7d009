"""The news, what concerns you first: headlines and lines about you, the rest behind a filter.

An event is about you when you are its actor or among its targets. It is a headline
when the events table marks it so (``importance`` = "headline", once the score's rebuild
records it) or, before that, when it is a key move (model/game/debrief.KEY_MOVES) of a
major economy.
"""

from html import escape

import pandas as pd
import solara

from model.game.debrief import KEY_MOVES
from model.game.decisions import cost
from model.text import again, language, money, t
from ui import views

MAX_NEWS = 60
MAJOR = ("USA", "CHN", "EU", "JPN", "IND")
MINE, ALL_NEWS = "mine", "all"


def about(events: pd.DataFrame, code: str | None) -> pd.Series:
    """Which events name ``code`` as actor or target."""
    if code is None or events.empty:
        return pd.Series(False, index=events.index)
    targets = events["target"].astype(str)
    named = targets.str.contains(rf"\b{code}\b", regex=True) | (targets == "all")
    return (events["actor"] == code) | named


def headline(events: pd.DataFrame) -> pd.Series:
    if "importance" in events.columns:
        return events["importance"] == "headline"
    return events["action"].isin(KEY_MOVES) & events["actor"].isin(MAJOR)


def dated(events: pd.DataFrame) -> pd.Series:
    """The quarter a line of news is dated by: its step, or for your government's history,
    told a quarter ahead, the quarter it happened in."""
    return events["step"] + (events["action"] == "history").astype(int)


def first_for(events: pd.DataFrame, code: str | None, which: str) -> pd.DataFrame:
    """The news as shown, newest first: what is about you and the headlines (``mine``), or
    everything (``all``); within a quarter what is about you comes first."""
    if which == ALL_NEWS:
        chosen, mine = events, about(events, code)
    else:
        keep = about(events, code) | headline(events)
        chosen, mine = events[keep], about(events, code)[keep]
    return (
        chosen.assign(_date=dated(chosen), _theirs=(~mine).astype(int))
        .sort_values(["_date", "_theirs"], ascending=[False, True], kind="stable")
        .drop(columns=["_date", "_theirs"])
    )


def advised_move(world, step: int, detail: str) -> str:
    """An advice's move without its "what really happened next (date)" (the line dates it);
    as told, if it was told in words other than the reader's."""
    said = str(again(detail, language()))
    opening = t("governments.advice_history", date=world.quarter_label(step), what="")
    return said[len(opening) :] if said.startswith(opening) else said


def news_line(world, row) -> str:
    """One line of news, dated once."""
    if row.action == "history":
        step = int(row.step) + 1
        what = advised_move(world, step, row.detail)
        return t("game.news_history", date=world.quarter_label(step), what=what)
    return t("ui.news_line", date=world.quarter_label(row.step), detail=row.detail)


def what_budget_allows(world, code: str, left: float) -> str:
    """What the budget left this quarter allows of the advice "what really happened next":
    what history spent next quarter against ``left``; "" when it spent nothing."""
    spent = sum(cost(world, code, action) for action in advised(world, code))
    if spent <= 0:
        return ""
    key = "game.advice_within_budget" if spent <= left else "game.advice_beyond_budget"
    return t(key, cost=money(spent), left=money(left))


def advised(world, code: str) -> list:
    """The moves the newest advice tells of: ``code``'s history in the coming quarter."""
    if world.steps >= world.spec.steps:
        return []
    return world.country_agent(code).scripted_at(world.steps + 1)


@solara.component
def NewsFeed(world, tables: dict, country: str | None = None, budget: float | None = None):
    """The news; ``budget``: what the player may still spend this quarter, which the
    advice of what their government really did next is weighed against."""
    which, set_which = solara.use_state(MINE)
    news = views.news(tables, world.steps)
    labels = {t("game.news_mine"): MINE, t("game.news_all"): ALL_NEWS}
    with solara.Card(t("ui.news_title")):
        solara.Select(
            label=t("game.news_filter"),
            values=list(labels),
            value=next(label for label, key in labels.items() if key == which),
            on_value=lambda label: set_which(labels.get(label, MINE)),
            style={"max-width": "20em"},
        )
        if news.empty:
            solara.Text(t("ui.no_news", steps=views.NEWS_STEPS))
            return
        shown = first_for(news, country, which)
        if shown.empty:
            solara.Text(t("game.news_none_mine"))
        mine = about(shown, country).head(MAX_NEWS).to_numpy()
        allows = ""
        if country is not None and budget is not None:
            allows = what_budget_allows(world, country, budget)
        items = []  # one block of HTML, not sixty widgets: a Step redraws it fast
        for row, is_mine in zip(shown.head(MAX_NEWS).itertuples(), mine, strict=True):
            text = news_line(world, row)
            if allows and row.action == "history" and row.step == world.steps:  # the newest
                text = t("news.with_note", detail=text, note=allows)
            if row.action == "rejected" and row.target == country:  # your offer, refused
                why = t("game.news_why_refused", tab=t("ui.deals_title"))
                text = t("news.with_note", detail=text, note=why)
            text = escape(text)
            items.append(f"<li><strong>{text}</strong></li>" if is_mine else f"<li>{text}</li>")
        listing = f'<ul style="list-style:none;padding:0;margin:0">{"".join(items)}</ul>'
        solara.HTML(tag="div", unsafe_innerHTML=listing)
