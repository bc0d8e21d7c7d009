"""Both languages in step: every English sentence has a French one, French numbers, and a
pseudo-locale run that finds any word a person reads which escaped the catalogues."""

import csv
import json
import re
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pandas as pd
import pytest
import solara
import solara.widgets

from model.data.scenario import bundled_names, list_scenarios, load_scenario
from model.data.world_data import WORLDS_DIR
from model.game.briefing import sheets
from model.game.cards import card_names, load_card
from model.game.classroom import ClassGame
from model.text import (
    NNBSP,
    PSEUDO,
    UnknownLanguage,
    catalogue,
    format_value,
    language,
    languages,
    number,
    percent,
    plural_form,
    read_number,
    t,
    use_language,
)
from model.translations import field_names, report
from ui import app, classroom, words
from ui.cli import COMMANDS, main

OPEN, CLOSE = "⟦", "⟧"


# --- the catalogues ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", languages()[1:])
def test_every_english_key_is_translated_with_the_same_placeholders(lang):
    # When this fails after someone added English keys, `python -m model.translations`
    # prints the same list: translate each key into model/locales/<lang>/<topic>.toml.
    problems = report(lang)
    assert not problems, f"\n{problems}"


class _Any(float):
    """A field value that formats under any spec (``{:,.0f}``, ``{:<4}``, ``!r``)."""

    def __format__(self, spec):
        return "x"


@pytest.mark.parametrize("lang", [*languages(), PSEUDO])
def test_every_sentence_can_be_shown_in_every_language(lang):
    own = catalogue(lang if lang != PSEUDO else "en")
    for key, template in catalogue("en").items():
        for count in (1, 2):
            names = field_names(template) | field_names(own.get(key, template))
            fields = {name: _Any(count) for name in names}
            for table in (template, own.get(key)):
                if isinstance(table, dict) and "by" in table:
                    fields[table["by"]] = "other"
            text = t(key, lang=lang, **fields)
            assert isinstance(text, str)


def test_english_country_names_are_the_world_datas():
    english = catalogue("en")
    for economies in WORLDS_DIR.glob("*/economies.csv"):
        with economies.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                assert english[f"countries.{row['code']}"] == row["name"], economies


def test_french_names_the_countries_minerals_and_stages_as_the_press_does():
    with use_language("fr"):
        assert t("countries.COD") == "République démocratique du Congo"
        assert t("news.mineral_heavy_rare_earths") == "terres rares lourdes (Dy, Tb)"
        assert t("news.stage_refined") == "raffiné"
        good = {"mineral": "-", "stage": "-"}
        assert t("news.good", good_id="refined_rare_earths", **good) == "terres rares raffinées"
        assert t("news.good", good_id="refined_lithium", **good) == "lithium raffiné"


# --- numbers, dates and plurals ------------------------------------------------------------


def test_numbers_as_each_language_writes_them():
    assert number(1234.5, 1, lang="en") == "1,234.5"
    assert number(1234.5, 1, lang="fr") == f"1{NNBSP}234,5"
    assert percent(0.125, 1, lang="en") == "12.5%"
    assert percent(0.125, 1, lang="fr") == f"12,5{NNBSP}%"
    assert t("news.quarter", lang="en", year=2025, quarter=1) == "2025 Q1"
    assert t("news.quarter", lang="fr", year=2025, quarter=1) == "T1 2025"
    # a template's own format spec follows the language too
    line = t("briefing.lever_budget", lang="fr", usd=390.0)
    assert "390 M USD" in line
    assert f"{number(12345.0, lang='fr')} M USD" in t("briefing.lever_budget", lang="fr", usd=12345)
    assert f"1{NNBSP}234" in t(
        "briefing.table_row", lang="fr", good="g", tonnes=1234.0, home=0.5, sources="", china=""
    ) and f"50{NNBSP}%" in t(
        "briefing.table_row", lang="fr", good="g", tonnes=1.0, home=0.5, sources="", china=""
    )


def test_what_a_person_types_is_read_in_their_language():
    assert float(read_number("1 234,5", lang="fr")) == 1234.5
    assert float(read_number("12,5 %", lang="fr")) == 12.5
    assert float(read_number("1,234.5", lang="en")) == 1234.5
    assert float(read_number("12,345,678", lang="en")) == 12345678
    for ambiguous in ("12,5", "1,23", "1 234,5"):  # a decimal comma is not a thousands mark
        with pytest.raises(ValueError):
            float(read_number(ambiguous, lang="en"))


def test_plurals_follow_each_languages_rule_not_a_glued_s():
    assert [plural_form("fr", n) for n in (0, 1, 1.5, 2, 1_000_000)] == [
        "one",
        "one",
        "one",
        "other",
        "many",
    ]
    assert [plural_form("en", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    fields = {"actor": "COD", "factor": "30 %", "good": "cobalt"}
    assert "pendant 1 trimestre." in t("news.shock", lang="fr", duration=1, **fields)
    assert "pendant 3 trimestres." in t("news.shock", lang="fr", duration=3, **fields)
    assert "for 1 quarter." in t("news.shock", lang="en", duration=1, **fields)
    assert "for 3 quarters." in t("news.shock", lang="en", duration=3, **fields)
    assert not any("(s)" in str(text) for text in catalogue("en").values())


# --- choosing the language -------------------------------------------------------------------


def test_an_unknown_language_is_named_never_silent_english(monkeypatch, capsys):
    monkeypatch.setenv("MINERALS_LANG", "de")
    with pytest.raises(UnknownLanguage, match="'de'.*en, fr"):
        language()
    assert main(["scenarios"]) == 2
    assert "'de'" in capsys.readouterr().err
    monkeypatch.setenv("MINERALS_LANG", "fr")
    assert main(["--lang", "xx", "scenarios"]) == 2
    error = capsys.readouterr().err
    assert "'xx'" in error and "en, fr" in error


def test_the_cli_speaks_french_on_request(monkeypatch, capsys):
    monkeypatch.delenv("MINERALS_LANG", raising=False)
    assert main(["--lang", "fr", "scenarios"]) == 0
    assert "Référence : le monde de 2024 sans nouvelle mesure" in capsys.readouterr().out
    assert main(["run", "nope", "--lang=fr"]) == 2
    assert "aucun scénario fourni ne s'appelle « nope »" in capsys.readouterr().err
    assert main(["--lang", "fr", "run", "--help"]) == 0
    assert "afficher cette aide et quitter" in capsys.readouterr().out
    monkeypatch.setenv("MINERALS_LANG", "fr")
    assert main(["run"]) == 2
    assert "arguments obligatoires manquants" in capsys.readouterr().err


def test_scenarios_and_cards_carry_french_titles_and_descriptions():
    with use_language("fr"):
        for name in bundled_names():
            spec = load_scenario(name)
            assert spec.title != spec.header.title and spec.description, name
        french = {name: load_card(name, "world_2024").title for name in card_names()}
    for name in card_names():
        assert french[name] != load_card(name, "world_2024").title, name
    assert dict(list_scenarios())["baseline"].startswith("Baseline")


def test_a_scenario_with_an_empty_french_title_is_refused(tmp_path):
    from model.data.scenario import ScenarioError

    text = (load_scenario("baseline").source).read_text(encoding="utf-8")
    bad = tmp_path / "baseline.toml"
    bad.write_text(text.replace('title_fr = "', 'title_fr = "" #', 1), encoding="utf-8")
    with pytest.raises(ScenarioError, match="title_fr"):
        load_scenario(bad)
    bad.write_text(text.replace("title_fr", "title_de", 1), encoding="utf-8")
    with pytest.raises(ScenarioError, match="title_de.*title_fr"):
        load_scenario(bad)


def test_french_role_cards_have_the_english_ones_structure():
    shapes = {}
    for lang in ("en", "fr"):
        with use_language(lang):
            sheet = sheets("baseline", ["USA", "CHN", "COD"])
        # structure: the heading, bold and table lines, in order, with their cell counts
        shapes[lang] = [
            (line[0], line[:2] in ("**", "##", "- "), line.count("|"))
            for line in sheet.splitlines()
            if line.strip()
        ]
    assert shapes["fr"] == shapes["en"]
    with use_language("fr"):
        sheet = sheets("baseline", ["COD"])
    assert "## République démocratique du Congo (COD)" in sheet
    assert "**Position.**" in sheet and "Md USD" in sheet


# --- the pseudo-locale: nothing a person reads escapes the catalogues -------------------------


def _strings(widget, seen=None):
    """Every string a person may read in a widget tree: texts, labels, choices, tooltips."""
    seen = set() if seen is None else seen
    if not isinstance(widget, ipywidgets.Widget) or id(widget) in seen:
        return
    seen.add(id(widget))
    for name in ("label", "hint", "title", "tooltip", "placeholder"):
        value = getattr(widget, name, None) if name in widget.keys else None
        if isinstance(value, str) and value.strip():
            yield value
    if "items" in widget.keys and isinstance(widget.items, list):
        yield from (item for item in widget.items if isinstance(item, str))
    if isinstance(widget, solara.widgets.HTML) or "unsafe_innerHTML" in widget.keys:
        yield from _html_strings(widget.unsafe_innerHTML or "")
    template = getattr(widget, "template", None)
    if isinstance(template, str) and "solara-markdown" in template:
        yield from _html_strings(template)
        body = template[template.index("solara-markdown") : template.index("</template>")]
        yield re.sub(r"<[^>]+>", " ", body.split(">", 1)[1])
    for child in getattr(widget, "children", []) if "children" in widget.keys else []:
        if isinstance(child, str):
            if child.strip():
                yield child
        else:
            yield from _strings(child, seen)
    for name in widget.keys:
        value = getattr(widget, name)
        if isinstance(value, ipywidgets.Widget) and name != "layout":
            yield from _strings(value, seen)


def _html_strings(markup: str):
    yield from re.findall(r'(?:aria-label|title)="([^"]+)"', markup)
    for text in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", markup):
        if text.strip():
            yield text


def _unwrapped(strings, identifiers: set[str]) -> list[str]:
    """Text outside every ⟦…⟧ that is more than a code, an identifier or a number."""
    found = set()
    for text in strings:
        for piece in re.split(r"\s*[·,;|]\s*|\n", _outside_catalogue(text)):
            piece = piece.strip(" \t()[]:.\"'")
            icon = piece.startswith("mdi-")  # a Material Design icon's name, never shown
            if re.search(r"[^\W\d_]{2,}", piece) and piece not in identifiers and not icon:
                found.add(piece)
    return sorted(found)


def _identifiers(world) -> set[str]:
    """Codes and names a person types or reads as identifiers in every language."""
    return {*world.data.codes, *bundled_names(), "{{ title }}"}


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setenv("MINERALS_LANG", PSEUDO)


def _click(rc, label: str):
    rc.find(v.Btn, children=[f"{OPEN}{label}{CLOSE}"]).widget.click()


def test_the_single_player_page_has_no_word_outside_the_catalogues(pseudo):
    box, rc = solara.render(app.Page(), handle_error=False)
    try:
        start_screen = list(_strings(box))
        country = rc.find(v.Select, label=f"{OPEN}Your country{CLOSE}").widget
        country.v_model = next(item for item in country.items if "(USA)" in item)
        _click(rc, "Start")
        rc.find(v.TextField, label=f"{OPEN}Rate (%){CLOSE}").widget.v_model = "25"
        _click(rc, "Queue tariff")
        playing = list(_strings(box))
        _click(rc, "Step")
        _click(rc, "Step")
        stepped = list(_strings(box))
        from ui.game import scenario

        world_codes = _identifiers(type("W", (), {"data": _world_data()})())
        assert scenario("baseline")
        for strings in (start_screen, playing, stepped):
            assert _unwrapped(strings, world_codes) == []
        assert any(s == "⟦Step⟧" for s in stepped)
    finally:
        rc.close()


def _world_data():
    from ui.game import world_data

    return world_data("world_2024")


def test_the_classroom_pages_have_no_word_outside_the_catalogues(pseudo, tmp_path):
    game = ClassGame.create("baseline", ["USA", "CHN", "JPN"], tmp_path / "class", seed=5)
    box, teacher = solara.render(
        classroom.TeacherPage(game, game.teacher_token), handle_error=False
    )
    _click(teacher, "Open round")
    seat_box, seat = solara.render(
        classroom.SeatPage(game, game.seat_tokens["USA"], "USA", version=1), handle_error=False
    )
    try:
        seat.find(v.TextField, label=f"{OPEN}Rate (%){CLOSE}").widget.v_model = "30"
        _click(seat, "Queue tariff")
        _click(teacher, "Close round")
        identifiers = _identifiers(game.world) | {game.class_code}  # typed by the students
        assert _unwrapped(_strings(box), identifiers) == []
        assert _unwrapped(_strings(seat_box), identifiers) == []
    finally:
        teacher.close()
        seat.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["run", "--help"],
        ["scenarios"],
        ["validate", "baseline"],
        ["run", "nope"],
        ["run"],
        ["run", "baseline", "--steps", "x"],
    ],
)
def test_the_cli_has_no_word_outside_the_catalogues(pseudo, argv, capsys):
    main(argv)
    out = capsys.readouterr()
    left = _outside_catalogue(out.out + out.err)
    # what may stay: argparse's layout of options, metavars and choices, and the names of
    # the program, its commands and the bundled scenarios, which are typed as they are
    left = re.sub(r"--?[\w-]+|\{[^}]*\}|\b[A-Z_]+\b|[\[\]().,:=…]", " ", left)
    names = {"minerals", *COMMANDS, *bundled_names(), "csv", "parquet"}
    assert [word for word in left.split() if word not in names] == []


def _outside_catalogue(text: str) -> str:
    """``text`` without its ⟦…⟧ pieces (nested, across wrapped lines)."""
    inner = re.compile(r"⟦[^⟦⟧]*⟧", re.S)
    while inner.search(text):
        text = inner.sub(" ", text)
    return text


def test_a_run_prints_no_word_outside_the_catalogues(pseudo, tmp_path, capsys):
    assert main(["run", "baseline", "--steps", "2", "--out", str(tmp_path), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(OPEN in line for line in lines if line.strip())


# --- the teacher's guide in French ------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs"
SHEETS = "<!-- briefing sheets: start -->", "<!-- briefing sheets: end -->"


def _outline(markdown: str) -> list[tuple[str, int]]:
    """A guide's structure: heading levels, table rows with their cells, list items, code."""
    shape = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            shape.append(("heading", len(stripped) - len(stripped.lstrip("#"))))
        elif stripped.startswith("|"):
            shape.append(("row", stripped.count("|")))
        elif stripped.startswith("```"):
            shape.append(("code", 0))
        elif re.match(r"^(- |\d+\. )", stripped) and not line.startswith(" "):
            shape.append(("item", 0))
    return shape


def test_the_french_guide_has_the_english_ones_structure_and_generated_sheets():
    english = (DOCS / "teacher-guide.md").read_text(encoding="utf-8")
    french = (DOCS / "teacher-guide.fr.md").read_text(encoding="utf-8")
    # If docs/teacher-guide.md changed, change docs/teacher-guide.fr.md the same way.
    assert _outline(french) == _outline(english)
    start, end = SHEETS
    generated = french[french.index(start) + len(start) : french.index(end)].strip()
    with use_language("fr"):
        assert generated == sheets("baseline").strip()
    assert "République démocratique du Congo (COD)" in generated


def test_the_teachers_default_language_reaches_every_delegation_that_did_not_choose(
    tmp_path, monkeypatch
):
    from ui import language as switch

    monkeypatch.delenv("MINERALS_LANG", raising=False)
    monkeypatch.setenv("MINERALS_CLASS_DIR", str(tmp_path / "class"))
    monkeypatch.setattr(switch, "_class_default", None)
    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "class", seed=5)
    box, teacher = solara.render(
        classroom.TeacherPage(game, game.teacher_token), handle_error=False
    )
    try:
        default = teacher.find(v.Select, label="Default language of the class").widget
        default.v_model = "Français"
        assert (tmp_path / "class" / "language").read_text() == "fr"  # kept for --resume
        seat_box, seat = solara.render(
            classroom.SeatPage(game, game.seat_tokens["USA"], "USA"), handle_error=False
        )
        assert any("pas encore commencé" in text for text in _strings(seat_box))
        seat.close()
    finally:
        teacher.close()


def _tables(value):
    """Every TOML table inside ``value`` (the file itself, [scenario], each [[events]])."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _tables(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _tables(inner)


def test_every_bundled_scenario_and_card_says_its_words_in_french_too():
    import tomllib

    from model.data.world_data import CONFIG_DIR

    missing = []
    for path in sorted([*CONFIG_DIR.glob("scenarios/*.toml"), *CONFIG_DIR.glob("cards/*.toml")]):
        with path.open("rb") as f:
            for table in _tables(tomllib.load(f)):
                for key in ("title", "description", "note"):
                    if table.get(key) and not table.get(f"{key}_fr"):
                        missing.append(f"{path.name}: {key} = {table[key][:60]!r}")
    assert missing == [], "add a French version (key_fr) next to:\n" + "\n".join(missing)


def test_a_scenarios_notes_reach_the_french_news(tmp_path, capsys):
    assert (
        main(
            [
                "--lang",
                "fr",
                "run",
                "producer_nationalism",
                "--steps",
                "2",
                "-q",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    events = (tmp_path / "events.csv").read_text(encoding="utf-8")
    assert "interdiction des exportations de minerai de cobalt (exporté en hydroxyde" in events
    assert "La suspension de quatre mois couvre tout le trimestre" in events


def test_english_world_titles_are_the_world_datas():
    import tomllib

    english = catalogue("en")
    for world in WORLDS_DIR.glob("*/world.toml"):
        with world.open("rb") as f:
            title = tomllib.load(f)["world"]["title"]
        assert english[f"worlds.{world.parent.name}"] == title, world


def test_the_debrief_has_no_word_outside_the_catalogues(pseudo):
    from ui.forms import ControlForm
    from ui.game import Game

    game = Game("baseline", "CHN")
    ban, _ = ControlForm("all", "rare_earths", "refined", "ban").build(game.world.data, "CHN")
    game.queue(ban)
    while not game.finished:
        game.step()
    box, rc = solara.render(app.GameView(game, lambda: None, lambda: None), handle_error=False)
    try:
        strings = list(_strings(box))
        assert any("⟦Final ranking⟧" in text for text in strings)
        assert _unwrapped(strings, _identifiers(game.world)) == []
    finally:
        rc.close()


def test_news_played_in_one_language_reads_in_each_readers_own(tmp_path):
    """A class plays its quarter in the teacher's French; a student who chose English
    reads the same news in English, notes and numbers included."""
    from ui.forms import TariffForm
    from ui.game import Game

    with use_language("fr"):
        game = Game("producer_nationalism", "USA")
        tariff, _ = TariffForm("CHN", "rare_earths", "refined", "12.5").build(
            game.world.data, "USA"
        )
        game.queue(tariff)
        game.step()
    details = list(game.tables()["events"]["detail"])
    french = " ".join(details)
    assert "États-Unis : droit de douane de 12" in french
    assert "Toutes les exportations de cobalt suspendues" in french
    english = " ".join(t("ui.news_line", lang="en", date="-", detail=d) for d in details)
    assert "The United States sets a 1" in english
    assert "tariff on refined rare earths from China" in english
    assert "All cobalt exports suspended from 22 Feb 2025" in english
    assert "douane" not in english and "minerai" not in english
    # the tables a run writes keep the words of the language it ran in
    assert (
        main(
            [
                "--lang",
                "fr",
                "run",
                "baseline",
                "--steps",
                "1",
                "-q",
                "--format",
                "parquet",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )


def test_english_articles_follow_the_word_and_french_budgets_cover_the_same_year():
    """Review: "proposes a offtake contract"; the French sheet gave the year's budget as
    a quarter's, four times too much."""
    offtake, truce = t("deals.kind_offtake", lang="en"), t("deals.kind_truce", lang="en")
    assert "proposes an offtake contract" in t(
        "deals.proposed", lang="en", actor="USA", partner="AUS", deal=offtake
    )
    assert "proposes a truce" in t(
        "deals.proposed", lang="en", actor="USA", partner="AUS", deal=truce
    )
    assert t(
        "ui.error_no_counter", lang="en", deal=t("deals.kind_investment", lang="en")
    ).startswith("An investment deal")
    english = t("briefing.lever_budget", lang="en", usd=6023)
    french = t("briefing.lever_budget", lang="fr", usd=6023)
    assert "first year" in english and "première année" in french
    assert "par trimestre" not in french


def test_a_run_in_french_writes_the_same_tables_but_the_news_sentences(tmp_path):
    """Review: ``--lang fr`` wrote "T1 2025" in every table's date column."""
    for lang in ("en", "fr"):
        assert main(["--lang", lang, "run", "tutorial", "-q", "--out", str(tmp_path / lang)]) == 0
    for table in ("countries", "prices", "flows", "production", "deals", "event_targets"):
        english = (tmp_path / "en" / f"{table}.csv").read_text(encoding="utf-8")
        assert english == (tmp_path / "fr" / f"{table}.csv").read_text(encoding="utf-8"), table
    en, fr = (pd.read_csv(tmp_path / lang / "events.csv") for lang in ("en", "fr"))
    pd.testing.assert_frame_equal(en.drop(columns="detail"), fr.drop(columns="detail"))
    assert (en["detail"] != fr["detail"]).any()
    for lang in ("en", "fr"):
        assert json.loads((tmp_path / lang / "provenance.json").read_text())["language"] == lang


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_tutorials_hints_name_only_what_the_page_calls_things(lang):
    """Review: the French hints said "Stock stratégique", "Programmer le stock" and "Offres
    reçues" where the page said "Stocks stratégiques", "Ajouter l'opération de stockage"
    and "Offres qui vous sont faites"."""
    words = catalogue(lang)
    shown = [
        re.sub(r"\{[^}]*\}", "", value).strip()
        for value in words.values()
        if isinstance(value, str)
    ]
    hints = [key for key in words if key.startswith("game.hint")]
    assert len(hints) >= 6
    for key in hints:
        for named in re.findall(r"\*\*(.+?)\*\*", words[key]):
            assert any(label.startswith(named) for label in shown), (key, named)


def test_a_table_cell_that_rounds_to_nothing_has_no_minus():
    """Review: the score's parts read "downstream industry -0.0"."""
    assert format_value("{:+.1f}", -0.04) == "+0.0"
    assert format_value("{:.1%}", -0.00001) == "0.0%"
    assert format_value("{:+.1f}", -1.5) == "−1.5"  # a true minus, as the score's headline
    assert format_value("{:+.1f}", -0.04, lang="fr") == "+0,0"


def test_a_score_and_its_change_read_alike():
    """The player's walk read "−5,474.2 (−4722.6 since last quarter)" above a table of
    "-92.3": grouped one way and not the other, a hyphen for a minus."""
    assert words.points(-5474.2) == "−5,474.2"
    assert words.signed(-4722.6) == "−4,722.6"
    assert format_value("{:.1f}", -92.3) == "−92.3"
    with use_language("fr"):
        assert words.signed(-4722.6) == "−4\u202f722,6"


def test_names_not_codes_in_the_ledger_the_briefing_and_the_maps_key():
    """Review: "JPN,AUS" in the deals ledger, "ROW" among a briefing's sources, "≥ 2%" in
    the French map key."""
    from ui.map import legend_html
    from ui.views import ledger_in_words

    ledger = pd.DataFrame(
        {"proposer": ["JPN"], "partner": ["USA"], "kind": ["truce"], "status": ["accepted"],
         "terms": ["{}"]}
    )  # fmt: skip
    assert ledger_in_words(ledger)["parties"].item() == "Japan, the United States"
    assert "the rest of the world" in t("briefing.source_item", code="ROW", share=0.2)
    with use_language("fr"):
        assert f"≥ 2{NNBSP}%" in legend_html()


def test_counts_in_a_rollback_warning_need_no_plural_and_sources_are_never_nobody():
    """Review: "This deletes 1 quarters played"; "98% made at home; the rest from nobody
    abroad"."""
    counts = {"quarters": 1, "decisions": 3, "cards": 0}
    warning = t("lesson.confirm_rollback", lang="en", when="2026 Q2", **counts)
    assert "1 quarters" not in warning and "quarters played: 1" in warning
    assert t("lesson.many_small_sources", lang="fr") == "de nombreuses petites sources"


def test_french_ai_notes_need_no_gender_and_write_percentages_the_french_way():
    """Review: "Union européenne : … Il porte ses stocks" (and the same "Il" for l'Inde,
    la Corée du Sud), and "100%" beside "39 %" in the same news."""
    import tomllib

    from model.data.scenario import load_scenario
    from model.engine.world import World
    from model.text import LOCALE_DIR

    notes = tomllib.loads((LOCALE_DIR / "fr" / "strategies.toml").read_text(encoding="utf-8"))
    gendered = [key for key, text in notes.items() if re.search(r"\b(Il|il|Elle|elle)\b", text)]
    assert gendered == []
    with use_language("fr"):
        world = World(load_scenario("tutorial", ["steps=1"])).run()
    news = " ".join(world.tables()["events"]["detail"])
    assert "Dépendance à 100\u202f% envers un seul fournisseur" in news
    assert not re.search(r"\d%", news)


def french_templates_matching(pattern: re.Pattern) -> list[str]:
    """The keys of French templates (each variant of a plural one) that ``pattern`` finds."""
    return [
        key
        for key, template in catalogue("fr").items()
        for text in (template.values() if isinstance(template, dict) else [template])
        if pattern.search(str(text))
    ]


def test_no_french_sentence_writes_a_fixed_article_before_a_goods_name():
    """Tester: "Soumettre le aimants" — "le {exp_good}" whatever the good. A good carries
    its own determiner ({good:le}, {good:du}, {good:votre}), so it agrees."""
    fixed = re.compile(r"\b(le|la|les|l'|du|des|votre|vos|au|aux) \{\w*(good|mineral)\w*\}")
    assert french_templates_matching(fixed) == []
    with use_language("fr"):
        rare_earths = t("news.good", mineral="", stage="", good_id="refined_rare_earths")
        lithium = t("news.good", mineral="", stage="", good_id="refined_lithium")
        tariff = t("game.your_tariff", rate=0.2, good=lithium, partner="Chili")
        chart = t("game.debrief_prices_chart", good=rare_earths)
    assert tariff == "votre droit de douane de 20 % sur le lithium raffiné (provenance : Chili)"
    assert chart.startswith("Prix payé pour les terres rares raffinées,")


def test_a_french_sentence_names_a_country_after_a_colon_or_in_parentheses(tmp_path, monkeypatch):
    """Tester: "Chine vous laisse 50 %…", "droit de douane de 20 % de États-Unis",
    "contrôle … vers Chine", "proposée par États-Unis": a French country name needs an
    article we cannot choose without a gender table, so a sentence names it after ':' or
    in parentheses, never after a word or as the subject of a verb."""
    from ui import progress
    from ui.game import Game

    country = r"\{(\w+:names?|partner)\}"
    bare = re.compile(rf"^{country} [a-zà-ÿ]|[a-zà-ÿ'] {country}")
    assert french_templates_matching(bare) == []
    monkeypatch.setenv("MINERALS_GAMES", str(tmp_path / "games"))
    game = Game("tutorial", "JPN")
    game.step()
    game.step()
    with use_language("fr"):
        _, at_you = progress.measures_in_force(game.world, "JPN")
        good = t("news.good", mineral="", stage="", good_id="refined_lithium")
        tariff = t("game.tariff_on_you", rate=0.2, good=good, partner="États-Unis")
        mine = t("game.your_control", level=0.5, good=good, partner="Chine")
        seat = t("deals.not_your_seat", actor="CHN", code="USA")
        more = t("lesson.more_moves", actor="USA", count=3)
    assert (
        "Chine : contrôle de ses exportations de terres rares raffinées vers vous, "
        f"50{NNBSP}% des exportations normales"
    ) in at_you
    assert tariff == (
        f"États-Unis : droit de douane de 20{NNBSP}% sur vos exportations de lithium raffiné"
    )
    assert mine.startswith("votre contrôle des exportations de lithium raffiné (destination : ")
    assert seat.endswith("cette délégation représente une autre économie (États-Unis)")
    assert more.endswith("du même type (États-Unis)")


def test_a_measure_that_cannot_be_played_is_named_in_the_readers_words():
    """Tester: "un(e) export_control impossible à représenter dans le monde actuel." in a
    French seat's history advice, and "mesure « tariff » refusée" in the French news."""
    from agents.actions import ExportControl
    from model.engine.world import World
    from model.text import again

    world = World(load_scenario("tutorial", ["steps=1"]))
    unknown = ExportControl("CHN", ("ZZZ",), "rare_earths", "refined", level=0.5)
    advice = world.describe(unknown)
    with use_language("fr"):
        world.refuse(0, unknown, "x")
    refused = world.tables()["events"]["detail"].iloc[-1]
    assert advice == "An export control that cannot be shown on today's world."
    assert again(advice, "fr") == (
        "mesure « contrôle des exportations » impossible à représenter dans le monde actuel."
    )
    assert refused == "Chine : mesure « contrôle des exportations » refusée (x)"


def test_french_puts_a_space_before_a_colon_in_what_the_class_reads(tmp_path):
    """Review: "offre d'accord: 42" and "code de classe: VAKYFX" on French class pages."""
    import ipyvuetify as v
    import solara

    from model.game.classroom import ClassGame
    from ui import classroom

    game = ClassGame.create("washington_coalition", ["USA", "CHN"], tmp_path / "g", seed=1)
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    with use_language("fr"):
        _, rc = solara.render(classroom.ClassNews(game), handle_error=False)
        said = " ".join(str(w.children) for w in rc.find(v.Html).widgets)
        said += "".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        rc.close()
        join = t("lesson.join_on", url="http://x/join", code="ABC")
    assert "accord accepté : " in said and "droit plancher de coalition : 1" in said
    assert not re.search(r"\w[:;] ", said)
    assert join.endswith("avec le code de classe : **ABC**")


def test_an_english_tariff_on_you_names_who_set_it_after_the_measure():
    """It read "the 20% tariff of United States on refined lithium from you"."""
    from model.engine.policies import good_label

    with use_language("en"):
        good = good_label("lithium", "refined")
        said = t("game.tariff_on_you", rate=0.2, good=good, partner="the United States")
    assert said == "a 20% tariff on refined lithium from you, set by the United States"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_name_as_typed_opens_a_sentence_unchanged_a_country_name_with_a_capital(
    monkeypatch, lang
):
    from model.text import catalogue

    monkeypatch.setitem(catalogue(lang), "test.sweep", "{name}: {runs} runs of {actor:name}.")
    monkeypatch.setitem(catalogue(lang), "test.actor", "{actor:name} sets a tariff.")
    with use_language(lang):
        assert t("test.sweep", name="my_sweep", runs=20, actor="USA").startswith("my_sweep: 20")
        assert t("test.actor", actor="USA")[:1].isupper()


def test_french_typography_in_what_the_single_player_reads():
    """Walk (French phone): « Durée: », « Qui vous pouvez incarner: », the map's « vers elle
    à 0 %; son droit… », « Pas encore de score : ils apparaissent » and « terres rares
    lourdes (Dy, Tb) (raffiné) (destination : États-Unis) »."""
    from agents.actions import ExportControl, Stockpile
    from ui.forms import ControlForm, TariffForm
    from ui.game import Game
    from ui.map import map_table
    from ui.panels import describe

    game = Game("baseline", "CHN")
    data = game.world.data
    game.queue(ControlForm("USA", "rare_earths", "refined", "ban").build(data, "CHN")[0])
    game.queue(TariffForm("USA", "rare_earths", "refined", "10").build(data, "CHN")[0])
    game.step()
    with use_language("fr"):
        _, rc = solara.render(app.StartScreen(on_start=lambda game: None), handle_error=False)
        markdown = " ".join(str(w.template) for w in rc.find(v.VuetifyTemplate).widgets)
        said = " ".join(re.findall(r"<p>(.*?)</p>", markdown, re.S))  # its words, not its code
        rc.close()
        usa = map_table(game.world, game.tables(), "rare_earths", "refined", "CHN")
        measures = usa.loc[usa["country"] == "USA", "measures"].iloc[0]
        control = describe(ExportControl("CHN", ("USA",), "heavy_rare_earths", "refined", 0.0))
        bought = describe(Stockpile("CHN", "heavy_rare_earths", "refined", 500.0))
        empty = t("ui.no_scores")
    assert "<strong>Durée :</strong>" in said
    assert "<strong>Pays que vous pouvez incarner :</strong>" in said
    assert not re.search(r"[\w)»%](</strong>)?[:;](?=[\s<])", said)
    assert measures == (
        f"vous limitez vos exportations vers ce pays à 0{NNBSP}% ; "
        f"votre droit de douane de 10{NNBSP}% sur ce pays"
    )
    assert control.startswith(
        "Contrôle des exportations de terres rares lourdes raffinées (Dy, Tb) "
        "(destination : États-Unis)"
    )
    assert bought == "Achat de 500 t de terres rares lourdes raffinées (Dy, Tb) pour les stocks"
    assert empty.startswith("Pas encore de scores : ils apparaissent")


def test_dr_congo_opens_a_sentence_as_people_say_it():
    """The player's walk read "The DR Congo spends…": DR Congo takes no article."""
    with use_language("en"):
        said = t("game.verdict_distrust", actor="COD", other="USA", trust=0.1, least=0.5)
    assert said.startswith("DR Congo does not trust the United States enough")


def test_the_french_rules_say_what_the_score_is_as_the_english_do():
    """The player's walk: the French rules' score paragraph said neither what 0 is nor what
    a point is worth, where the English says both."""
    with use_language("en"):
        rules = t("ui.how_to")
    assert "0 means no change" in rules and "1 point is 0.01 %" in rules
    with use_language("fr"):
        rules = t("ui.how_to")
    assert "0 veut dire aucun changement" in rules and "1 point vaut 0,01 %" in rules
