"""Event cards: real moves from recent history a teacher fires into a class game.

A card is a TOML file under ``configs/cards/``: a ``[card]`` table (title, description
citing the source) and ``[[events]]`` in the scenario format, checked by the scenario's
own rules against the game's world. Only ``step`` differs: it counts from the quarter
the class plays next (1 = next quarter), because a teacher fires a card mid-game.
"""

import tomllib
from dataclasses import dataclass

from agents.actions import Action
from agents.controllers import action_from_event
from model.data.scenario import ScenarioError, display_path, validate_scenario
from model.data.world_data import CONFIG_DIR
from model.text import from_data, languages, t

CARDS_DIR = CONFIG_DIR / "cards"
KEYS = ("card", "events")
CARD_KEYS = ("title", "description")
# The same words in another language: title_fr, description_fr (model.text.from_data).
TRANSLATED_KEYS = tuple(f"{key}_{lang}" for lang in languages()[1:] for key in CARD_KEYS)


@dataclass(frozen=True)
class Card:
    name: str
    title: str
    description: str
    actions: list[tuple[int, Action]]  # (relative step, action), in file order


def card_names() -> list[str]:
    return sorted(path.stem for path in CARDS_DIR.glob("*.toml"))


def load_card(name: str, world: str) -> Card:
    """The card called ``name``, its events checked against ``world``; ScenarioError if wrong."""
    if name not in card_names():
        raise ScenarioError(t("classroom.no_card", name=name, allowed=", ".join(card_names())))
    path = CARDS_DIR / f"{name}.toml"
    file = display_path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(t("classroom.card_unreadable", file=file, reason=error)) from None
    header = data.get("card")
    for key in data:
        if key not in KEYS:
            raise ScenarioError(
                t("classroom.card_unknown_key", file=file, key=key, allowed=", ".join(KEYS))
            )
    for key in header if isinstance(header, dict) else {}:
        if key not in CARD_KEYS + TRANSLATED_KEYS:
            raise ScenarioError(
                t(
                    "classroom.card_unknown_key",
                    file=file,
                    key=f"card.{key}",
                    allowed=", ".join(CARD_KEYS + TRANSLATED_KEYS),
                )
            )
    for key in CARD_KEYS:
        value = header.get(key) if isinstance(header, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(t("classroom.card_missing", file=file, key=f"card.{key}"))
    for key in TRANSLATED_KEYS:
        value = header.get(key, "x")
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(t("classroom.card_missing", file=file, key=f"card.{key}"))
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise ScenarioError(t("classroom.card_missing", file=file, key="events"))
    # The scenario's checks, on a one-off scenario holding the card's events.
    spec = validate_scenario(
        {
            "scenario": {
                "name": name,
                "title": header["title"],
                "world": world,
                "steps": 1,
                "seed": 0,
            },
            "events": events,
        },
        source=path,
    )
    # Tidy the words before from_data: its answer is a sentence that can be said again in
    # another language (the news of the card's moves), which str methods would flatten.
    words = {
        key: " ".join(value.split()) for key, value in header.items() if isinstance(value, str)
    }
    return Card(
        name,
        from_data(words, "title"),
        from_data(words, "description"),
        [(event.step, action_from_event(event)) for event in spec.events],
    )
