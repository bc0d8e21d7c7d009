"""Every sentence a person reads comes from here, so a French edition is a translation.

Catalogues live in ``model/locales/<lang>/<topic>.toml``; a key is ``topic.name``
(``cli.unknown_scenario``). Values are ``str.format`` templates.
"""

import os
import tomllib
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"


def language() -> str:
    """The reader's language: ``MINERALS_LANG`` if a catalogue exists for it, else English."""
    return _available(os.environ.get("MINERALS_LANG", DEFAULT_LANGUAGE))


@cache
def _available(lang: str) -> str:
    return lang if (LOCALE_DIR / lang).is_dir() else DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.toml")):
        with path.open("rb") as f:
            for name, template in tomllib.load(f).items():
                entries[f"{path.stem}.{name}"] = template
    return entries


def t(key: str, /, lang: str | None = None, **fields) -> str:
    """The sentence for ``key`` in the reader's language, with ``fields`` filled in."""
    lang = lang or language()
    template = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    return template.format(**fields)
