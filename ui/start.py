"""Knowing what you are doing: the scenario cards, the mission briefing and the tutorial.

``facts`` reads a scenario file into what a player needs before choosing it (the story,
the real events it replays, its length, who can be played, whether anyone answers);
``mission`` is the briefing sheet of ``minerals briefing`` (model/game/briefing.py) with
the score and the partners that matter; ``hint`` is the tutorial's next step.
"""

from functools import cache, lru_cache

import numpy as np
import pandas as pd

from model.data.scenario import load_scenario
from model.engine.world import World
from model.game.briefing import COLUMNS, Use, sheet
from model.text import catalogue, language, t
from ui import words
from ui.charts import table_html
from ui.game import world_data

TUTORIAL = "tutorial"
REPLAYS_SHOWN = 5  # scripted events listed on a card
PARTNERS = 3  # suppliers and customers named in the briefing


def _known(key: str) -> bool:
    return key in catalogue(language()) or key in catalogue("en")


def quarter(start: str, step: int) -> str:
    """The label of ``step`` (1 = the start quarter) for a scenario starting ``start``."""
    year, q = int(start[:4]), int(start[-1])
    index = q - 1 + step - 1
    return t("news.quarter", year=year + index // 4, quarter=index % 4 + 1)


def facts(name: str) -> dict:
    """What the card of scenario ``name`` says, in the reader's language."""
    return _facts(name, language())


@cache
def _facts(name: str, lang: str) -> dict:
    """The card in ``lang`` (the current language; part of the key so a switch is seen)."""
    spec = load_scenario(name)
    story_key = f"game.story_{name}"
    story = t(story_key) if _known(story_key) else (spec.description or "").split(". ")[0]
    data = world_data(spec.world)
    replays = []
    for event in spec.events:
        action_key = f"game.action_{event.action}"
        replays.append(
            t(
                "game.replay_line",
                date=quarter(spec.header.start, event.step),
                actor=words.name(data, event.actor),
                action=t(action_key) if _known(action_key) else event.action,
                good=words.good(event.mineral, event.stage),
            )
        )
    scripted = sorted({event.actor for event in spec.events})
    passive = spec.header.controller == "passive"
    return {
        "title": spec.title,
        "story": story,
        "replays": replays,
        "length": t(
            "game.length",
            steps=spec.steps,
            first=quarter(spec.header.start, 1),
            last=quarter(spec.header.start, spec.steps),
        ),
        "players": t("game.who_plays", count=len([c for c in data.codes if c != "ROW"])),
        "scripted": [words.name(data, code) for code in scripted],
        "reacts": not passive,
        "coalitions": [club.called() for club in spec.coalitions],
    }


def mission(name: str, code: str) -> str:
    """The mission briefing of ``code`` in scenario ``name`` as Markdown."""
    return _mission(name, code, language())


@lru_cache(maxsize=32)
def _mission(name: str, code: str, lang: str) -> str:
    """The briefing in ``lang`` (the current language; part of the key so a switch is seen)."""
    world = World(load_scenario(name))
    data = world.data
    c = data.country(code)
    flows = world.calibration.flows  # (G, importer, exporter) t/step, base year
    value = flows * data.price0[:, None, None]
    bought = value[:, c, :].sum(axis=0)
    sold = value[:, :, c].sum(axis=0)
    bought[c] = sold[c] = 0.0
    if "ROW" in data.codes:  # the rest of the world is nobody to talk to
        bought[data.country("ROW")] = sold[data.country("ROW")] = 0.0
    suppliers = [
        words.name(data, data.codes[j]) for j in np.argsort(-bought)[:PARTNERS] if bought[j] > 0
    ]
    customers = [
        words.name(data, data.codes[j]) for j in np.argsort(-sold)[:PARTNERS] if sold[j] > 0
    ]
    parts = [
        t("game.mission_goal", name=words.name(data, code)),
        t("game.mission_score"),
        sheet(world, code, table=lambda uses: _table(uses, words.name(data, code)))
        .replace("\n## ", "\n### ")
        .replace("# ", "### ", 1),
        t(
            "game.mission_partners",
            suppliers=", ".join(suppliers) or t("game.none"),
            customers=", ".join(customers) or t("game.none"),
        ),
    ]
    facts_ = facts(name)
    if code in [c_ for c_ in data.codes if words.name(data, c_) in facts_["scripted"]]:
        parts.append(t("game.mission_scripted"))
    if not facts_["reacts"]:
        parts.append(t("game.mission_passive"))
    return "\n\n".join(parts)


FORMATS = {"tonnes": "{:,.0f}", "home": "{:.0%}"}  # the sheet's own (briefing.table_row)


def _table(uses: list[Use], name: str) -> list[str]:
    """The dependency table as one line of HTML in the Markdown: named for a screen reader
    (a Markdown table has no name), each good a card of its own on a phone."""
    frame = pd.DataFrame([vars(use) for use in uses], columns=list(COLUMNS))
    columns = [(c, t(f"briefing.col_{c}"), "", FORMATS.get(c, "{}")) for c in COLUMNS]
    return [table_html(frame, columns, t("game.mission_table", name=name))]


def hint(step: int, queued: int, finished: bool) -> str:
    """The tutorial's next instruction: what to do now, naming the control to use."""
    if finished:
        return t("game.hint_done")
    if queued:
        return t("game.hint_step")
    return t(f"game.hint_{min(step, 4)}")
