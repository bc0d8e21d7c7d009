"""The game's result: each economy's points over the game, the total of its quarterly scores.

A quarter's score (the countries table's ``score``) is a flow: that quarter's welfare
against the same world where nobody acted, in basis points of that quarter's mineral
economy (docs/scoring.md). A game is won over all its quarters, as the Beer Game compares
teams' total costs: every ranking of a game ranks by the total over the quarters played, so
a delegation embargoed for eleven quarters that recovers in the twelfth does not win by its
last quarter. The tables keep the quarter's score; the totals are summed where they are
shown.
"""

import pandas as pd


def over_quarters(
    countries: pd.DataFrame,
    after: int = 0,
    upto: int | None = None,
    columns: tuple[str, ...] = ("score",),
) -> pd.DataFrame:
    """Each economy's total of ``columns`` over the quarters after ``after`` up to ``upto``
    (the last one recorded when None), indexed by country code."""
    steps = countries["step"]
    played = (steps > after) if upto is None else (steps > after) & (steps <= upto)
    return countries[played].groupby("country", sort=False)[list(columns)].sum()


def points(countries: pd.DataFrame, after: int = 0, upto: int | None = None) -> pd.Series:
    """Each economy's points over the quarters after ``after`` up to ``upto``: the game's
    result so far when ``after`` is 0."""
    return over_quarters(countries, after, upto)["score"].rename("points")
