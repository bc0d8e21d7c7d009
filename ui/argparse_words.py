"""argparse's own words ("usage:", "options", its errors) from the catalogues.

argparse asks gettext for them (``argparse._`` and ``argparse.ngettext``); ``install``
points those two names at ``model.text.t`` so ``minerals --help`` reads in one language.
"""

import argparse

from model.text import t

KEYS = {
    "usage: ": "usage",
    "options": "options",
    "positional arguments": "positional",
    "show this help message and exit": "help",
    "the following arguments are required: %s": "required",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "unrecognized arguments: %s": "unrecognized",
    "expected one argument": "expected_one",
    "expected at least one argument": "expected_at_least_one",
    "expected at most one argument": "expected_at_most_one",
    "ignored explicit argument %r": "ignored_explicit",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
    "not allowed with argument %s": "not_allowed_with",
    "one of the arguments %s is required": "one_required",
    "argument %(argument_name)s: %(message)s": "argument",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "unknown_parser",
    "can't open '%(filename)s': %(error)s": "cannot_open",
}
PLURAL_KEYS = {"expected %s argument": "expected_n"}


def words(message: str) -> str:
    """argparse's ``_(message)``: the reader's words for it, or the message if unknown."""
    key = KEYS.get(message)
    return t(f"argparse.{key}") if key else message


def plural_words(singular: str, plural: str, count: int) -> str:
    """argparse's ``ngettext``: the catalogue's plural form for ``count``."""
    key = PLURAL_KEYS.get(singular)
    if key is None:
        return singular if count == 1 else plural
    return t(f"argparse.{key}", count=count)


def install() -> None:
    argparse._ = words
    argparse.ngettext = plural_words
