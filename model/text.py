"""Every sentence a person reads comes from here, so a French edition is a translation.

Catalogues live in ``model/locales/<lang>/<topic>.toml``; a key is ``topic.name``
(``cli.unknown_scenario``). Values are ``str.format`` templates. A value may also be a
table of plural forms, ``{ n = "delay", one = "…", other = "…" }``: ``n`` names the
field whose number picks the form by the language's CLDR plural rule, so no sentence is
built by gluing "(s)" onto a word. A table with ``by`` instead picks the form named by a
field's value (ICU's ``select``), for agreement: ``{ by = "good_id", refined_lithium = …,
other = … }`` lets French write "terres rares raffinées" but "lithium raffiné".

The reader's language is, first to last: the browser session's choice (a page registers
it with ``set_language_source``), ``use_language`` around a call, ``MINERALS_LANG``, English.
A language with no catalogue is an error naming the ones there are, never silent English.
Numbers formatted through a template (``{share:.0%}``) or the helpers below follow the
language: ``1,234.5 t`` and ``12.5%`` in English, ``1 234,5 t`` and ``12,5 %`` in French.
``xx-pseudo`` is a test language: English wrapped in ⟦…⟧, so a string that escaped the
catalogues shows up unwrapped.
"""

import difflib
import math
import os
import re
import string
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from numbers import Integral, Number
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
PSEUDO = "xx-pseudo"  # every string wrapped in ⟦…⟧; see tests/test_locales.py
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")

# Thousands separator and decimal mark as each language prints them. French: a narrow
# no-break space (U+202F) between groups and before % (Imprimerie nationale's rule).
NNBSP = "\u202f"
_SEPARATORS = {"fr": (NNBSP, ",")}
_MINUS_ZERO = re.compile(r"-0(\.0+)?%?")  # a negative number that rounds to nothing
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")  # English: 1,234,567.5

_chosen: ContextVar[str | None] = ContextVar("minerals_language", default=None)
_recording: ContextVar[str | None] = ContextVar("minerals_recording", default=None)
_session_source: Callable[[], str | None] | None = None


class UnknownLanguage(ValueError):
    """A language was asked for that has no catalogue."""


class Said(str):
    """A sentence as shown, which can be said again in another language.

    ``t``, ``number``, ``percent`` and ``from_data`` return these. A news line recorded
    while a quarter is played is one; when a page shows it through ``t`` (as the field of
    ``ui.news_line``), ``t`` says it again in that reader's language, so a class reads its
    news in each student's own language. To everything else it is a plain ``str``.
    """

    def __new__(cls, text: str, how: tuple):
        said = super().__new__(cls, text)
        said.how = how  # (name of the function in _AGAIN, its arguments)
        return said

    def __reduce__(self):
        return (Said, (str(self), self.how))

    def again(self, lang: str) -> str:
        name, *args = self.how
        return _AGAIN[name](*args, lang=lang)


# --- which language ---------------------------------------------------------------------


@cache
def languages() -> tuple[str, ...]:
    """The languages with a catalogue, English first (``xx-pseudo`` is not listed)."""
    found = sorted(p.name for p in LOCALE_DIR.iterdir() if any(p.glob("*.toml")))
    return (DEFAULT_LANGUAGE, *[lang for lang in found if lang != DEFAULT_LANGUAGE])


@cache
def check_language(lang: str) -> str:
    """``lang`` as a catalogue name ("FR" -> "fr"); UnknownLanguage listing the others if none."""
    name = lang.strip().lower().replace("_", "-")
    if name in languages() or name == PSEUDO:
        return name
    allowed = ", ".join(languages())
    raise UnknownLanguage(
        t("text.unknown_language", lang=DEFAULT_LANGUAGE, value=lang, allowed=allowed)
    )


def set_language_source(source: Callable[[], str | None] | None) -> None:
    """Let a page say which language its browser session chose (None: no choice made)."""
    global _session_source
    _session_source = source


@contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Speak ``lang`` inside the block (a test, a CLI run, one rendering)."""
    token = _chosen.set(check_language(lang))
    try:
        yield _chosen.get()
    finally:
        _chosen.reset(token)


@contextmanager
def recording_in(lang: str | None) -> Iterator[str | None]:
    """Record a game's sentences in ``lang`` inside the block, whichever page plays it (a
    class's quarter closed from a French student's page): its tables keep one language,
    and a replay writes them again word for word. None: as the reader's language says."""
    token = _recording.set(None if lang is None else check_language(lang))
    try:
        yield _recording.get()
    finally:
        _recording.reset(token)


def environment_language() -> str:
    """``MINERALS_LANG``, checked: UnknownLanguage if it names no catalogue."""
    return check_language(os.environ.get("MINERALS_LANG") or DEFAULT_LANGUAGE)


def language() -> str:
    """The reader's language: a game being recorded (``recording_in``), the session's
    choice, ``use_language``, ``MINERALS_LANG``."""
    recording = _recording.get()
    if recording:
        return recording
    session = _session_source() if _session_source else None
    if session:
        return session
    return _chosen.get() or environment_language()


# --- the catalogues -------------------------------------------------------------------------


@cache
def catalogue(lang: str) -> dict[str, str | dict]:
    entries: dict[str, str | dict] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.toml")):
        with path.open("rb") as f:
            for name, template in tomllib.load(f).items():
                entries[f"{path.stem}.{name}"] = template
    return entries


def t(key: str, /, lang: str | None = None, **fields) -> str:
    """The sentence for ``key`` in the reader's language, with ``fields`` filled in."""
    said = Said(_say(key, lang or language(), fields), ("t", key, fields))
    if key.startswith(RECORDED):
        _remember(said)
    return said


# Sentences that go into the events table, whose text columns pandas stores as plain
# strings: remembered by their text so ``t`` can still say them again (bounded memory).
RECORDED = (
    "news.",
    "deals.",
    "strategies.",
    "founding.",
    "demand.",
    "score.ai_diplomacy",
    "governments.advice_history",  # a seat's history, shown as advice (World.advise)
)
REMEMBERED_MOST = 200_000
_remembered: dict[str, Said] = {}


def _remember(said: Said) -> None:
    if len(_remembered) >= REMEMBERED_MOST:
        _remembered.clear()
    _remembered[str(said)] = said


def again(value: object, lang: str) -> object:
    """``value`` said in ``lang`` if it is a sentence we said (or recorded), else as is."""
    if isinstance(value, Said):
        return value.again(lang)
    if type(value) is str and value in _remembered:
        return _remembered[value].again(lang)
    return value


def _t_again(key: str, fields: dict, lang: str) -> str:
    return _say(key, lang, fields)


def _say(key: str, lang: str, fields: dict) -> str:
    if lang == PSEUDO:
        return PSEUDO_OPEN + _say(key, DEFAULT_LANGUAGE, fields) + PSEUDO_CLOSE
    fields = {name: again(value, lang) for name, value in fields.items()}
    template = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    if isinstance(template, dict):
        template = _variant(template, lang, fields)
    if _WORD_SPEC_IN.search(template):  # one search, not one `in` per spec (every news line)
        return _opening_capital(template, _Formatter(lang).format(template, **fields))
    if lang in _SEPARATORS and any(_is_number(value) for value in fields.values()):
        return _Formatter(lang).format(template, **fields)
    return template.format(**fields)


def _opening_capital(template: str, text: str) -> str:
    """A sentence that opens with words the catalogue supplies (an economy's name, "the
    United States sets …"; a good with its article) starts with a capital; a fragment
    quoted inside another sentence (no full stop) is left as it is, and so is a value
    shown as given (a sweep's name, a key path, a code): an identifier reads as typed."""
    opening = next(string.Formatter().parse(template), None)
    spec = f":{opening[2]}}}" if opening is not None and not opening[0] else ""
    supplied = any(spec.startswith(word) for word in _WORD_SPECS) if spec else False
    if supplied and text.rstrip().endswith(".") and text[:1].islower():
        return text[0].upper() + text[1:]
    return text


def _variant(forms: dict, lang: str, fields: dict) -> str:
    """The form a table of variants picks: by plural of ``fields[n]``, or by ``fields[by]``."""
    if "n" in forms:
        return forms.get(plural_form(lang, fields[forms["n"]])) or forms["other"]
    return forms.get(str(fields[forms["by"]])) or forms["other"]


# How alike a typed name and an allowed one must be (difflib's ratio) to suggest it:
# difflib's own default, which finds 'hawk' for 'hwak' and 'armington_sigma' for
# 'armington_sigam' but nothing for an unrelated word.
GUESS_CUTOFF = 0.6


def allowed_list(value: object, names: Iterable[object], also: Iterable[object] = ()) -> str:
    """What a "… is not a strategy; allowed: {allowed}" message lists: ``names`` joined,
    then the one closest to ``value`` if it is close ("; did you mean hawk?"), so a typing
    slip reads its fix. ``also``: more names to guess from that the list does not spell
    out (an outcome pattern's ``final_score_USA``)."""
    names = [str(name) for name in names]
    listing = ", ".join(names)
    typed = str(value).strip()
    guesses = difflib.get_close_matches(
        typed, list(dict.fromkeys([*names, *map(str, also)])), n=1, cutoff=GUESS_CUTOFF
    )
    if not typed or not guesses or guesses[0] == typed:
        return listing
    return t("text.allowed_guess", allowed=listing, guess=guesses[0])


def has(key: str) -> bool:
    """Whether the catalogues know ``key`` (for optional sentences such as a country's name)."""
    return key in catalogue(DEFAULT_LANGUAGE)


# --- plurals ---------------------------------------------------------------------------------


def plural_form(lang: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (cardinal numbers).

    Only the rules of the languages we ship (unicode.org/cldr, plurals.xml): English
    "one" is exactly 1; French "one" is any number whose whole part is 0 or 1 (0, 1, 1,5),
    "many" is a whole multiple of a million ("1 million de tonnes").
    """
    try:
        n = abs(float(count))
    except (TypeError, ValueError):
        return "other"
    whole = int(n)
    if lang == "fr":
        if whole in (0, 1):
            return "one"
        return "many" if n == whole and whole % 1_000_000 == 0 else "other"
    return "one" if n == 1 else "other"


# --- numbers ---------------------------------------------------------------------------------


def localise_number(text: str, lang: str | None = None) -> str:
    """An English-formatted number (``1,234.5``, ``12.5%``) as ``lang`` writes it."""
    lang = lang or language()
    if lang not in _SEPARATORS:
        return text
    group, decimal = _SEPARATORS[lang]
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
    return text.replace("%", NNBSP + "%") if "%" in text and NNBSP + "%" not in text else text


def number(value: float, digits: int = 0, lang: str | None = None) -> str:
    """``value`` with thousands grouped and ``digits`` decimals: 1,234.5 / 1 234,5."""
    text = localise_number(f"{value:,.{digits}f}", lang)
    return Said(text, ("number", value, digits))


def tonnage(value: float, lang: str | None = None) -> str:
    """A tonnage: whole tonnes, a small one to two significant figures (0.34 t of
    dysprosium is worth about USD 150,000; "0 t" would say nothing happened)."""
    size = abs(value)
    digits = 0 if size >= 10 or size == 0 else min(3, 1 - math.floor(math.log10(size)))
    return number(value, digits, lang)


def percent(share: float, digits: int = 0, lang: str | None = None) -> str:
    """A share (0.125) as a percentage: 12.5% / 12,5 %."""
    return Said(localise_number(f"{share:.{digits}%}", lang), ("percent", share, digits))


def exact_percent(share: float, lang: str | None = None) -> str:
    """A rate or level as it was set: 12.5 % stays 12.5 %, a whole percentage has no decimals."""
    whole = abs(share * 100 - round(share * 100)) < 1e-9
    return percent(share, 0 if whole else 1, lang)


def signed_percent(change: float, digits: int = 1, lang: str | None = None) -> str:
    """A change (0.125) as a signed percentage: +12.5% / +12,5 %."""
    return localise_number(f"{change:+.{digits}%}", lang)


def read_number(typed: str, lang: str | None = None) -> str:
    """What a person typed ("1 234,5", "12.5 %") as Python reads a number ("1234.5").

    Spaces and the percent sign go; in French the comma is the decimal mark, in English a
    thousands separator, and only between groups of three digits ("1,234.5"): "12,5" is
    left as typed, not a number, rather than read as 125.
    """
    lang = lang or language()
    cleaned = "".join(typed.split()).replace(NNBSP, "").replace("\u00a0", "").rstrip("%")
    cleaned = cleaned.replace("\u2212", "-")  # the minus sign the page itself prints
    if lang in _SEPARATORS:
        return cleaned.replace(_SEPARATORS[lang][1], ".")
    if "," in cleaned and not _THOUSANDS.fullmatch(cleaned):
        return cleaned
    return cleaned.replace(",", "")


def format_value(spec: str, value: object, lang: str | None = None) -> str:
    """``spec.format(value)`` (a table column's ``"{:.1%}"``) with the language's separators
    and, before a negative number, a true minus sign as the page's other numbers have."""
    if isinstance(value, float) and value != value:
        return "–"  # no value (NaN): a dash, in every language
    text = spec.format(value)
    if isinstance(value, float) and _MINUS_ZERO.fullmatch(text):  # −0.04 shown as "-0.0"
        text = ("+" if "+" in spec else "") + text[1:]
    if not isinstance(value, Number):
        return text
    text = localise_number(text, lang)
    return "−" + text[1:] if text.startswith("-") else text


def quarter(year: int, q: int, lang: str | None = None) -> str:
    """A quarter as the language writes it: 2025 Q1 / T1 2025."""
    return t("news.quarter", lang=lang, year=year, quarter=q)


def _is_number(value: object) -> bool:
    if type(value) is str:  # the common case, and the ABC check below is slow
        return False
    return isinstance(value, Number) and not isinstance(value, bool)


VOWELS = "aeiouyàâéèêëîïôûh"  # no good's name starts with an aspirated h
# French determiners a good's name carries ({good:le}): (singular, before a vowel, plural).
_FRENCH_DETERMINERS = {
    "le": ("le ", "l'", "les "),
    "du": ("du ", "de l'", "des "),
    "votre": ("votre ", "votre ", "vos "),
}
_WORD_SPECS = (":name", ":de}", ":a}", ":A}", *(f":{form}}}" for form in _FRENCH_DETERMINERS))
_WORD_SPEC_IN = re.compile("|".join(map(re.escape, _WORD_SPECS)))


def _french_determiner(text: str, form: str) -> str:
    """``text`` (a good's or mineral's French name) after the determiner ``form`` agreeing
    with it: "les aimants", "le lithium raffiné", "du nickel", "des terres rares", "vos
    terres rares". Its first word gives the number (a French plural ends in s or x); every
    singular name we ship is masculine (minerai, lithium, cobalt, nickel, graphite…)."""
    singular, elided, plural = _FRENCH_DETERMINERS[form]
    if text.split(" ", 1)[0][-1:] in ("s", "x"):
        return plural + text
    return (elided if text[:1].lower() in VOWELS else singular) + text


class _Formatter(string.Formatter):
    """``str.format`` whose numbers follow the language's separators, and whose
    ``{actor:name}`` / ``{targets:names}`` fields turn economy codes into names; French
    writes ``{good:de}`` for "de" + the good, elided where it must be (d'aimants),
    ``{good:le}``, ``{good:du}`` and ``{good:votre}`` for the good with a determiner that
    agrees (les aimants, du lithium), English ``{deal:a}`` for "a" or "an" + the deal."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value, format_spec):
        if format_spec == "name":
            return economy_name(str(value), self.lang)
        if format_spec == "names":  # a comma list of codes; other words stay as they are
            return ", ".join(
                economy_name(part.strip(), self.lang) for part in str(value).split(",")
            )
        if format_spec == "de":  # French "de" elided before a vowel: d'aimants, de cobalt
            text = str(value)
            return ("d'" if text[:1].lower() in VOWELS else "de ") + text
        if format_spec in _FRENCH_DETERMINERS:
            return _french_determiner(str(value), format_spec)
        if format_spec in ("a", "A"):  # English "a" or "an": an offtake contract
            text = str(value)
            article = "an" if text[:1].lower() in "aeiou" else "a"
            return f"{article.capitalize() if format_spec == 'A' else article} {text}"
        text = super().format_field(value, format_spec)
        if _is_number(value):
            return localise_number(text, self.lang)
        return text


# --- words carried by data files ----------------------------------------------------------


def from_data(values: Mapping[str, object], key: str) -> str:
    """A sentence a data file gives per language (``title``, ``title_fr``): the reader's.

    Scenario and event-card files carry their English ``title`` and ``description`` and
    may add ``title_fr``, ``description_fr``; without one, the English stands.
    """
    kept = {name: str(value) for name, value in values.items() if name.startswith(key) and value}
    if not kept.get(key):
        return ""
    return Said(_from_data_again(kept, key, language()), ("data", kept, key))


def _from_data_again(values: dict, key: str, lang: str) -> str:
    if lang == PSEUDO:
        return PSEUDO_OPEN + values[key] + PSEUDO_CLOSE
    return values.get(f"{key}_{lang}") or values[key]


def named(topic: str, code: str, default: str = "") -> str:
    """The catalogue's name for a data file's ``code`` (``worlds.world_2024``), else ``default``.

    English names live in the data files; the catalogue repeats them (a test checks they
    agree) so every language, the pseudo-locale included, names them from one place.
    """
    key = f"{topic}.{code}"
    return t(key) if has(key) else default or code


def economy_name(code: str, lang: str) -> str:
    """How a sentence names an economy in ``lang``: its short name where the full one reads
    badly in a sentence ("South Korea", not "Korea, Republic of"), else its name; anything
    that is not a known code (a typing slip quoted back, "all partners") stays as it is.

    Catalogue templates ask for it with ``{actor:name}`` (one code) or ``{targets:names}``.
    """
    for key in (f"short_names.{code}", f"countries.{code}"):
        if key in catalogue(DEFAULT_LANGUAGE):
            return _say(key, lang, {})
    return code


def country_name(code: str, default: str = "") -> str:
    """An economy's name in the reader's language (``countries.<CODE>``), else ``default``."""
    return named("countries", code, default)


def listed_name(code: str, default: str = "") -> str:
    """An economy's name as a list, a legend or a table reads it: "United States",
    "European Union", "South Korea" (not "Korea, Republic of" nor "European Union (27)");
    else ``default`` or ``code``."""
    called = economy_name(code, language())
    if called == code:
        called = country_name(code, default)
    called = re.sub(r"^the ", "", called)  # a list item, not a sentence: no "the"
    return called[:1].upper() + called[1:]


def money(usd: float) -> str:
    """``USD 390 m`` or ``USD 1.9 bn``; never scientific notation."""
    if not math.isfinite(usd):
        return t("game.money_unknown")
    # with the reader's marks: 3,7 M USD in French
    if abs(usd) >= 1e9:
        return t("game.money_bn", value=number(usd / 1e9, 1))
    return t("game.money_m", value=number(usd / 1e6, 0 if abs(usd) >= 1e7 else 1))


def joined(parts, separator: str = ", ") -> str:
    """Words joined into one, each of them said again in the reader's language."""
    parts = tuple(parts)
    return Said(separator.join(parts), ("join", parts, separator))


def said_record(value: object) -> object:
    """``value`` as JSON keeps it, a sentence we said with how to say it again: a Said is
    ``{"said": text, "how": [name, arguments…]}``, its fields recorded the same way."""
    if isinstance(value, Said):
        name, *args = value.how
        return {"said": str(value), "how": [name, *(said_record(arg) for arg in args)]}
    if isinstance(value, Mapping):
        return {str(key): said_record(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [said_record(item) for item in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Integral):  # numpy's too, which JSON does not take
        return int(value)
    if isinstance(value, Number):
        return float(value)
    return str(value)


def said_from_record(record: object, text: str) -> str:
    """The sentence ``said_record`` kept, again a Said that each reader reads in their own
    language; ``text`` as it is if the record is not one, or no longer says (a catalogue
    that lost its key, a hand-edited file)."""
    said = _from_record(record)
    if not isinstance(said, Said):
        return text
    try:
        for lang in languages():
            said.again(lang)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return text
    return said


def _from_record(record: object) -> object:
    if isinstance(record, list):
        return [_from_record(item) for item in record]
    if not isinstance(record, dict):
        return record
    text, how = record.get("said"), record.get("how")
    name = how[0] if isinstance(how, list) and how else None
    if record.keys() == {"said", "how"} and isinstance(text, str) and name in _AGAIN_NAMES:
        return Said(text, (name, *(_from_record(arg) for arg in how[1:])))
    return {key: _from_record(item) for key, item in record.items()}


# How a Said is said again: Said.how names one of these, with its arguments.
_AGAIN = {
    "join": lambda parts, separator, lang: separator.join(again(p, lang) for p in parts),
    "t": _t_again,
    "number": lambda value, digits, lang: number(value, digits, lang=lang),
    "percent": lambda share, digits, lang: percent(share, digits, lang=lang),
    "data": lambda values, key, lang: _from_data_again(values, key, lang),
}
_AGAIN_NAMES = tuple(_AGAIN)  # a name a saved record may give (never unhashable)
