"""The language switch on every page, and selects that show words instead of codes.

Each browser session chooses its own language (``chosen`` is a Solara reactive variable,
so it is kept per session and every component that wrote a sentence redraws when it
changes), and the browser keeps that choice for its next visits (``localStorage``). A
session that has not chosen follows the server's default: ``MINERALS_LANG`` (``minerals
ui --lang fr``), which a class game's teacher may change for the whole class (kept in the
game's folder, so a resumed game keeps it). ``model.text.t`` asks this module
which language the current session reads.
"""

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import solara

from model import text
from model.text import t

chosen = solara.reactive(None)  # this session's choice; None: the server's default
DEFAULT_FILE = "language"  # in a class game's folder: the teacher's default for the class


def _class_folder() -> Path | None:
    folder = os.environ.get("MINERALS_CLASS_DIR")
    return Path(folder) if folder else None


def _saved_class_default() -> str | None:
    folder = _class_folder()
    if folder and (folder / DEFAULT_FILE).is_file():
        with contextlib.suppress(OSError, text.UnknownLanguage):
            return text.check_language((folder / DEFAULT_FILE).read_text(encoding="utf-8"))
    return None


_class_default = _saved_class_default()  # read once: one server process hosts one class


def server_default() -> str:
    """The default for sessions that did not choose: the class's, else ``MINERALS_LANG``."""
    return _class_default or text.environment_language()


def set_class_default(lang: str) -> None:
    """The teacher's choice of the class's language, for every session that did not choose."""
    global _class_default
    _class_default = text.check_language(lang)
    folder = _class_folder()
    if folder:
        with contextlib.suppress(OSError):  # still the default until the server restarts
            (folder / DEFAULT_FILE).write_text(_class_default, encoding="utf-8")


def session_language() -> str | None:
    """This session's choice, else the class's default; None leaves it to ``MINERALS_LANG``."""
    try:
        return chosen.value or _class_default
    except Exception:  # no Solara kernel context: not a browser session
        return None


text.set_language_source(session_language)


def _names() -> dict[str, str]:
    """Each language's own name ("Français") -> its code."""
    return {t(f"text.name_{lang}"): lang for lang in text.languages()}


@solara.component_vue("remember.vue")
def _Remembered(name: str, value: str, on_value: Callable[[str], None]):
    pass


def _remembered(lang: str) -> None:
    """A language this browser chose on an earlier visit, if it is still a catalogue."""
    if lang in text.languages() and lang != chosen.value:
        chosen.set(lang)


# Solara's own page (solara/server/templates/solara.html.j2) writes "Server disconnected." in
# English into an overlay it shows while the server is unreachable (the one at z-index 100002)
# and has no setting for that text; our pages' CSS hides it and writes the catalogue's.
_DISCONNECTED = ".v-overlay[style*='100002'] .v-progress-circular__info"


def solara_words_css() -> str:
    """CSS that says Solara's disconnection overlay in the reader's language."""
    said = t("text.server_disconnected").replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"{_DISCONNECTED} {{ font-size: 0; visibility: hidden; }}\n"
        f'{_DISCONNECTED}::after {{ content: "{said}"; visibility: visible; font-size: 1rem; '
        "line-height: 1.4; position: absolute; top: calc(100% + 16px); width: min(20em, 90vw); "
        "padding: 6px 12px; border-radius: 4px; background: rgba(0, 0, 0, 0.8); color: #fff; }\n"
    )


@solara.component
def LanguageSwitch():
    """The reader's language for this browser session, among the catalogues there are;
    the browser keeps its choice for its next visits (localStorage, ui/remember.vue).
    Solara's own words on the page (``solara_words_css``) follow it."""
    _Remembered(name="minerals-language", value=chosen.value or "", on_value=_remembered)
    solara.Style(solara_words_css())
    names = _names()
    current = text.language()
    shown = next((name for name, lang in names.items() if lang == current), None)
    solara.Select(
        label=t("text.choose"),
        values=list(names),
        value=shown,
        on_value=lambda name: chosen.set(names[name]),
        style={"max-width": "12em"},
    )


@solara.component
def ClassLanguage(on_change=None):
    """For the teacher: the class's default language, which each student may still switch."""
    names = _names()
    default, set_default = solara.use_state(server_default())

    def choose(name: str) -> None:
        set_class_default(names[name])
        set_default(names[name])
        if on_change:
            on_change()

    solara.Select(
        label=t("text.class_default"),
        values=list(names),
        value=next((name for name, lang in names.items() if lang == default), None),
        on_value=choose,
        style={"max-width": "18em"},
    )


# --- selects that show words -------------------------------------------------------------


def word(value: str, prefix: str | None) -> str:
    """A code as the reader says it: ``word("rare_earths", "news.mineral_")`` -> "terres rares"."""
    key = f"{prefix}{value}" if prefix else ""
    return t(key) if prefix and text.has(key) else str(value)


def good_words(mineral: str, stage: str = "") -> dict[str, str]:
    """``mineral`` and ``stage`` codes as words, for a sentence's ``{mineral} ({stage})``."""
    return {"mineral": word(mineral, "news.mineral_"), "stage": word(stage, "news.stage_")}


def Select(label: str, values: list, value, on_value, words: str | None = None, **kwargs):
    """``solara.Select`` whose options read as words (``words`` is the catalogue prefix)."""
    if words is None:
        return solara.Select(label=label, values=values, value=value, on_value=on_value, **kwargs)
    shown = {word(v, words): v for v in values}
    return solara.Select(
        label=label,
        values=list(shown),
        value=word(value, words) if value is not None else None,
        on_value=lambda name: on_value(shown.get(name, name)),
        **kwargs,
    )
