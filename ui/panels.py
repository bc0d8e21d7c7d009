"""The pieces of a game page: the decision panel, the inbox and the views of the world.

Shared by the single-player page (ui/app.py) and the classroom's seat and teacher pages.
The decision panel works on a *desk*: any object with ``world``, ``country``,
``decisions`` (the actions queued for the next step), ``queue(action) -> reason or
None``, ``withdraw(index)``, ``inbox()``, ``answer_to(offer)``, ``last_round`` (a
counter-offer could no longer be answered) and ``date()``; the single-player ``Game`` is
one, the classroom's seat is another.
"""

import re
from collections.abc import Callable, Mapping
from html import escape

import solara

from agents.actions import ALL, DEAL_KINDS, Action, Propose, Respond, Stockpile
from model.engine.diplomacy import Coalition, other
from model.engine.policies import good_label
from model.game.decisions import cost, offer_key, seller_price
from model.text import (
    country_name,
    exact_percent,
    listed_name,
    money,
    number,
    percent,
    t,
    tonnage,
)
from ui import views
from ui.a11y import TabKeys
from ui.charts import flow_chart, line_chart, table_html
from ui.forms import (
    CONTROL_KINDS,
    DEAL_NUMBER,
    DIRECTIONS,
    SUBSIDY_KINDS,
    ControlForm,
    FoundingForm,
    ProposalForm,
    StockpileForm,
    SubsidyForm,
    TariffForm,
    counter,
    counter_label,
)
from ui.views import with_names

MAJOR_ECONOMIES = ["USA", "CHN", "EU", "JPN", "IND"]  # drawn in the charts with yours
MAX_NEWS = 60  # lines in the news feed
MEASURES = ("tariff", "export_control", "stockpile", "subsidy", "proposal")
FOUND = "found_coalition"  # offered only where the scenario lets players found coalitions
MINERAL, STAGE = "news.mineral_", "news.stage_"  # catalogue words for the codes
# The views' tab bar wraps onto more rows where its tabs do not fit, every tab in sight.
# Vuetify's slide group instead moved a bar too wide with a transform and prev/next arrows;
# a tab reached by the keyboard was scrolled into sight by the browser too (the bar's own
# scroll, which Vuetify does not know), so Enter then moved it by both and the bar went
# blank (390 px). The underline marks the chosen tab itself (the slider would sit under
# the last row); the focus outline is drawn inside the tab, where no edge cuts it off. A
# phone's tabs are only as wide as their names: two rows, not three.
TABS_CSS = """
.minerals-tabs .v-tabs-bar { height: auto; }
.minerals-tabs .v-slide-group__prev, .minerals-tabs .v-slide-group__next {
  display: none !important; }
.minerals-tabs .v-slide-group__content { flex: 1 1 auto; min-width: 0; flex-wrap: wrap;
  transform: none !important; }
.minerals-tabs .v-tab { min-height: 48px; }
.minerals-tabs .v-tabs-slider-wrapper { display: none; }
.minerals-tabs .v-tab--active { box-shadow: inset 0 -2px 0 currentColor; }
.v-application .minerals-tabs [role=tab]:focus-visible { outline-offset: -3px; }
@media (max-width: 600px) { .minerals-tabs .v-tab { min-width: 0; padding: 0 12px; } }
"""


def shown_countries(world, country: str | None) -> list[str]:
    return list(dict.fromkeys(c for c in [country, *MAJOR_ECONOMIES] if c in world.data.codes))


def column(field: str, key: str | None = None, fmt: str = "{}", topic: str = "ui") -> tuple:
    """A table column: (field, header, one-line hover help, format), words from ``topic``."""
    key = key or field
    return (field, t(f"{topic}.col_{key}"), t(f"{topic}.help_{key}"), fmt)


def line(text: str) -> None:
    """One line of a list (news, messages, moves): a block of its own, not run-on text."""
    solara.Text(text, style={"display": "block"})


def html(markup: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=markup)


def bold(words: str) -> str:
    """Catalogue words as HTML, their ``**bold**`` (the only Markdown they use) in bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escape(words))


def field_error(message: str | None) -> None:
    """A refusal under a select (text fields show theirs inside the field)."""
    if message:
        solara.Error(message, dense=True, text=True, outlined=False)


def choose(
    label: str, values: list, value, on_value, error: str | None = None, names=None, style=None
) -> None:
    """A select; with ``names`` (value -> words) people read names and the form gets codes."""
    if names is None:
        solara.Select(label=label, values=values, value=value, on_value=on_value, style=style)
    else:
        shown = {names(v): v for v in values}
        solara.Select(
            label=label,
            values=list(shown),
            value=names(value),
            on_value=lambda words: on_value(shown.get(words, words)),
            style=style,
        )
    field_error(error)


def partner_name(data):
    """``China (CHN)``; "all partners" for ALL."""

    def name(code: str) -> str:
        if code == ALL:
            return t("game.partner_all")
        if code not in data.codes:
            return str(code)
        called = listed_name(code, data.names[data.country(code)])
        return t("ui.country_choice", name=called, code=code)

    return name


def mineral_name(mineral: str) -> str:
    return t("game.mineral_all") if mineral == ALL else t(f"news.mineral_{mineral}")


def stage_name(stage: str) -> str:
    return t(f"game.stage_{stage}")


def stages_of(data, mineral: str, one_good: bool) -> list[str]:
    """The stages that exist for ``mineral`` (all stages for "all minerals")."""
    stages = [s for s in data.stages if mineral == ALL or (mineral, s) in data.goods]
    return stages if one_good else [*stages, ALL]


def type_in(label: str, value: str, on_value, error: str | None = None, hint: str | None = None):
    solara.InputText(
        label=label,
        value=value,
        on_value=lambda v: on_value(v or ""),
        continuous_update=True,
        error=error or False,
        message=None if error else hint,
    )


def deal_with_article(kind: str) -> str:
    """``an investment deal``, ``a truce``: the deal's kind with its article."""
    return t(f"game.a_{kind}")


def terms_in_brackets(terms, clubs: Mapping[str, str] | None = None) -> str:
    """`` (mineral …)`` or nothing: never empty brackets; ``clubs``: World.club_names."""
    words = views.describe_terms(terms, clubs)
    return f" ({words})" if words else ""


def describe(action: Action, usd: float = 0.0, clubs: Mapping[str, str] | None = None) -> str:
    """One queued decision in plain words; ``usd``: what a stockpile purchase takes from
    the budget (decisions.cost), said with it; ``clubs``: World.club_names, for a coalition
    offer's club."""
    # the good as one name, as the news says it: "terres rares lourdes raffinées (Dy, Tb)",
    # not "terres rares lourdes (Dy, Tb) (raffiné)"
    mineral = getattr(action, "mineral", ALL) or ALL
    fields = {"good": good_label(mineral, getattr(action, "stage", ALL) or ALL)}
    targets = ", ".join(_partner_words(code) for code in getattr(action, "targets", ()) or ())
    match action.kind:
        case "tariff":
            return t("ui.queued_tariff", rate=exact_percent(action.rate), partner=targets, **fields)
        case "export_control":
            return t(
                "ui.queued_control" if action.delay else "ui.queued_control_now",
                level=exact_percent(action.level),
                delay=action.delay,
                partner=targets,
                **fields,
            )
        case "stockpile":
            key = "ui.queued_buy" if action.tonnes > 0 else "ui.queued_release"
            said = t(key, tonnes=number(abs(action.tonnes)), **fields)
            return t("ui.queued_cost", what=said, cost=money(usd)) if usd > 0 else said
        case "subsidy" if action.share is not None:
            share = percent(action.share)
            return t("ui.queued_grant", usd=number(action.usd / 1e6), share=share, **fields)
        case "subsidy" if action.strike is not None:
            strike = number(action.strike, 2)
            return t("ui.queued_cfd", usd=number(action.usd / 1e6), strike=strike, **fields)
        case "subsidy":
            return t("ui.queued_subsidy", usd=number(action.usd / 1e6), **fields)
        case "propose":
            return t(
                "ui.queued_proposal",
                deal=deal_with_article(action.deal),
                partner=_partner_words(action.partner),
                terms=terms_in_brackets(action.terms, clubs),
                duration=action.duration,
            )
        case "respond" if action.answer == "counter" and action.terms:  # its terms, in words
            said = t("ui.queued_counter", offer=answered(action))
            return f"{said}{terms_in_brackets(action.terms, clubs)}"
        case "respond":
            return t(f"ui.queued_{action.answer}", offer=answered(action))
        case "found_coalition":
            guests = ", ".join(
                t("game.partner_all") if code == ALL else country_name(code)
                for code in action.targets
            )
            floor = percent(action.price_floor) if action.price_floor else t("founding.no_floor")
            return t("founding.queued", coalition=action.coalition, guests=guests, floor=floor)
    return t("ui.queued_other", kind=action.kind)


def _partner_words(code: str) -> str:
    return t("game.partner_all") if code == ALL else str(code)  # {partner:names} names it


def measures_of(world) -> tuple[str, ...]:
    """The decisions a player may take in this scenario's world."""
    return (*MEASURES, FOUND) if world.spec.header.found_coalitions else MEASURES


def measure_label(measure: str) -> str:
    return t("founding.measure") if measure == FOUND else t(f"ui.measure_{measure}")


@solara.component
def DecisionPanel(desk, changed: Callable[[], None], version: int = 0):
    """The player's measures and proposals for the coming quarter."""
    data = desk.world.data
    measure, set_measure = solara.use_state(MEASURES[0])
    measures = measures_of(desk.world)
    labels = {measure_label(m): m for m in measures}
    with solara.Card(t("ui.decisions_title", date=desk.date())):
        solara.Select(
            label=t("ui.measure"),
            values=list(labels),
            value=measure_label(measure),
            on_value=lambda label: set_measure(labels.get(label, MEASURES[0])),
        )
        MeasureForm(desk, measure, changed, data.minerals[0], version)
        solara.Markdown(f"**{t('ui.queued_title')}**")
        if not desk.decisions:
            solara.Text(t("ui.queued_none"))
        broken = desk.breaches()
        for k, action in enumerate(desk.decisions):
            bought = action.kind == "stockpile" and action.tonnes > 0
            usd = cost(desk.world, desk.country, action) if bought else 0.0
            said = describe(action, usd, desk.world.club_names())
            label = withdraw_label(action, k)
            with solara.Row(style={"align-items": "center"}):
                solara.Text(said)
                solara.Button(
                    label,
                    on_click=lambda k=k: (desk.withdraw(k), changed()),
                    text=True,
                    small=True,
                    # a screen reader hears what it withdraws, not only its name
                    attributes={"aria-label": t("ui.withdraw_named", label=label, what=said)},
                )
            for deal in broken[k] if k < len(broken) else []:
                solara.Warning(breach_warning(desk.world, desk.country, deal), dense=True)


def answered(action: Respond) -> str:
    """The offer an answer answers, as a page names it: its ref, or its number as written
    (a number formatted as a quantity would read "1 234" in French)."""
    return str(offer_key(action))


def withdraw_label(action, k: int) -> str:
    """The name of the button that withdraws the ``k``-th queued decision: an offer goes by
    its ref, which its partner's page shows too, and an answer by the offer it answers
    (a bare "Withdraw 4" beside "Accept offer 44" read as another offer's number)."""
    if isinstance(action, Propose) and action.ref:
        return t("ui.withdraw_offer", offer=action.ref)
    if isinstance(action, Respond):
        return t("ui.withdraw_answer", offer=answered(action))
    return t("ui.withdraw", number=k + 1)


def breach_warning(world, code: str, deal) -> str:
    """What a queued move breaking ``deal`` (or a coalition's pledge) costs: said before
    the quarter is played."""
    if isinstance(deal, Coalition):
        return t("deals.coalition_breach_warning", coalition=deal.called())
    return t(
        "deals.breach_warning",
        deal=t(f"deals.kind_{deal.deal}"),
        partner=other(deal.parties, code),
        until=world.quarter_label(deal.until),
    )


@solara.component
def MeasureForm(
    desk, measure: str, changed: Callable[[], None], first_mineral: str, version: int = 0
):
    """One form of the decision panel; its fields keep their values between quarters.
    ``version`` changes with every queue, withdrawal and step: the budget shown is redrawn."""
    data, country = desk.world.data, desk.country
    partners = [c for c in data.codes if c != country]
    first = data.hegemon if data.hegemon in partners else partners[0]
    partner, set_partner = solara.use_state(first)
    mineral, set_mineral = solara.use_state(first_mineral)
    stage, set_stage = solara.use_state(data.stages[0])
    amount, set_amount = solara.use_state("")
    control, set_control = solara.use_state(CONTROL_KINDS[0])
    delay, set_delay = solara.use_state("2")
    direction, set_direction = solara.use_state(DIRECTIONS[0])
    instrument, set_instrument = solara.use_state(SUBSIDY_KINDS[0])
    grant_share, set_grant_share = solara.use_state("50")
    strike, set_strike = solara.use_state("1.5")
    deal, set_deal = solara.use_state(DEAL_KINDS[0])
    floor, set_floor = solara.use_state("")
    duration, set_duration = solara.use_state("8")
    coalition, set_coalition = solara.use_state("")
    club_name, set_club_name = solara.use_state("")
    guests, set_guests = solara.use_state([])
    errors, set_errors = solara.use_state({})
    club_names = desk.world.club_names()  # the list reads titles, the offer names the code
    clubs = list(club_names)
    first_club = clubs[0] if clubs else ""

    def edit(setter, field):
        def on_value(value):
            setter(value if value is not None else "")
            if field in errors:
                set_errors({k: v for k, v in errors.items() if k != field})

        return on_value

    forms = {
        "tariff": lambda: TariffForm(partner, mineral, stage, amount),
        "export_control": lambda: ControlForm(partner, mineral, stage, control, amount, delay),
        "stockpile": lambda: StockpileForm(mineral, stage, direction, amount),
        "subsidy": lambda: SubsidyForm(mineral, stage, amount, instrument, grant_share, strike),
        "proposal": lambda: ProposalForm(
            partner, deal, mineral, stage, amount, floor, duration, coalition or first_club
        ),
        FOUND: lambda: FoundingForm(club_name, tuple(guests), floor or "0"),
    }

    def queue():
        form = forms[measure]()
        action, problems = form.build(data, country)
        if action is not None:
            reason = desk.queue(action)
            if reason:  # a sentence of the news ("the United States cannot …"), said alone
                problems = {form.amount_field: reason[:1].upper() + reason[1:]}
        set_errors(problems)
        if not problems:
            set_amount("")
            if measure == FOUND:
                set_club_name("")
            changed()

    one_good = measure in ("stockpile", "subsidy")
    if one_good and mineral == ALL:
        mineral = first_mineral
    stages = stages_of(data, mineral, one_good)
    if stage not in stages:  # the dropdowns offer only goods that exist
        stage = stages[0]
    if measure in ("tariff", "export_control", "proposal"):
        choose(
            t("ui.partner"),
            partners if measure == "proposal" else [ALL, *partners],
            partner,
            edit(set_partner, "partner"),
            errors.get("partner"),
            partner_name(data),
        )
    answers = partner not in data.codes or desk.world.country_agent(partner).controller.observes
    if measure == "proposal" and not answers:  # said before the offer, not after it lapses
        never = t("game.lapse_never", name=partner_name(data)(partner))
        solara.Text(never + ".", style={"color": "#8a4b00", "display": "block"})
    if measure == "proposal":
        kinds = {t(f"deals.kind_{k}"): k for k in DEAL_KINDS}
        choose(
            t("ui.deal"),
            list(kinds),
            t(f"deals.kind_{deal}"),
            lambda label: edit(set_deal, "deal")(kinds.get(label, DEAL_KINDS[0])),
            errors.get("deal"),
        )
    if measure == FOUND:
        FoundingFields(
            data,
            partners,
            club_name,
            edit(set_club_name, "name"),
            guests,
            edit(set_guests, "guests"),
            floor,
            edit(set_floor, "floor"),
            errors,
        )
        solara.Button(t("founding.button"), on_click=queue, color="primary")
        return
    if measure != "proposal" or deal in (
        "tariff_agreement",
        "supply_guarantee",
        "offtake",
        "investment",
    ):
        choose(
            t("ui.mineral"),
            data.minerals if one_good else [*data.minerals, ALL],
            mineral,
            edit(set_mineral, "mineral"),
            errors.get("mineral"),
            mineral_name,
        )
        choose(
            t("ui.stage"),
            stages,
            stage,
            edit(set_stage, "stage"),
            errors.get("stage"),
            stage_name,
        )
    if measure == "export_control":
        choose(
            t("ui.control"),
            list(CONTROL_KINDS),
            control,
            edit(set_control, "control"),
            errors.get("control"),
            lambda choice: t(f"text.choice_{choice}"),
        )
        if control != "ban":
            type_in(t("ui.share"), amount, edit(set_amount, "share"), errors.get("share"))
        if control == "licensing":
            type_in(t("ui.delay"), delay, edit(set_delay, "delay"), errors.get("delay"))
    elif measure == "tariff":
        type_in(t("ui.rate"), amount, edit(set_amount, "rate"), errors.get("rate"))
    elif measure == "stockpile":
        choose(
            t("ui.direction"),
            list(DIRECTIONS),
            direction,
            edit(set_direction, "direction"),
            errors.get("direction"),
            lambda choice: t(f"text.choice_{choice}"),
        )
        type_in(
            t("ui.tonnes"),
            amount,
            edit(set_amount, "tonnes"),
            errors.get("tonnes"),
            stockpile_hint(desk, StockpileForm(mineral, stage, direction, amount)),
        )
    elif measure == "subsidy":
        choose(
            t("ui.instrument"),
            list(SUBSIDY_KINDS),
            instrument,
            edit(set_instrument, "instrument"),
            errors.get("instrument"),
            lambda choice: t(f"text.choice_{choice}"),
        )
        if instrument == "grant":
            type_in(
                t("ui.grant_share"),
                grant_share,
                edit(set_grant_share, "grant_share"),
                errors.get("grant_share"),
            )
        elif instrument == "cfd":
            type_in(t("ui.strike"), strike, edit(set_strike, "strike"), errors.get("strike"))
        type_in(
            t("ui.usd_million"),
            amount,
            edit(set_amount, "usd_million"),
            errors.get("usd_million"),
            t("ui.budget_hint", usd=number(desk.budget_usd() / 1e6)),
        )
    else:
        if deal in DEAL_NUMBER:
            type_in(
                t(f"ui.amount_{DEAL_NUMBER[deal][0]}"),
                amount,
                edit(set_amount, "amount"),
                errors.get("amount"),
            )
        if deal == "offtake":
            price = seller_price(desk.world, partner, mineral, stage)
            hint = None if price is None else t("ui.floor_hint", price=number(price))
            type_in(t("ui.floor"), floor, edit(set_floor, "floor"), errors.get("floor"), hint)
        if deal == "coalition":
            if clubs:
                choose(
                    t("ui.coalition"),
                    clubs,
                    coalition or first_club,
                    edit(set_coalition, "coalition"),
                    names=lambda code: club_names.get(code, code),
                )
            else:
                solara.Text(t("ui.no_coalitions"))
        type_in(t("ui.duration"), duration, edit(set_duration, "duration"), errors.get("duration"))
    solara.Button(t(f"ui.queue_{measure}"), on_click=queue, color="primary")


def stockpile_hint(desk, form: StockpileForm) -> str:
    """Under the tonnes: today's price a tonne and what the tonnes typed cost at it (as
    the queue will charge them: decisions.cost), then the budget left."""
    budget = t("ui.budget_hint", usd=number(desk.budget_usd() / 1e6))
    price = cost(desk.world, desk.country, Stockpile(desk.country, form.mineral, form.stage, 1.0))
    if price <= 0:
        return budget
    action, _ = form.build(desk.world.data, desk.country)
    if action is None or action.tonnes <= 0:  # nothing typed yet, or a release
        return t("ui.stockpile_price_hint", price=number(price), budget=budget)
    return t(
        "ui.stockpile_cost_hint",
        tonnes=tonnage(action.tonnes),
        cost=money(price * action.tonnes),
        price=number(price),
        budget=budget,
    )


def FoundingFields(data, partners, name, on_name, guests, on_guests, floor, on_floor, errors):
    """The founding form: a name, the guests (by name), the floor on outsiders."""
    type_in(t("founding.name_label"), name, on_name, errors.get("name"))
    named = partner_name(data)
    shown = {named(code): code for code in partners}
    solara.SelectMultiple(
        t("founding.guests_label"),
        [named(code) for code in guests if code in partners],
        list(shown),
        on_value=lambda words: on_guests([shown[w] for w in words if w in shown]),
    )
    field_error(errors.get("guests"))
    solara.Text(t("founding.guests_hint"), style={"display": "block", "font-size": "0.9em"})
    type_in(t("founding.floor_label"), floor, on_floor, errors.get("floor"))


@solara.component
def Inbox(desk, changed: Callable[[], None], version: int = 0):
    """Offers waiting for the player's answer: accept, reject or counter. An offer another
    delegation made this round has no number yet: its ref names it, and an answer to it
    is played in the quarter the round plays."""
    offers = desk.inbox()
    with solara.Card(t("ui.inbox_title")):
        if not offers:
            solara.Text(t("ui.inbox_empty"))
        for offer in offers:
            name = offer.get("ref") or offer["deal_id"]
            # The offer's dict stays equal when it is answered, and a component given equal
            # arguments is not drawn again: the version tells it the desk changed.
            OfferAnswers(desk, changed, offer, version=version).key(f"offer-{name}")


def offer_words(offer: dict, clubs: Mapping[str, str] | None = None) -> str:
    """An offer in the inbox in one paragraph: who, what, and until when it may be answered;
    a counter-offer says which offer it counters (``clubs``: World.club_names)."""
    ref = offer.get("ref") or ""
    if offer.get("counters"):
        key = "ui.offer_counter_line"
    else:
        key = "ui.offer_made_line" if ref else "ui.offer_line"
    return t(
        key,
        offer=ref or offer["deal_id"],
        counters=offer.get("counters", ""),
        proposer=offer["proposer"],
        deal=deal_with_article(offer["deal"]),
        terms=terms_in_brackets(offer["terms"], clubs),
        duration=offer["duration"],
    )


@solara.component
def OfferAnswers(desk, changed: Callable[[], None], offer: dict, version: int = 0):
    """One offer, the answer given to it as a sentence, and the buttons that give the
    answer or change it (a change replaces the answer before, and says so)."""
    ref = offer.get("ref") or ""
    number = ref or offer["deal_id"]
    amount, set_amount = solara.use_state("")
    error, set_error = solara.use_state(None)
    changed_to, set_changed_to = solara.use_state(None)
    # HTML, not Markdown: that was a new widget, compiled in the browser, per offer
    said = offer_words(offer, desk.world.club_names())
    html(f'<p style="color:rgba(0,0,0,.87);margin:0 0 7px">{bold(said)}</p>')
    answered = desk.answer_to(number)
    if answered:
        line(t(f"ui.answered_{answered}", offer=number))
        if changed_to == answered:
            line(t("ui.answer_now", offer=number, answer=t(f"ui.answer_word_{answered}")))

    def answer(word):
        if word == "counter":
            action, problems = counter(desk.country, offer, amount)
            problem = problems.get("amount")
        else:
            action, problem = Respond(desk.country, offer["deal_id"] or 0, word, ref=ref), None
        if action is not None:
            problem = desk.queue(action)
        set_error(problem)
        if not problem:
            set_changed_to(word if answered and answered != word else None)
            changed()

    # Only a deal with a number (a rate, tonnes, dollars) can be countered, and only while
    # a round is left to answer the counter-offer in.
    countered = offer["deal"] in DEAL_NUMBER and not desk.last_round
    answers = ("accept", "reject", *(("counter",) if countered else ()))
    with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):  # a phone's 390 px
        for word in answers:
            if word == answered and word != "counter":  # said above; a new counter may differ
                continue
            solara.Button(
                t(f"ui.change_{word}" if answered else f"ui.{word}_offer", offer=number),
                on_click=lambda word=word: answer(word),
                small=True,
            )
    if countered:
        type_in(counter_label(offer, number), amount, set_amount, error)
        return
    if offer["deal"] not in DEAL_NUMBER:
        line(t("ui.no_counter_kind", deal=t(f"deals.kind_{offer['deal']}")))
    else:
        line(t("ui.no_counter_last_round"))
    field_error(error)


def good_pickers(data, labels: tuple[str, str], mineral, set_mineral, stage, set_stage) -> str:
    """A mineral and a stage select offering only goods that exist; the stage shown."""
    stages = stages_of(data, mineral, one_good=True)
    stage = stage if stage in stages else stages[0]
    with solara.Row(style={"flex-wrap": "wrap"}):
        choose(t(labels[0]), data.minerals, mineral, set_mineral, names=mineral_name)
        choose(t(labels[1]), stages, stage, set_stage, names=stage_name)
    return stage


@solara.component
def PriceChart(world, tables: dict, country: str | None):
    data = world.data
    mineral, set_mineral = solara.use_state(data.minerals[0])
    stage, set_stage = solara.use_state(data.stages[0])
    stage = good_pickers(
        data, ("ui.chart_mineral", "ui.chart_stage"), mineral, set_mineral, stage, set_stage
    )
    prices = views.prices(tables, mineral, stage, shown_countries(world, country))
    if prices.empty:
        solara.Text(t("ui.no_prices"))
        return
    names = {"mineral": mineral_name(mineral), "stage": stage_name(stage)}
    solara.Text(t("ui.prices_caption", good=good_label(mineral, stage)))
    label = t("ui.chart_label", **names)
    prices = prices.rename(columns=listed_name)  # a legend of names, not codes
    html(line_chart(prices, label, t("ui.chart_quarter"), world.quarter_label))


@solara.component
def StageControl(world, tables: dict):
    """Who controls each stage of a mineral's value chain."""
    mineral, set_mineral = solara.use_state(world.data.minerals[0])
    choose(t("ui.control_mineral"), world.data.minerals, mineral, set_mineral, names=mineral_name)
    if tables["production"].empty:
        solara.Text(t("ui.no_prices"))
        return
    shares = views.stage_shares(tables, mineral)
    others = t("ui.others")
    columns = [column("stage")] + [
        (
            listed_name(code),
            listed_name(code),
            t("ui.help_share_others") if code == others else t("ui.help_share", code=code),
            "{:.0%}",
        )
        for code in shares.columns
    ]
    shares = shares.rename(columns=listed_name).reset_index()  # names, not CHN USA AUS
    shares["stage"] = shares["stage"].map(stage_name)
    html(table_html(shares, columns, t("ui.control_label", mineral=mineral_name(mineral))))


@solara.component
def TradeFlows(world, tables: dict):
    data = world.data
    mineral, set_mineral = solara.use_state(data.minerals[0])
    stage, set_stage = solara.use_state("refined" if "refined" in data.stages else data.stages[0])
    stage = good_pickers(
        data, ("ui.flows_mineral", "ui.flows_stage"), mineral, set_mineral, stage, set_stage
    )
    flows = views.top_flows(tables, mineral, stage) if not tables["flows"].empty else None
    if flows is None or flows.empty:
        solara.Text(t("ui.no_flows"))
        return
    flows = with_names(flows, "exporter", "importer")  # names, not MYS JPN
    names = {"mineral": mineral_name(mineral), "stage": stage_name(stage)}
    label = t("ui.flows_label", **names)
    html(flow_chart(flows, label))
    columns = [
        column("exporter"),
        column("importer"),
        column("tonnes", fmt="{:,.0f}"),
        column("share", "flow_share", fmt="{:.1%}"),
    ]
    html(table_html(flows, columns, t("ui.flows_table", **names)))


@solara.component
def IndustryView(world, tables: dict, country: str | None):
    if tables["countries"].empty:
        solara.Text(t("ui.no_scores"))
        return
    frame = with_names(views.industry(tables, shown_countries(world, country)), "country")
    columns = [column("country")]
    columns += [
        (
            f"industry_{name}",
            t(f"ui.col_{name}"),
            t("ui.help_industry", industry=t(f"ui.col_{name}")),
            "{:.1%}",
        )
        for name in views.INDUSTRIES
    ]
    columns.append(column("shortage_share", "shortage", fmt="{:.1%}"))
    mine = listed_name(country) if country else None
    html(table_html(frame, columns, t("ui.industry_title"), bold=mine))
    shortage = views.shortage_history(tables, shown_countries(world, country))
    solara.Text(t("ui.shortage_caption"))
    shortage = shortage.rename(columns=listed_name)
    quarter = world.quarter_label
    html(line_chart(shortage, t("ui.shortage_label"), t("ui.chart_quarter"), quarter, True))


@solara.component
def DealsLedger(
    tables: dict,
    country: str | None,
    refs: dict[int, str] | None = None,
    clubs: Mapping[str, str] | None = None,
):
    ledger = views.deals_ledger(tables)
    if ledger.empty:
        solara.Text(t("ui.no_deals"))
        return
    ledger = views.ledger_in_words(ledger, refs, clubs)
    columns = [
        column("deal_id", "deal"),
        column("kind"),
        column("parties"),
        column("status"),
        column("terms"),
    ]
    html(table_html(ledger, columns, t("ui.deals_title")))


@solara.component
def Views(
    world,
    tables: dict,
    country: str | None,
    map_view: Callable[[], None] | None = None,
    deals_view: Callable[[], None] | None = None,
):
    """The views of the world, one tab each: the one list of them for every page.

    ``map_view`` draws the world map as the first tab where a page has one; ``deals_view``
    the deals tab (default: the ledger).
    """
    tabs = [
        (t("game.map_title"), map_view),
        (t("ui.prices_title"), lambda: PriceChart(world, tables, country)),
        (t("ui.control_title"), lambda: StageControl(world, tables)),
        (t("ui.flows_title"), lambda: TradeFlows(world, tables)),
        (t("ui.industry_title"), lambda: IndustryView(world, tables, country)),
        (
            t("ui.deals_title"),
            deals_view
            or (lambda: DealsLedger(tables, country, world.deal_refs, world.club_names())),
        ),
    ]
    solara.Style(TABS_CSS)
    with solara.Div(classes=["minerals-tabs"]):
        TabKeys()  # the arrow keys move between the tabs
        with solara.lab.Tabs(lazy=True):  # only the open tab is drawn each step
            for title, draw in tabs:
                if draw is not None:
                    with solara.lab.Tab(title):
                        draw()


@solara.component
def NewsFeed(world, tables: dict):
    news = views.news(tables, world.steps)
    with solara.Card(t("ui.news_title")):
        if news.empty:
            solara.Text(t("ui.no_news", steps=views.NEWS_STEPS))
        for row in news.head(MAX_NEWS).itertuples():
            line(t("ui.news_line", date=world.quarter_label(row.step), detail=row.detail))


def score_columns(first: list[tuple] = ()) -> list[tuple]:
    return [
        *first,
        column("country"),
        column("points", fmt="{:.1f}"),
        column("score", fmt="{:.1f}"),
        column("shortage_share", "shortage", fmt="{:.1%}"),
        column("gdp_index", "gdp", fmt="{:.3f}"),
    ]


@solara.component
def Scoreboard(tables: dict, country: str | None):
    with solara.Card(t("ui.scoreboard_title")):
        if tables["countries"].empty:
            solara.Text(t("ui.no_scores"))
            return
        html(
            table_html(
                with_names(views.scoreboard(tables), "country"),
                score_columns(),
                t("ui.scoreboard_title"),
                listed_name(country) if country else None,
            )
        )
