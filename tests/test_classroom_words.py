"""What a class reads on its pages, word for word, in English and French: goods named as
the catalogue names them, plurals that agree, names instead of codes, rounds that say
where the lesson is."""

from html import unescape

import ipywidgets
import pytest
import solara
import solara.widgets

from model.game.classroom import ClassGame
from model.text import use_language
from ui import classroom, views


def test_an_offers_good_is_named_as_the_catalogue_names_it():
    terms = {"mineral": "rare_earths", "stage": "magnets", "tonnes": 100.0}
    with use_language("fr"):
        words = views.describe_terms(terms)
    assert words.startswith("aimants de terres rares, ")
    assert "minerai" not in words and "stade" not in words
    with use_language("en"):
        assert views.describe_terms(terms).startswith("magnet rare earths, ")
    with use_language("fr"):  # a mineral at every stage keeps its two terms
        assert views.describe_terms({"mineral": "lithium", "stage": "all"}).startswith(
            "minéral : lithium, "
        )



def test_the_teachers_re_walk_reads_plain_words_in_both_languages():
    """The computer's truce read "(mineral all minerals, stage all stages, highest tariff
    0%)"; a guarantee "is accepted or refused as it is" without saying why; French said
    « Pas encore de score : ils apparaissent » and « un contrat d'enlèvement (offtake) »."""
    from model.text import t

    everything = {"mineral": "all", "stage": "all", "max_rate": 0.0}
    with use_language("en"):
        assert views.describe_terms(everything) == "all minerals at every stage, highest tariff 0%"
        why = t("ui.no_counter_kind", deal=t("deals.kind_supply_guarantee"))
        assert why.startswith("A supply guarantee has no number to change: it is accepted")
    with use_language("fr"):
        assert views.describe_terms(everything).startswith("tous les minerais, à tous les stades, ")
        why = t("ui.no_counter_kind", deal=t("deals.kind_truce"))
        assert why.startswith("Pas de chiffre à changer dans cette offre (trêve) : elle s'accepte")
        assert t("ui.no_scores").startswith("Pas encore de scores : ils apparaissent")
        assert t("game.a_offtake") == "un contrat d'enlèvement"
        assert "offtake" not in t("lesson.move_importer_2", supplier="CHN")
        assert "(offtake)" in t("lesson.word_offtake")  # the glossary keeps the English word


# --- a delegation's round report ------------------------------------------------------------


@pytest.fixture
def game(tmp_path):
    return ClassGame.create("baseline", ["USA", "CHN", "JPN"], tmp_path / "class", seed=5)


def _shown(component) -> str:
    """Every sentence a component shows: its widgets' texts and blocks of lines."""
    _, rc = solara.render(component, handle_error=False)
    texts = list(_texts(rc.find(ipywidgets.Widget).widgets))
    rc.close()
    return "\n".join(texts)


def _texts(widgets):
    for widget in widgets:
        if isinstance(widget, solara.widgets.HTML):
            yield unescape(widget.unsafe_innerHTML)
        elif isinstance(getattr(widget, "template", None), str):  # Markdown
            yield unescape(widget.template)
        for child in getattr(widget, "children", None) or ():
            if isinstance(child, str):
                yield child
            else:
                yield from _texts([child])


def test_one_waiting_offer_is_one_offer_and_a_first_price_says_what_it_is(game):
    """French phone: "1 offres attendent votre réponse", "(premier prix)" (read as the
    cheapest), and "Personne n'a pris de mesure contre vous." while tariffs still applied."""
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    game.open_round(game.teacher_token)
    truce = {"kind": "propose", "actor": "USA", "partner": "CHN", "deal": "truce", "terms": {}}
    assert game.add_decision(game.seat_tokens["USA"], truce) is None
    with use_language("fr"):
        shown = _shown(classroom.RoundReport(game, "CHN", version=game.version))
    assert "1 offre attend votre réponse (voir Décider)." in shown
    assert "Aucune nouvelle mesure contre vous sur ce tour." in shown
    assert "(premier trimestre : aucun prix antérieur à comparer)" in shown
    assert "premier prix" not in shown
    with use_language("en"):
        shown = _shown(classroom.RoundReport(game, "CHN", version=game.version))
    assert "1 offer is waiting for your answer (see Decide)." in shown
    assert "No new measure against you this round." in shown
    assert "(first quarter: no earlier price to compare)" in shown


def test_a_round_summarys_deals_read_as_sentences_in_french_too(game):
    """French phone: "Chine : offre acceptée (trêve) ; partenaire : États-Unis ; engagement
    jusqu'au T1 2027." where English reads "China accepts the truce with the United States,
    binding until 2027 Q1."."""
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    game.open_round(game.teacher_token)
    usa, chn, jpn = (game.seat_tokens[code] for code in ("USA", "CHN", "JPN"))
    truce = {"kind": "propose", "actor": "USA", "partner": "CHN", "deal": "truce", "terms": {}}
    agreement = truce | {"partner": "JPN", "deal": "tariff_agreement"}
    agreement["terms"] = {"mineral": "lithium", "max_rate": 0.1}
    assert game.add_decision(usa, truce) is None and game.add_decision(usa, agreement) is None
    accept = {"kind": "respond", "actor": "CHN", "offer_id": 0, "answer": "accept", "ref": "USA-1"}
    counter = accept | {"actor": "JPN", "answer": "counter", "ref": "USA-2"}
    counter["terms"] = {"max_rate": 0.05}
    assert game.add_decision(chn, accept) is None and game.add_decision(jpn, counter) is None
    game.close_round(game.teacher_token)
    with use_language("fr"):
        shown = _shown(classroom.RoundReport(game, "USA", version=game.version))
    assert (
        "Nouvelle offre (trêve) : son auteur (États-Unis) la soumet à un partenaire (Chine)."
        in shown
    )
    assert (
        "Offre acceptée (trêve) : son destinataire (Chine) et son auteur (États-Unis) sont liés "
        "jusqu'au T1 2027." in shown
    )
    assert (
        "Votre partenaire (Japon) répond à votre offre (accord tarifaire) par une "
        "contre-proposition : elle attend votre réponse (voir Décider)." in shown
    )
    assert "; partenaire :" not in shown and "Chine : offre" not in shown


def test_a_delegations_counter_offer_is_among_its_moves_and_the_classs(game):
    """Walk-through: Japan's counter-offer to the US was in neither Japan's "What your
    delegation did" nor the projector's list of the class's moves."""
    game.open_round(game.teacher_token)
    agreement = {"kind": "propose", "actor": "USA", "partner": "JPN", "deal": "tariff_agreement"}
    agreement["terms"] = {"mineral": "lithium", "max_rate": 0.1}
    assert game.add_decision(game.seat_tokens["USA"], agreement) is None
    counter = {"kind": "respond", "actor": "JPN", "offer_id": 0, "answer": "counter"}
    counter |= {"ref": "USA-1", "terms": {"max_rate": 0.05}}
    assert game.add_decision(game.seat_tokens["JPN"], counter) is None
    game.close_round(game.teacher_token)
    [deal] = game.world.deal_refs
    said = (
        f"Japan makes a counter-offer to the United States on deal {deal} (USA-1), "
        "a tariff agreement (highest tariff 5%)."
    )
    with use_language("en"):
        japan = _shown(classroom.RoundReport(game, "JPN", version=game.version))
        room = _shown(classroom.ClassNews(game, version=game.version))
    assert said in japan.split("What your delegation did:")[1]
    assert said in room.split("The class's moves")[1]
    with use_language("fr"):
        japan = _shown(classroom.RoundReport(game, "JPN", version=game.version))
    assert f"Contre-proposition sur l'accord {deal} (USA-1) : l'une des parties (Japon)" in japan


def test_the_score_reasons_are_named_alike(game):
    """French phone: "acheteurs -91,1, mines et raffineries +62,3, les objectifs de votre
    gouvernement -67,7": one part with an article, the others without."""
    from model.text import t

    names = ("consumers", "producers", "transfers", "downstream", "objectives")
    for lang in ("en", "fr"):
        with use_language(lang):
            said = [t(f"lesson.component_score_{name}") for name in names]
        assert not any(part.split()[0] in ("les", "la", "le", "your", "the") for part in said)
    with use_language("fr"):
        assert t("lesson.component_score_objectives") == "objectifs du gouvernement"


def test_the_computers_held_back_offers_are_counted_in_words(game, monkeypatch):
    """US page: "3 more offers from countries played by the computer (3 tariff agreement):
    they lapse if you do not answer." – the students are never shown them."""
    game.open_round(game.teacher_token)
    token = game.seat_tokens["USA"]

    def decide_section(held_back: dict, lang: str) -> str:
        monkeypatch.setattr(game, "hidden_offers", lambda code: held_back)
        with use_language(lang):
            desk = classroom.SeatDesk(game, token, "USA")
            return _shown(classroom.DecideSection(game, desk, token, "USA"))

    shown = decide_section({"tariff_agreement": 3}, "en")
    assert (
        "3 more offers from countries played by the computer (tariff agreement: 3) are held "
        "back: they are not shown here and lapse at the round's close." in shown
    )
    shown = decide_section({"offtake": 1}, "fr")
    assert (
        "1 autre offre d'un pays joué par l'ordinateur (contrat d'enlèvement : 1) est mise "
        "de côté : elle ne s'affiche pas ici et devient caduque à la fin du tour." in shown
    )


def test_an_offtake_offer_reads_without_brackets_inside_brackets():
    """French phone: "offre (contrat d'enlèvement (offtake))"."""
    from model.text import t

    with use_language("fr"):
        said = t("deals.proposed", actor="EU", partner="CHN", deal=t("deals.kind_offtake"))
    assert said == (
        "Nouvelle offre (contrat d'enlèvement) : son auteur (Union européenne) la soumet à un "
        "partenaire (Chine)."
    )


# --- the projector and the teacher's console -----------------------------------------------


def test_the_header_says_which_round_was_played_and_which_comes_next(tmp_path):
    """Teacher's walk-through: "round 1 of 3 · round closed" before round 1 was opened, and
    "round 2 of 3 · round closed" once round 1 was played (as if round 2 had been)."""
    from model.game.lesson import Lesson

    game = ClassGame.create(
        "baseline", ["USA", "CHN"], tmp_path / "class", seed=5, lesson=Lesson(rounds=3)
    )
    with use_language("en"):
        assert classroom.round_line(game).endswith("round 1 of 3 · not started")
    with use_language("fr"):
        assert classroom.round_line(game).endswith("tour 1 sur 3 · pas encore commencé")
    game.open_round(game.teacher_token)
    with use_language("en"):
        assert classroom.round_line(game).endswith("round 1 of 3 · round open")
    game.close_round(game.teacher_token)
    with use_language("en"):
        assert classroom.round_line(game).endswith("round 1 played · round 2 of 3 next")
    with use_language("fr"):
        assert classroom.round_line(game).endswith("tour 1 joué · prochain : tour 2 sur 3")
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    with use_language("en"):
        assert classroom.round_line(game).endswith(
            "round 2 played · round 3 of 3 next · last round"
        )


def test_this_rounds_column_shows_the_first_rounds_change(tmp_path):
    """Projector: the "this round" column read "–" for every delegation after round 1.
    Every score starts at 0, so round 1's change is the score itself."""
    from model.game import report

    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "class", seed=5)
    game.open_round(game.teacher_token)
    tariff = {"kind": "tariff", "actor": "USA", "targets": ["CHN"], "rate": 0.3}
    game.add_decision(
        game.seat_tokens["USA"], tariff | {"mineral": "rare_earths", "stage": "mined"}
    )
    game.close_round(game.teacher_token)
    board = classroom.class_board(game).set_index("country")
    assert list(board["change"]) == list(board["score"])
    with use_language("en"):
        shown = _shown(classroom.Leaderboard(game, classroom.class_board(game)))
    usa = f"{board.at['USA', 'score']:+.1f}"
    assert shown.count(f">{usa}<") == 2 and "–" not in shown
    assert report.leaderboard(game.tables(), game.seats, 1, 0)["change"].notna().all()


# --- names, not codes ----------------------------------------------------------------------


def test_a_delegations_page_names_its_country_and_the_others_not_their_codes(tmp_path):
    """US page: "Delegation of United States (USA)"; French: "Union européenne (27)",
    message recipients "USA", "EU" and lines "USA → CHN", a price legend "EU JPN CHN"."""
    game = ClassGame.create("baseline", ["USA", "CHN", "EU"], tmp_path / "class", seed=5)
    game.open_round(game.teacher_token)
    game.send_message(game.seat_tokens["USA"], "CHN", "Truce on lithium?")
    game.close_round(game.teacher_token)
    with use_language("en"):
        usa = _shown(classroom.SeatPage(game, game.seat_tokens["USA"], "USA"))
        eu = _shown(classroom.SeatPage(game, game.seat_tokens["EU"], "EU"))
    assert "Delegation of the United States (USA)" in usa
    assert "Delegation of the European Union (EU)" in eu
    with use_language("fr"):
        eu = _shown(classroom.SeatPage(game, game.seat_tokens["EU"], "EU"))
        chn = _shown(classroom.Messages(game, game.seat_tokens["CHN"], "CHN"))
    assert "Délégation : Union européenne (EU)" in eu and "(27)" not in eu
    assert "United States → China: Truce on lithium?" in _shown(
        classroom.Messages(game, game.seat_tokens["USA"], "USA")
    )
    assert "États-Unis → Chine : Truce on lithium?" in chn and "USA → CHN" not in chn
    with use_language("fr"):
        _, rc = solara.render(
            classroom.Messages(game, game.seat_tokens["CHN"], "CHN"), handle_error=False
        )
        [select] = rc.find(ipywidgets.Widget, label="Destinataire").widgets
        shown = [item["text"] for item in select.items]
        assert "États-Unis" in shown and "Union européenne" in shown
        assert "USA" not in shown and "EU" not in shown
        rc.close()


def test_the_price_chart_names_its_lines_and_its_good(tmp_path):
    """China's world tab: a legend "EU JPN CHN IND USA" and "payé par chaque économie pour
    terres rares (minerai)"."""
    from ui import panels

    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "class", seed=5)
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    tables = views.Tables(game.tables())
    with use_language("fr"):
        shown = _shown(panels.PriceChart(game.world, tables, "CHN"))
    assert "payé par chaque économie pour le minerai de terres rares, par trimestre" in shown
    legend = shown.split('class="minerals-chart-legend"', 1)[1]
    assert "Chine</li>" in legend and "États-Unis</li>" in legend
    assert "CHN</li>" not in legend and "USA</li>" not in legend
    with use_language("en"):
        shown = _shown(panels.PriceChart(game.world, tables, "CHN"))
    assert "paid by each economy for mined rare earths, by quarter" in shown
    assert "United States</li>" in shown.split('class="minerals-chart-legend"', 1)[1]


def test_licences_a_delegation_asked_for_are_its_move_when_granted(tmp_path):
    """Projector: "China grants export licences for magnet rare earths: 50% of normal
    volumes to the United States." was listed under the rest of the world, though the
    Chinese delegation had put those exports under licence a round before."""
    from model.game import report

    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "class", seed=5)
    licences = {
        "kind": "export_control",
        "actor": "CHN",
        "targets": ["USA"],
        "mineral": "rare_earths",
        "stage": "magnets",
        "level": 0.5,
        "delay": 1,
    }
    game.open_round(game.teacher_token)
    assert game.add_decision(game.seat_tokens["CHN"], licences) is None
    game.close_round(game.teacher_token)
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    with use_language("en"):
        news = report.headlines(game.tables(), ["USA", "CHN"], 1, 2)
    granted = "China grants export licences for magnet rare earths: 50% of normal volumes"
    assert any(granted in str(line) for line in news["students"])
    assert not any(granted in str(line) for line in news["ai"])


def test_the_teachers_debrief_names_economies_and_says_each_deal_in_a_sentence(game):
    """Console debrief: ranking tables of 59 economies by code (NOR, UKR…) and deal lines
    "truce between the United States, China, accepted"."""
    import time

    game.open_round(game.teacher_token)
    truce = {"kind": "propose", "actor": "USA", "partner": "CHN", "deal": "truce", "terms": {}}
    assert game.add_decision(game.seat_tokens["USA"], truce) is None
    answer = {"kind": "respond", "actor": "CHN", "offer_id": 0, "answer": "accept", "ref": "USA-1"}
    assert game.add_decision(game.seat_tokens["CHN"], answer) is None
    game.close_round(game.teacher_token)
    for lang, said in (
        ("en", "Deal 1 (USA-1): the United States offered China a truce; China accepted."),
        ("fr", "Accord 1 (USA-1) : trêve ; offre : États-Unis ; partenaire : Chine ; acceptation"),
    ):
        with use_language(lang):
            _, rc = solara.render(classroom.ClassDebrief(game), handle_error=False)
            end = time.monotonic() + 120
            while "Deal" not in (shown := "\n".join(_texts(rc.find(ipywidgets.Widget).widgets))):
                if "Accord" in shown or time.monotonic() > end:
                    break
                time.sleep(0.2)
            rc.close()
        assert said in shown
        assert ">NOR<" not in shown and ">UKR<" not in shown
    assert ">Norway<" not in shown and ">Norvège<" in shown
