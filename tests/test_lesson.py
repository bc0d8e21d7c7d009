"""A lesson that runs itself: its shape, the clock, joining, the projector's facts, role cards."""

import re

import pytest

from model.game import classroom, report, roles
from model.game.classroom import ClassGame, ClassroomError
from model.game.lesson import Lesson
from model.text import t, use_language
from ui.cli import main

SEATS = ["USA", "CHN", "EU", "JPN"]


def tariff(actor, target, rate=0.25):
    return {
        "kind": "tariff",
        "actor": actor,
        "targets": [target],
        "mineral": "lithium",
        "stage": "refined",
        "rate": rate,
    }


def truce(actor, partner):
    return {"kind": "propose", "actor": actor, "partner": partner, "deal": "truce", "terms": {}}


@pytest.fixture
def game(tmp_path):
    lesson = Lesson(rounds=3, quarters=2, deals_from=2)
    return ClassGame.create("baseline", SEATS, tmp_path / "class", seed=7, lesson=lesson)


def test_a_lesson_of_three_rounds_of_two_quarters_with_deals_from_round_two(game):
    teacher, usa = game.teacher_token, game.seat_tokens["USA"]
    assert (game.class_round, game.rounds_total, game.last_round) == (1, 3, False)
    game.open_round(teacher)
    [refused] = game.submit(usa, [truce("USA", "CHN")])
    assert "deals open in round 2" in refused
    club = {"kind": "found_coalition", "actor": "USA", "coalition": "Early", "targets": ["JPN"]}
    [refused] = game.submit(usa, [club])  # founding a club is a deal too
    assert "deals open in round 2" in refused
    assert game.submit(usa, [tariff("USA", "CHN")]) == [None]
    turn = game.close_round(teacher)
    assert game.round_no == 2 and game.class_round == 2  # one round played two quarters
    assert turn.actions["USA"] and game.log.turns[1].actions["USA"] == []  # measures stand
    game.open_round(teacher)
    assert game.submit(usa, [truce("USA", "CHN")]) == [None]
    game.close_round(teacher)
    assert game.last_round and game.class_round == 3
    game.open_round(teacher)
    game.close_round(teacher)
    assert game.finished and game.round_no == 6
    with pytest.raises(ClassroomError, match="the game is over"):
        game.open_round(teacher)
    again = ClassGame.resume(game.state_dir)
    assert again.lesson == game.lesson and again.finished


def test_the_teacher_can_always_give_more_time_and_rounds_can_close_by_themselves(
    game, monkeypatch
):
    teacher, usa = game.teacher_token, game.seat_tokens["USA"]
    game.open_round(teacher, minutes=1)
    now = game.deadline - 60
    monkeypatch.setattr("time.time", lambda: now + 90)  # 30 s past the deadline
    with pytest.raises(ClassroomError, match="time is up"):
        game.submit(usa, [tariff("USA", "CHN")])
    assert not game.tick()  # auto-close is off: the round waits for the teacher
    game.extend(teacher, 1)
    assert game.time_left() == pytest.approx(60)  # a minute from now, not from the deadline
    assert game.submit(usa, [tariff("USA", "CHN")]) == [None]
    game.pause(teacher)
    game.extend(teacher, 2)
    game.unpause(teacher)
    assert game.time_left() == pytest.approx(180)
    game.set_auto_close(teacher, True)
    monkeypatch.setattr("time.time", lambda: now + 90 + 181)
    assert game.tick() and game.round_no == 2 and not game.round_open
    assert game.log.turns[0].actions["USA"]  # the submission made in the extra time played
    with pytest.raises(ClassroomError, match="no round is open"):
        game.extend(teacher, 1)
    with pytest.raises(ClassroomError, match="only the teacher"):
        game.extend(usa, 1)


def test_a_class_code_opens_the_seats_not_locked_and_a_reissued_link_replaces_the_old(game):
    teacher = game.teacher_token
    assert re.fullmatch(r"[A-Z2-9]{6}", game.class_code)
    with pytest.raises(ClassroomError, match="class code is not right"):
        game.join("WRONG1")
    assert set(game.join(game.class_code.lower())) == set(SEATS)
    code = game.class_code.lower()
    assert set(game.join(f" {code[:3]} {code[3:]} ")) == set(SEATS)  # as read off a screen
    game.lock_seat(teacher, "USA")
    assert set(game.join(game.class_code)) == {"CHN", "EU", "JPN"}
    old = game.seat_tokens["CHN"]
    new = game.reissue(teacher, "CHN")
    assert game.role(old) is None and game.role(new) == ("seat", "CHN")
    assert game.join(game.class_code)["CHN"] == new
    with pytest.raises(ClassroomError, match="only the teacher"):
        game.lock_seat(new, "EU")
    again = ClassGame.resume(game.state_dir)
    assert again.class_code == game.class_code and again.locked == {"USA"}
    assert again.role(new) == ("seat", "CHN")
    screen = game.class_links(teacher, "http://h:1")["screen"].split("token=")[1]
    assert game.role(screen) == ("screen", None)
    with pytest.raises(ClassroomError, match="only the teacher"):
        game.close_round(screen)
    with pytest.raises(ClassroomError, match="needs a seat"):
        game.submit(screen, [])


def test_devices_are_counted_while_connected(game):
    leave = game.connect("USA")
    game.connect("USA")
    assert game.devices()["USA"] == 2 and game.devices()["CHN"] == 0
    leave()
    assert game.devices()["USA"] == 1


def test_an_event_card_never_acts_in_a_student_delegations_name(tmp_path):
    game = ClassGame.create("baseline", ["CHN", "USA"], tmp_path / "g", seed=1)
    teacher = game.teacher_token
    game.fire_card(teacher, "china_magnet_licences")  # China's moves: China is a delegation
    assert game.log.cards and all(card["advice"] for card in game.log.cards)  # told, not played
    game.open_round(teacher)
    game.close_round(teacher)
    game.close_round(teacher)
    events = game.tables()["events"]
    assert not ((events.actor == "CHN") & (events.decided_by == "card")).any()
    assert "China puts" in game.debrief_page(teacher)  # the debrief lists the card fired
    [note] = [m for m in game.messages(game.seat_tokens["CHN"]) if m["to"] == "CHN"]
    assert "your delegation's choice" in note["text"]
    assert not any(m["to"] == "CHN" for m in game.messages(game.seat_tokens["USA"]))
    game.hand_over(teacher, "CHN", "bot")  # played by the computer: the card plays for it
    game.fire_card(teacher, "china_magnet_licences")
    played = [card for card in game.log.cards if not card.get("advice")]
    assert played and {card["action"]["actor"] for card in played} == {"CHN"}


def test_a_french_delegation_reads_its_private_card_note_in_french(tmp_path):
    """Tester (French class): the card's note to a delegation ("in real history your
    country did this: …") stayed in English inside the French sentence."""
    with use_language("en"):  # an English teacher hosts and fires the card
        game = ClassGame.create("baseline", ["CHN", "USA"], tmp_path / "g", seed=1)
        game.fire_card(game.teacher_token, "china_magnet_licences")
    [note] = [m for m in game.messages(game.seat_tokens["CHN"]) if m["to"] == "CHN"]
    with use_language("fr"):  # the French delegation's message list (ui/classroom.py)
        read = t("class_ui.message_line", sender="x", to="y", date="z", text=note["text"])
    assert "Les aimants contenant du Dy ou du Tb sont aussi soumis à licence" in read, read
    assert "Licences pour Sm, Gd, Tb" in read
    assert "Magnets containing" not in read and "Licences for" not in read
    assert "histoire réelle" in read


def test_no_card_cites_a_file_path():
    from model.game.cards import card_names, load_card

    for name in card_names():
        card = load_card(name, "world_2024")
        assert not re.search(r"\.toml|\.csv|configs/|\.\./", card.description), name


def test_rolling_back_says_what_will_be_lost(tmp_path):
    game = ClassGame.create("baseline", SEATS, tmp_path / "g", seed=1)
    teacher = game.teacher_token
    for _ in range(2):
        game.open_round(teacher)
        game.submit(game.seat_tokens["USA"], [tariff("USA", "CHN")])
        game.close_round(teacher)
    game.fire_card(teacher, "drc_cobalt_suspension")
    game.open_round(teacher)
    game.submit(game.seat_tokens["EU"], [tariff("EU", "CHN")])
    assert game.losses(1) == {"quarters": 1, "decisions": 2, "cards": 1}
    assert game.losses(2)["quarters"] == 0
    game.rollback(teacher, 1)
    assert game.round_no == 1 and game.log.cards == []


def test_a_branch_is_remembered_so_its_links_survive_a_restart(tmp_path):
    game = ClassGame.create("baseline", SEATS, tmp_path / "g", seed=1)
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    branch = game.branch(game.teacher_token, 1, tmp_path / "b")
    again = ClassGame.resume(game.state_dir)
    assert again.branches == [str((tmp_path / "b").resolve())]
    assert ClassGame.resume(again.branches[0]).teacher_token == branch.teacher_token


def test_the_projector_ranks_the_class_only_and_puts_the_students_moves_first(tmp_path):
    game = ClassGame.create("washington_coalition", ["USA", "CHN", "JPN"], tmp_path / "g", seed=1)
    teacher = game.teacher_token
    game.open_round(teacher)
    game.submit(game.seat_tokens["JPN"], [tariff("JPN", "CHN", 0.3)])
    game.close_round(teacher)
    tables = game.tables()
    board = report.leaderboard(tables, game.seats, game.round_no, 0)
    assert sorted(board["country"]) == ["CHN", "JPN", "USA"]
    assert list(board["rank"]) == [1, 2, 3] and board["score"].is_monotonic_decreasing
    news = report.headlines(tables, ["USA", "CHN", "JPN"], 0, 1)
    assert news["students"] == [
        line for line in news["students"] if "Japan sets a 30% tariff" in line
    ] and len(news["students"]) == 1  # the class's own move, and nothing else
    assert len(news["ai"]) <= report.AI_HEADLINES
    events = tables["events"]
    first = events[(events["step"] == 1) & (events["action"] != "history")]
    rest = len(first) - 1
    assert len(news["ai"]) + sum(news["ai_counts"].values()) == rest
    # the scenario's 42 invitations in the US's name were not the US delegation's moves
    invited = first[(first["actor"] == "USA") & (first["decided_by"] == "script")]
    assert len(invited) > 2 and not any("USA" in str(line) for line in news["students"])
    happened = report.what_happened(tables, "CHN", 0, 1)
    assert any("Japan sets a 30% tariff" in hit for hit in happened["hits"])
    assert happened["played"] and happened["change"] is None
    # "What your delegation did": its own decisions, not the offers its script made
    assert report.what_happened(tables, "USA", 0, 1)["yours"] == []
    assert [m for m in report.what_happened(tables, "JPN", 0, 1)["yours"] if "30%" in m]


def _respond(actor, ref, word, terms=None):
    answer = {"kind": "respond", "actor": actor, "offer_id": 0, "answer": word, "ref": ref}
    return answer | ({"terms": terms} if terms else {})


def test_each_delegation_reads_what_became_of_its_offers_and_of_a_broken_deal(tmp_path):
    """Teacher's walk-through: the US summary said only that it proposed a guarantee China
    had accepted; China broke it a round later and only the teacher's debrief said so."""
    game = ClassGame.create("baseline", ["USA", "CHN", "EU"], tmp_path / "g", seed=7)
    teacher, seat = game.teacher_token, game.seat_tokens
    game.open_round(teacher)
    guarantee = {"supplier": "CHN", "mineral": "graphite", "stage": "refined"}
    offer = {"kind": "propose", "actor": "USA", "partner": "CHN", "deal": "supply_guarantee"}
    game.add_decision(seat["USA"], offer | {"terms": guarantee})  # USA-1
    game.add_decision(seat["EU"], truce("EU", "CHN"))  # EU-2
    agreement = {"deal": "tariff_agreement", "terms": {"mineral": "lithium", "max_rate": 0.05}}
    game.add_decision(seat["CHN"], offer | {"actor": "CHN", "partner": "EU"} | agreement)
    game.add_decision(seat["CHN"], _respond("CHN", "USA-1", "accept"))
    game.add_decision(seat["CHN"], _respond("CHN", "EU-2", "reject"))
    game.add_decision(seat["EU"], _respond("EU", "CHN-3", "counter", {"max_rate": 0.1}))
    game.close_round(teacher)
    tables = game.tables()
    [usa] = report.what_happened(tables, "USA", 0, 1)["answers"]
    until = game.world.quarter_label(game.world.state.deals[0].until)
    assert "China accepts the supply guarantee with the United States" in usa and until in usa
    [eu] = report.what_happened(tables, "EU", 0, 1)["answers"]
    assert "China rejects the truce offered by the European Union" in eu
    # China's offer came back countered: it waits for China's answer, and China is told
    assert report.what_happened(tables, "CHN", 0, 1)["answers"] == [
        ("countered", "EU", "tariff_agreement")
    ]

    game.open_round(teacher)
    licences = {"kind": "export_control", "actor": "CHN", "targets": ["USA"], "level": 0.5}
    licences |= {"mineral": "graphite", "stage": "refined", "delay": 1}
    game.add_decision(seat["CHN"], licences)
    game.close_round(teacher)
    tables = game.tables()
    broken = "China breaks its supply guarantee with the United States"
    for code in ("CHN", "USA"):  # the breaker and its partner both read it
        [said] = report.what_happened(tables, code, 1, 2)["breaches"]
        assert broken in said
    assert report.what_happened(tables, "EU", 1, 2)["breaches"] == []
    # the projector lists it among the class's moves, not in the rest of the world's tally
    news = report.headlines(tables, ["USA", "CHN", "EU"], 1, 2)
    assert any(broken in line for line in news["students"])
    assert "breach" not in news["ai_counts"] and not any(broken in line for line in news["ai"])


def test_role_cards_give_a_mission_three_moves_and_the_story_in_plain_words(tmp_path, capsys):
    title, cards = roles.cards("washington_coalition", ["USA", "CHN", "COD", "AUS"])
    for card in cards:
        assert card.mission and card.fears and len(card.moves) == 3 and card.depends
        assert (
            "club" in card.story or "coalition" in card.story.lower() or "Ministerial" in card.story
        )
        assert not re.search(r"\.toml|\.csv|--set|world_20", card.story)
        assert "hawk" not in card.mission + " ".join(card.moves)
    out = tmp_path / "cards.html"
    assert main(["briefing", "baseline", "--format", "html", "--key", "--out", str(out)]) == 0
    page = out.read_text()
    assert page.startswith("<!doctype html>") and page.count("<section>") == 9  # 8 + glossary
    assert "Teacher&#x27;s answer key" in page or "Teacher's answer key" in page
    assert main(["briefing", "baseline", "--seats", "USA"]) == 0
    text = capsys.readouterr().out
    assert "Three possible first moves" in text and "Teacher's answer key" not in text


def test_a_french_role_card_names_every_country_in_french():
    """Tester (French class): the mission card said "Que Indonesia cesse de vous vendre…",
    "Alliés naturels : South Africa, …" and "China raffine l'essentiel…"."""
    english = ("Indonesia", "China", "South Africa", "United States", "European Union", "Chile")
    with use_language("fr"):
        title, cards = roles.cards("baseline", ["USA", "CHN", "CHL"])
        text = roles.markdown(title, cards, key=True)
    usa, chn, chl = cards
    assert "Que votre principal fournisseur (Indonésie) cesse de vous vendre" in usa.fears
    assert "Afrique du Sud" in usa.allies and "Chine" in usa.rivals
    assert chn.mission.startswith("Votre pays (Chine) raffine l'essentiel des minerais")
    assert "Proposer à votre premier acheteur (Chine) une vente" in chl.moves[0]
    assert [name for name in english if re.search(rf"\b{name}\b", text)] == []


def test_a_role_card_says_which_club_the_scenario_has_its_country_lead():
    """Teacher's walk: on washington_coalition the EU read "Offer 1 from the United States:
    a coalition membership (coalition ATCM)" and China's licences answered "the measure taken
    by the United States", while the US students, whose country the scenario has found the
    club, were never told. Their card says so, printed and on the class page."""
    title, [usa, chn] = roles.cards("washington_coalition", ["USA", "CHN"])
    assert chn.standing == []
    [club] = usa.standing
    assert "founded a club, the Agreement on Trade and Critical Minerals:" in club
    assert "2026 Q1" in club and "42 economies" in club
    assert "floor price of 1.3×" in club and "USD 12 bn" in club
    assert "these offers go out in your country's name" in club
    assert f"**Already in place.** {club}" in roles.markdown(title, [usa])
    assert "<b>Already in place.</b>" in roles.html(title, [usa])
    with use_language("fr"):
        _, [usa_fr] = roles.cards("washington_coalition", ["USA"])
    assert "fondé le club Accord sur le commerce et les minerais critiques" in usa_fr.standing[0]
    assert "ces offres partent au nom de votre pays" in usa_fr.standing[0]


def test_a_french_role_card_puts_a_determiner_that_agrees_before_each_good():
    """Tester: "Soumettre le aimants" on China's card; "Vendre votre aimants", "du
    terres rares" were waiting on other cards."""
    with use_language("fr"):
        _, [chn, aus] = roles.cards("baseline", ["CHN", "AUS"])
        magnets = t("news.good", mineral="", stage="", good_id="magnets_rare_earths")
        refined = t("news.good", mineral="", stage="", good_id="refined_rare_earths")
        producer = t("lesson.mission_producer", exp_good=magnets)
        importer = t("lesson.fears_importer", supplier="CHN", dep_good=refined, dep_share=0.9)
        stock = t("lesson.move_importer_1", dep_good=magnets)
    assert chn.moves[0].startswith("Soumettre les aimants de terres rares à licence")
    assert aus.mission.startswith("Vendre votre minerai de lithium à bon prix")
    assert "les cours du minerai de lithium" in aus.fears
    assert "raffiner votre lithium sur place" in aus.moves[1]
    assert producer.startswith("Vendre vos aimants de terres rares")
    assert "cesse de vous vendre des terres rares raffinées" in importer
    assert "acheter un stock d'aimants de terres rares" in stock


def test_a_printed_french_page_declares_french(tmp_path, game):
    """Tester: the French role cards and class debrief said <html lang='en'>, so a screen
    reader read them with English sounds and the browser offered to translate them."""
    out = tmp_path / "cartes.html"
    assert main(["--lang=fr", "briefing", "baseline", "--format", "html", "--out", str(out)]) == 0
    with use_language("fr"):
        debrief = game.debrief_page(game.teacher_token)
    english = game.debrief_page(game.teacher_token)
    assert out.read_text().startswith("<!doctype html><html lang='fr'>")
    assert "<h1>Fiches de rôle : " in out.read_text()
    assert debrief.startswith("<!doctype html><html lang='fr'>")
    assert english.startswith("<!doctype html><html lang='en'>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "--rounds cannot be 0"),
        (["--quarters", "9"], "--quarters cannot be 9"),
        (["--minutes", "0"], "a round timer of 0"),
    ],
)
def test_a_bad_lesson_shape_is_refused_clearly(tmp_path, capsys, args, message):
    code = main(["host", "baseline", "--state-dir", str(tmp_path / "g"), "--port", "1", *args])
    _, err = capsys.readouterr()
    assert code != 0 and message in err and "Traceback" not in err
    assert not (tmp_path / "g" / "game.json").exists()


def test_the_printable_debrief_shows_each_delegation_against_its_no_action_path(game, tmp_path):
    teacher = game.teacher_token
    game.fire_card(teacher, "drc_cobalt_suspension")
    game.open_round(teacher)
    game.submit(game.seat_tokens["USA"], [tariff("USA", "CHN")])
    game.close_round(teacher)
    page = game.debrief_page(teacher)
    assert page.startswith("<!doctype html>") and page.count("<section>") == len(SEATS)
    assert (
        "The United States sets a 25% tariff" in page and "ARECOMS" in page
    )  # a move, a real source
    assert "Questions for the debrief" in page and "nan" not in page
    with pytest.raises(ClassroomError, match="only the teacher"):
        game.debrief_page(game.seat_tokens["USA"])
    debrief = game.debrief()
    game.send_message(game.seat_tokens["USA"], "all", "hello")
    assert game.debrief() is debrief  # a message does not make the debrief again


def test_a_message_or_a_submission_redraws_only_the_pages_that_show_it(game):
    teacher, usa = game.teacher_token, game.seat_tokens["USA"]
    game.open_round(teacher)
    screen, usa_page, chn_page = (
        game.page_version(),
        game.page_version(("USA",)),
        game.page_version(("CHN",)),
    )
    game.send_message(usa, "all", "hello")
    game.submit(usa, [tariff("USA", "CHN")])
    assert game.page_version() == screen and game.page_version(("CHN",)) == chn_page
    assert game.page_version(("USA",)) == usa_page + 1
    assert game.page_version(tuple(SEATS)) == usa_page + 1  # the teacher's page
    game.close_round(teacher)
    assert game.page_version() == screen + 1  # a round played redraws every page


def test_the_consoles_round_picker_starts_at_the_last_round_and_rollback_asks_first(tmp_path):
    import ipyvuetify as v
    import solara

    from ui import classroom as pages

    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "g", seed=3)
    for _ in range(2):
        game.open_round(game.teacher_token)
        game.close_round(game.teacher_token)
    _, rc = solara.render(pages.TeacherPage(game, game.teacher_token), handle_error=False)
    picker = rc.find(v.Select, label="Round").widget
    assert picker.v_model.startswith("after round 2")
    picker.v_model = "the start"
    rc.find(v.Btn, children=["Roll back to this round"]).widget.click()
    assert game.round_no == 2  # nothing yet: the console asks first
    warning = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "quarters played: 2" in warning
    rc.find(v.Btn, children=["Yes, do it"]).widget.click()
    assert game.round_no == 0
    rc.close()


def test_the_projector_page_shows_nothing_private(tmp_path):
    import solara
    import solara.widgets

    from ui import classroom as pages

    game = ClassGame.create("baseline", ["USA", "CHN"], tmp_path / "g", seed=3)
    game.open_round(game.teacher_token)
    game.submit(game.seat_tokens["USA"], [tariff("USA", "CHN", 0.4)])
    game.send_message(game.seat_tokens["USA"], "CHN", "secret offer")
    _, rc = solara.render(pages.ScreenPage(game, version=game.version), handle_error=False)
    shown = repr(rc.find().widgets) + "".join(
        w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
    )
    assert game.class_code in shown and "round 1 of" in shown
    for secret in (*game.seat_tokens.values(), game.teacher_token, "secret offer", "40%"):
        assert secret not in shown
    rc.close()


def test_the_projector_shows_the_world_map_of_the_scenarios_mineral(tmp_path):
    import ipyvuetify as v
    import solara
    import solara.widgets

    from ui import classroom as pages
    from ui.map import SHADES

    game = ClassGame.create("graphite_controls", ["USA", "CHN"], tmp_path / "g", seed=3)
    game.open_round(game.teacher_token)
    game.close_round(game.teacher_token)
    _, rc = solara.render(pages.ScreenPage(game, version=game.version), handle_error=False)
    shown = "".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    (drawn,) = [w for w in rc.find(v.VuetifyTemplate).widgets if hasattr(w, "shapes")]
    assert drawn.label.startswith("World map of refined graphite")  # ui/map.vue's aria-label
    assert drawn.fills["156"] == SHADES[-1] and not drawn.marks.count("<path")  # nobody's flows
    assert "shipped to you" not in drawn.legend and "measure in force" in drawn.legend
    assert "China" in shown  # the map's text alternative names the economies
    assert rc.find(v.Select, label="Map mineral").widget.v_model == "graphite"
    rc.close()


def test_a_message_redraws_only_the_tabs_that_may_read_it(game):
    usa, chn, jpn = (game.seat_tokens[code] for code in ("USA", "CHN", "JPN"))
    counts = {code: game.message_count(game.seat_tokens[code]) for code in SEATS}
    game.send_message(usa, "CHN", "truce?")
    after = {code: game.message_count(game.seat_tokens[code]) for code in SEATS}
    assert after == counts | {"USA": counts["USA"] + 1, "CHN": counts["CHN"] + 1}
    assert game.message_count(game.teacher_token) == 1
    game.send_message(jpn, "all", "hello all")
    assert [game.message_count(token) for token in (usa, chn, jpn)] == [2, 2, 1]


def test_the_teacher_sets_the_lesson_plan_on_the_console_before_the_class_starts(tmp_path):
    import ipyvuetify as v
    import solara

    from ui import classroom as pages

    game = ClassGame.create("baseline", SEATS, tmp_path / "g", seed=3)
    _, rc = solara.render(pages.TeacherPage(game, game.teacher_token), handle_error=False)

    def fill(**typed):
        labels = {
            "rounds": "Rounds (empty: one per quarter of the scenario)",
            "quarters": "Quarters each round plays",
            "deals": "Deals open from round",
            "minutes": "Minutes per round (empty: no timer)",
        }
        for field, text in typed.items():
            rc.find(v.TextField, label=labels[field]).widget.v_model = text
        rc.find(v.Btn, children=["Set the lesson plan"]).widget.click()
        return " ".join(str(w.children) for w in rc.find(v.Alert).widgets)

    said = fill(rounds="4", quarters="2", deals="2", minutes="8")
    assert game.lesson == Lesson(rounds=4, quarters=2, deals_from=2, minutes=8.0)
    assert "4 rounds of 2 quarters, deals from round 2, 8 minutes a round" in said
    assert "round 1 of 4" in pages.round_line(game)
    # bad input: one clear message naming the field and what is allowed; nothing changes
    for typed, message in [
        ({"rounds": "0"}, "Rounds (empty: one per quarter of the scenario): '0' is not allowed"),
        ({"rounds": "4", "quarters": "2.5"}, "from 1 to 8"),
        ({"quarters": "2", "deals": "9"}, "Deals open from round: '9' is not allowed"),
        ({"deals": "2", "minutes": "-3"}, "'-3' is not a number of minutes"),
    ]:
        assert message in fill(**typed)
        assert game.lesson == Lesson(rounds=4, quarters=2, deals_from=2, minutes=8.0)
    fill(rounds="", quarters="1", deals="1", minutes="")
    assert game.lesson == Lesson() and game.rounds_total == game.world.spec.steps
    game.open_round(game.teacher_token)  # the class has started: the plan stays as told
    rc.render(pages.TeacherPage(game, game.teacher_token, version=game.version))
    assert not rc.find(v.Btn, children=["Set the lesson plan"]).widgets
    with pytest.raises(ClassroomError, match="already in round 1"):
        game.set_lesson(game.teacher_token, Lesson(rounds=2))
    with pytest.raises(ClassroomError, match="teacher"):
        game.set_lesson(game.seat_tokens["USA"], Lesson(rounds=2))
    rc.close()


def test_deals_cannot_open_after_the_last_round(tmp_path):
    game = ClassGame.create("baseline", SEATS, tmp_path / "g", seed=3)
    with pytest.raises(ClassroomError, match="the lesson has 3 rounds"):
        game.set_lesson(game.teacher_token, Lesson(rounds=3, deals_from=4))
    assert game.lesson == Lesson()


@pytest.mark.slow  # two washington_coalition quarters in which the computer's countries bargain
def test_the_computers_offers_held_back_reach_no_delegation(tmp_path):
    import ipyvuetify as v
    import solara

    from ui import classroom as pages

    game = ClassGame.create("washington_coalition", SEATS, tmp_path / "g", seed=1)
    for _ in range(2):
        game.open_round(game.teacher_token)
        game.close_round(game.teacher_token)
    game.open_round(game.teacher_token)
    waiting = [o for o in game.world.state.waiting if o[1] == "USA"]
    shown, hidden = game.inbox("USA"), game.hidden_offers("USA")
    assert len(waiting) > classroom.MAX_AI_OFFERS  # the computer offers more than it may show
    assert len(shown) == classroom.MAX_AI_OFFERS and sum(hidden.values()) == len(waiting) - 3
    held = next(o[0].deal_id for o in waiting if o[0].deal_id not in {s["deal_id"] for s in shown})
    usa = game.seat_tokens["USA"]
    answer = {"kind": "respond", "actor": "USA", "answer": "accept"}
    [reason] = game.submit(usa, [answer | {"offer_id": held}])
    assert "cannot be answered" in reason and not game.submitted()["USA"]
    assert game.submit(usa, [answer | {"offer_id": shown[0]["deal_id"]}]) == [None]
    # the delegation's page lists the offers shown, and only counts the others
    _, rc = solara.render(
        pages.SeatPage(game, usa, "USA", version=game.version), handle_error=False
    )
    page = repr(rc.find(v.Btn).widgets) + repr(rc.find(v.Html).widgets)
    assert re.search(rf"offer {shown[1]['deal_id']}\b", page)  # answerable: a button
    assert not re.search(rf"offer {held}\b", page)
    assert f"{len(waiting) - 3} more offers from countries played by the computer" in page
    rc.close()


def test_the_us_reads_chinas_answer_first_and_the_clubs_answers_counted(tmp_path):
    """Teacher's re-walk: 41 computer countries answering the scenario's club came before
    "China accepts the supply guarantee with the United States"."""
    from ui.classroom import answer_line

    game = ClassGame.create("washington_coalition", ["USA", "CHN"], tmp_path / "g", seed=7)
    teacher, seat = game.teacher_token, game.seat_tokens
    game.open_round(teacher)
    guarantee = {"supplier": "CHN", "mineral": "graphite", "stage": "refined"}
    offer = {"kind": "propose", "actor": "USA", "partner": "CHN", "deal": "supply_guarantee"}
    game.add_decision(seat["USA"], offer | {"terms": guarantee})
    game.add_decision(seat["CHN"], _respond("CHN", "USA-1", "accept"))
    game.close_round(teacher)
    answers = report.what_happened(game.tables(), "USA", 0, 1)["answers"]
    assert "China accepts the supply guarantee with the United States" in answers[0]
    [club] = [answer for answer in answers if isinstance(answer, tuple)]
    _, name, accepted, rejected = club
    assert name == "ATCM" and accepted > 0 and rejected > 0
    assert len(answers) == 2  # not a line for each of the forty-odd guests
    clubs = game.world.club_names()
    with use_language("en"):
        said = answer_line(club, clubs)
    assert said == (
        f"• {accepted} economies accepted membership of the Agreement on Trade and Critical "
        f"Minerals coalition, {rejected} turned it down."
    )
    with use_language("fr"):
        said = answer_line(("club", "ATCM", 32, 1), clubs)
    assert said == (
        "• 32 économies ont accepté d'entrer dans la coalition Accord sur le commerce et les "
        "minerais critiques, 1 a refusé."
    )


def test_a_role_card_names_the_european_union_without_its_member_count():
    """Teacher's re-walk: « Rivaux : Union européenne (27), États-Unis »."""
    rivals = (("en", "European Union, United States"), ("fr", "Union européenne, États-Unis"))
    for lang, said in rivals:
        with use_language(lang):
            title, [chn] = roles.cards("baseline", ["CHN"])
            card = roles.markdown(title, [chn])
        assert f"{said}." in card and "(27)" not in card
