"""Numbers and names as a person reads them: "USD 390 m", "Japan", "refined rare earths"."""

from model.engine.policies import good_label
from model.text import listed_name, localise_number, t
from model.text import money as money  # said in the model layer too (a deal's terms)


def name(data, code: str) -> str:
    """An economy's name as a player reads it: "South Korea", "DR Congo", "European Union"
    (``listed_name``), not the data's "Korea, Republic of"; its code when it has none."""
    return listed_name(code, data.names[data.country(code)]) if code in data.codes else code


def good(mineral: str, stage: str) -> str:
    return good_label(mineral, stage)


def mineral(name_: str) -> str:
    return t(f"news.mineral_{name_}")


def stage(name_: str) -> str:
    return t(f"game.stage_{name_}")


def tonnes(value: float) -> str:
    return t("game.tonnes", value=f"{value:,.0f}")


def points(value: float, digits: int = 1) -> str:
    """A score as the page shows it: ``−2.5``, ``0.0`` (never ``−0.0``), the language's mark."""
    return _with_minus(value, f",.{digits}f", digits)


def signed(value: float, digits: int = 1) -> str:
    """``+2.5`` / ``−4,722.6``: a change, with its sign always shown (``+0.0``, never
    ``−0.0``), grouped as a score is."""
    return _with_minus(value, f"+,.{digits}f", digits)


def _with_minus(value: float, spec: str, digits: int) -> str:
    """``value`` in ``spec`` with a true minus sign, and no sign on what rounds to zero."""
    value = 0.0 if round(value, digits) == 0 else value
    return localise_number(format(value, spec)).replace("-", "−")
