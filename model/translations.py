"""Which English sentences a translation still lacks, so catalogues stay in step.

``python -m model.translations`` prints, per language, the keys missing from its
catalogues, the keys English no longer has, and the keys whose placeholders differ
(a missing ``{tonnes}`` would raise when the sentence is shown). tests/test_locales.py
fails with the same list.
"""

import json
import string
import sys

from model.text import DEFAULT_LANGUAGE, catalogue, languages


def placeholders(template: str) -> set[str]:
    """The field names a template fills in, nested ones (``{name:<{width}}``) included."""
    names = set()
    for _, field, spec, _ in string.Formatter().parse(template):
        if field:
            names.add(field.split(".")[0].split("[")[0])
        for _, nested, _, _ in string.Formatter().parse(spec or ""):
            if nested:
                names.add(nested)
    return names


def _forms(template: str | dict) -> dict:
    if not isinstance(template, dict):
        return {"": template}
    return {key: form for key, form in template.items() if key not in ("n", "by")}


def field_names(template: str | dict) -> set[str]:
    """The fields a template uses, plural/select forms merged, selector field included."""
    names = set()
    for form in _forms(template).values():
        names |= placeholders(form)
    if isinstance(template, dict):
        names |= {template[k] for k in ("n", "by") if k in template}
    return names


def untranslated(lang: str) -> list[str]:
    """English keys ``lang`` lacks, as lines to paste into ``locales/<lang>/<topic>.toml``."""
    english, other = catalogue(DEFAULT_LANGUAGE), catalogue(lang)
    lines, topic = [], None
    for key in sorted(k for k in english if k not in other):
        file, name = key.split(".", 1)
        if file != topic:
            lines.append(f"# model/locales/{lang}/{file}.toml")
            topic = file
        lines.append(f"{name} = {_toml(english[key])}")
    return lines


def _toml(value: str | dict) -> str:
    """A catalogue value as TOML: a string, or an inline table of plural/select forms."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


def stale(lang: str) -> list[str]:
    """Keys ``lang`` has that English no longer has."""
    return sorted(set(catalogue(lang)) - set(catalogue(DEFAULT_LANGUAGE)))


def mismatched(lang: str) -> list[str]:
    """Keys whose placeholders differ from English: ``key: English {…} vs lang {…}``."""
    english, other = catalogue(DEFAULT_LANGUAGE), catalogue(lang)
    found = []
    for key in sorted(set(english) & set(other)):
        want, got = field_names(english[key]), field_names(other[key])
        # A select table may use fields English does not (good_id), never lose one.
        if isinstance(other[key], dict) and "by" in other[key]:
            got = got - {other[key]["by"]}
            want = want - {other[key]["by"]}
        if want != got:
            found.append(f"{key}: en {sorted(want)} vs {lang} {sorted(got)}")
    return found


def report(lang: str) -> str:
    """Everything ``lang`` must fix, in words (empty when in step with English)."""
    parts = []
    for title, items in (
        (f"missing in {lang} (translate these English sentences)", untranslated(lang)),
        (f"in {lang} but not in English (remove or rename)", stale(lang)),
        ("placeholders differ", mismatched(lang)),
    ):
        if items:
            count = sum(not item.startswith("#") for item in items)
            parts.append(f"{title}: {count}\n  " + "\n  ".join(items))
    return "\n".join(parts)


def main() -> int:
    problems = 0
    for lang in languages()[1:]:
        text = report(lang)
        print(text or f"{lang}: every English key is translated")
        problems += bool(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
