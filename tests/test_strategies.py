"""AI strategies answer measures and offers as their names promise, within the contract."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.actions import (
    ACTION_TYPES,
    ALL,
    ANSWERS,
    DEAL_KINDS,
    ExportControl,
    Propose,
    Respond,
    Stockpile,
    Subsidy,
    Tariff,
)
from agents.observation import Observation, Offer
from agents.strategies import DAYS_PER_STEP, STRATEGIES, make_controller
from model.data import world_data

CODES = [
    "USA",
    "CHN",
    "EU",
    "JPN",
    "KOR",
    "IND",
    "AUS",
    "CAN",
    "CHL",
    "ARG",
    "COD",
    "IDN",
    "PHL",
    "ZAF",
    "GAB",
    "MMR",
    "BRA",
    "RUS",
    "UKR",
    "GRL",
    "MYS",
    "VNM",
    "MOZ",
    "MDG",
    "ZWE",
    "NOR",
    "ROW",
]
GOODS = [
    ("rare_earths", "mined"),
    ("rare_earths", "refined"),
    ("rare_earths", "magnets"),
    ("heavy_rare_earths", "mined"),
    ("heavy_rare_earths", "refined"),
    ("lithium", "mined"),
    ("lithium", "refined"),
    ("cobalt", "mined"),
    ("cobalt", "refined"),
    ("nickel", "mined"),
    ("nickel", "refined"),
    ("graphite", "mined"),
    ("graphite", "refined"),
    ("manganese", "mined"),
    ("manganese", "refined"),
]
G, C = len(GOODS), len(CODES)
PRICE_USD = np.full(G, 50_000.0)  # base price of every good, USD/t
AI = sorted(set(STRATEGIES) - {"passive"})


def observation(country: str = "RUS", **overrides) -> Observation:
    """A quiet quarter: no trade, no measures, full trust in everyone; look-ahead 0."""
    fields = dict(
        step=1,
        date="2025 Q2",
        country=country,
        role="producer",
        strategy="",
        codes=list(CODES),
        goods=list(GOODS),
        imports=np.zeros((G, C)),
        exports=np.zeros((G, C)),
        dependence=np.zeros((G, C)),
        price_index=np.ones(G),
        producer_price=np.ones(G),
        production=np.zeros(G),
        capacity=np.zeros(G),
        capacity_coming=np.zeros(G),
        stock_days=np.zeros(G),
        shortage_share=0.0,
        score=0.0,
        budget_usd=1e9,
        my_tariffs=np.zeros((G, C)),
        tariffs_on_me=np.zeros((G, C)),
        my_controls=np.ones((G, C)),
        controls_on_me=np.ones((G, C)),
        new_tariffs_on_me=np.zeros((G, C)),
        new_controls_on_me=np.zeros((G, C)),
        trust=np.full(C, 0.8),
        coalitions={},
        deals=[],
        offers=[],
        evaluate=lambda offer: 0.0,
    )
    fields.update(overrides)
    return Observation(**fields)


def grid(entries: dict[tuple[str, str, str], float], fill: float = 0.0) -> np.ndarray:
    """A (G, C) array: ``fill`` except at (mineral, stage, code) entries."""
    array = np.full((G, C), fill)
    for (mineral, stage, code), value in entries.items():
        array[GOODS.index((mineral, stage)), CODES.index(code)] = value
    return array


def vector(entries: dict[tuple[str, str], float]) -> np.ndarray:
    array = np.zeros(G)
    for good, value in entries.items():
        array[GOODS.index(good)] = value
    return array


def decide(name: str, obs: Observation, price_usd=PRICE_USD) -> list:
    """The strategy's actions, notes left out so tests compare what is done."""
    actions = make_controller(name, price_usd).decide(obs)
    assert all(action.note for action in actions), "every AI action says why"
    return [dataclasses.replace(action, note="") for action in actions]


def offer(deal: str = "truce", terms: dict | None = None, proposer: str = "USA", round: int = 1):
    return Offer(1, 1, deal, proposer, "RUS", terms or {}, 8, round)


# --- answers to measures ------------------------------------------------------------------
def test_tit_for_tat_answers_a_tariff_in_the_next_step_on_the_same_goods():
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    obs = observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    assert decide("tit_for_tat", obs) == [Tariff("RUS", ("USA",), "lithium", "refined", 0.5)]


def test_tit_for_tat_answers_a_tariff_on_everything_in_one_action():
    tariff = np.zeros((G, C))
    tariff[:, CODES.index("USA")] = 0.25
    obs = observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    assert decide("tit_for_tat", obs) == [Tariff("RUS", ("USA",), ALL, ALL, 0.25)]


def test_tit_for_tat_caps_its_answer():
    tariff = grid({("nickel", "refined", "USA"): 5.0})
    obs = observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    assert decide("tit_for_tat", obs) == [Tariff("RUS", ("USA",), "nickel", "refined", 2.0)]


def test_tit_for_tat_lifts_its_tariff_after_the_other_lifts_theirs():
    mine = grid({("lithium", "refined", "USA"): 0.5})
    obs = observation("RUS", my_tariffs=mine)
    assert decide("tit_for_tat", obs) == [Tariff("RUS", ("USA",), "lithium", "refined", 0.0)]


def test_tit_for_tat_keeps_its_answer_while_the_other_keeps_theirs():
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    assert decide("tit_for_tat", observation("RUS", my_tariffs=tariff, tariffs_on_me=tariff)) == []


def test_tit_for_tat_mirrors_an_export_control_and_lifts_it_after():
    allowed = grid({("nickel", "refined", "IDN"): 0.3}, fill=1.0)
    fall = grid({("nickel", "refined", "IDN"): 0.7})
    obs = observation("RUS", controls_on_me=allowed, new_controls_on_me=fall)
    expected = ExportControl("RUS", ("IDN",), "nickel", "refined", 0.3)
    assert decide("tit_for_tat", obs) == [expected]
    lifted = observation("RUS", my_controls=allowed)
    assert decide("tit_for_tat", lifted) == [dataclasses.replace(expected, level=1.0)]


def test_leverage_answers_a_tariff_with_controls_on_what_the_other_buys_from_it():
    tariff = grid({("graphite", "mined", "USA"): 0.25})
    exports = grid(
        {
            ("rare_earths", "magnets", "USA"): 100.0,
            ("graphite", "refined", "USA"): 5_000.0,
            ("lithium", "mined", "USA"): 100_000.0,  # ore is no chokepoint: last
            ("cobalt", "refined", "EU"): 9_000.0,  # not the USA's
        }
    )
    obs = observation("CHN", exports=exports, tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    actions = decide("leverage", obs)
    assert {(a.mineral, a.stage) for a in actions} == {
        ("rare_earths", "magnets"),
        ("graphite", "refined"),
    }
    for action in actions:
        assert isinstance(action, ExportControl)
        assert action.targets == ("USA",) and action.level == 0.5


def test_leverage_picks_the_goods_worth_most_to_the_other_side():
    tariff = grid({("graphite", "mined", "USA"): 0.25})
    exports = grid({(m, "refined", "USA"): 1_000.0 for m in ("lithium", "cobalt", "nickel")})
    prices = PRICE_USD.copy()
    prices[GOODS.index(("nickel", "refined"))] = 1_000.0
    obs = observation("CHN", exports=exports, tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    picked = {a.mineral for a in decide("leverage", obs, price_usd=prices)}
    assert picked == {"lithium", "cobalt"}


def test_leverage_offers_a_truce_once_the_other_side_has_lifted_its_tariffs():
    mine = grid({("rare_earths", "magnets", "USA"): 0.5}, fill=1.0)
    assert decide("leverage", observation("CHN", step=4, my_controls=mine)) == [
        Propose("CHN", "USA", "truce", {})
    ]
    on_everyone = grid({("rare_earths", "magnets", code): 0.5 for code in CODES}, fill=1.0)
    assert decide("leverage", observation("CHN", step=4, my_controls=on_everyone)) == []
    assert decide("leverage", observation("CHN", step=5, my_controls=mine)) == []  # not yearly
    still_taxed = grid({("graphite", "mined", "USA"): 0.25})
    taxed = observation("CHN", step=4, my_controls=mine, tariffs_on_me=still_taxed)
    assert decide("leverage", taxed) == []
    truce = {"deal_id": 3, "deal": "truce", "parties": ["CHN", "USA"], "terms": {}, "until": 9}
    assert decide("leverage", observation("CHN", step=4, my_controls=mine, deals=[truce])) == []


def test_hawk_escalates_to_double_the_tariff_capped():
    tariff = grid({("lithium", "refined", "CHN"): 0.5, ("cobalt", "refined", "CHN"): 1.5})
    obs = observation("USA", tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    assert decide("hawk", obs) == [
        Tariff("USA", ("CHN",), "cobalt", "refined", 2.0),
        Tariff("USA", ("CHN",), "lithium", "refined", 1.0),
    ]


def test_hawk_answers_an_export_control_with_a_tariff_on_what_it_does_not_need():
    """Not on the restricted supply, nor on goods it depends on China for (it was "a
    tariff on everything" before: a tariff on a supply you are short of hurts only you)."""
    allowed = grid({("rare_earths", "magnets", "CHN"): 0.0}, fill=1.0)
    fall = grid({("rare_earths", "magnets", "CHN"): 1.0})
    bought = {
        ("rare_earths", "magnets", "CHN"): 80.0,
        ("graphite", "refined", "CHN"): 90.0,
        ("lithium", "refined", "CHN"): 10.0,
    }
    share = {good: value / 100.0 for good, value in bought.items()}
    obs = observation(
        "USA",
        controls_on_me=allowed,
        new_controls_on_me=fall,
        imports=grid(bought),
        dependence=grid(share),
    )
    assert decide("hawk", obs) == [Tariff("USA", ("CHN",), "lithium", "refined", 1.0)]


def test_nobody_answers_a_control_that_singles_nobody_out():
    """DR Congo's ban on everyone is a policy, not an attack: no tariff, no control back."""
    allowed = grid({("cobalt", "mined", "COD"): 0.0}, fill=1.0)
    fall = grid({("cobalt", "mined", "COD"): 1.0})
    everyone = np.zeros((G, C))  # COD lets nobody else have any either
    obs = observation(
        "USA", controls_on_me=allowed, new_controls_on_me=fall, others_controls=everyone
    )
    for name in ("tit_for_tat", "hawk", "leverage", "cooperative"):
        assert decide(name, obs) == [], name


def test_allies_and_needed_suppliers_are_not_answered():
    tariff = grid({("lithium", "refined", "CHN"): 0.5})
    close = np.zeros(C)
    close[CODES.index("CHN")] = 0.96  # Russia and China vote alike (alignment.csv)
    obs = observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff, alignment=close)
    assert decide("tit_for_tat", obs) == []
    assert decide("tit_for_tat", observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff))


def test_hawk_proposes_a_truce_only_when_shortages_hurt():
    allowed = grid({("rare_earths", "magnets", "CHN"): 0.2}, fill=1.0)
    calm = observation("USA", step=8, controls_on_me=allowed, shortage_share=0.01)
    assert decide("hawk", calm) == []
    hurt = dataclasses.replace(calm, shortage_share=0.2)
    assert decide("hawk", hurt) == [Propose("USA", "CHN", "truce", {})]


def test_cooperative_proposes_a_deal_instead_of_retaliating():
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    sales = grid({("lithium", "refined", "USA"): 1_000.0})
    obs = observation("AUS", exports=sales, tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    terms = {"mineral": ALL, "stage": ALL, "max_rate": 0.0}
    assert decide("cooperative", obs) == [Propose("AUS", "USA", "tariff_agreement", terms)]
    fall = grid({("nickel", "refined", "IDN"): 0.5})
    use = grid({("nickel", "refined", "AUS"): 100.0})
    controlled = observation("AUS", imports=use, controls_on_me=1.0 - fall, new_controls_on_me=fall)
    assert decide("cooperative", controlled) == [Propose("AUS", "IDN", "truce", {})]


def test_a_partner_that_said_no_is_not_asked_again_for_a_year():
    """Turned down, a government does not re-send the same offer every quarter (in
    washington_coalition the cooperators re-offered the United States a pact each quarter
    it raised a tariff: 7 refusals in 8 quarters, each a look-ahead of the world)."""
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    sales = grid({("lithium", "refined", "USA"): 1_000.0})
    terms = {"mineral": ALL, "stage": ALL, "max_rate": 0.0}
    pact = [Propose("AUS", "USA", "tariff_agreement", terms)]
    for step, refused, expected in (
        (5, {("USA", "tariff_agreement"): 4}, []),  # turned down last quarter
        (7, {("USA", "tariff_agreement"): 4}, []),
        (8, {("USA", "tariff_agreement"): 4}, pact),  # a year later it asks again
        (5, {("USA", "truce"): 4}, pact),  # another kind of deal was turned down
        (5, {("CHN", "tariff_agreement"): 4}, pact),  # by another partner
    ):
        obs = observation(
            "AUS",
            step=step,
            exports=sales,
            tariffs_on_me=tariff,
            new_tariffs_on_me=tariff,
            refused=refused,
        )
        assert decide("cooperative", obs) == expected, (step, refused)


def test_cooperative_ignores_measures_on_goods_it_does_not_trade():
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    fall = grid({("nickel", "refined", "IDN"): 0.5})
    obs = observation(
        "AUS",
        tariffs_on_me=tariff,
        new_tariffs_on_me=tariff,
        controls_on_me=1.0 - fall,
        new_controls_on_me=fall,
    )
    assert decide("cooperative", obs) == []


# --- diversifier ---------------------------------------------------------------------------
MAGNETS = ("rare_earths", "magnets")


def dependent_japan(**overrides) -> Observation:
    """Japan buys 900 t of magnets a quarter from China, 50 from Korea, makes 50 itself."""
    tonnes = {"CHN": 900.0, "KOR": 50.0, "JPN": 50.0}
    fields = dict(
        imports=grid({(*MAGNETS, code): t for code, t in tonnes.items()}),
        dependence=grid({(*MAGNETS, code): t / 1_000.0 for code, t in tonnes.items()}),
    )
    return observation("JPN", role="importer", **(fields | overrides))


def bought(actions) -> float:
    return sum(a.tonnes for a in actions if isinstance(a, Stockpile) and a.tonnes > 0)


def test_diversifier_stockpiles_towards_60_days_when_dependent():
    actions = decide("diversifier", dependent_japan())
    assert bought(actions) == pytest.approx(60 * 1_000.0 / DAYS_PER_STEP)
    assert [(a.mineral, a.stage) for a in actions if isinstance(a, Stockpile)] == [MAGNETS]


def test_diversifier_stockpiles_within_its_budget():
    actions = decide("diversifier", dependent_japan(budget_usd=4e6))
    spent = bought(actions) * PRICE_USD[GOODS.index(MAGNETS)]
    spent += sum(a.usd for a in actions if isinstance(a, Subsidy))
    assert 0 < spent <= 4e6


def test_diversifier_buys_no_stock_when_not_dependent_or_at_target():
    spread = grid({(*MAGNETS, "CHN"): 0.4, (*MAGNETS, "KOR"): 0.3, (*MAGNETS, "JPN"): 0.3})
    assert bought(decide("diversifier", dependent_japan(dependence=spread))) == 0
    assert bought(decide("diversifier", dependent_japan(stock_days=np.full(G, 60.0)))) == 0


def test_diversifier_draws_on_its_stock_when_the_main_source_restricts():
    allowed = grid({(*MAGNETS, "CHN"): 0.5}, fill=1.0)
    obs = dependent_japan(controls_on_me=allowed, stock_days=np.full(G, 60.0))
    releases = [a for a in decide("diversifier", obs) if isinstance(a, Stockpile)]
    held = 60 * 1_000.0 / DAYS_PER_STEP
    assert len(releases) == 1 and -held < releases[0].tonnes < 0
    scraps = dataclasses.replace(obs, stock_days=np.full(G, 2.0))
    assert not any(isinstance(a, Stockpile) for a in decide("diversifier", scraps))


def test_diversifier_builds_at_home_and_courts_other_sources_once_a_year():
    actions = decide("diversifier", dependent_japan(step=4))
    assert Subsidy("JPN", *MAGNETS, 0.3e9) in actions
    proposals = [a for a in actions if isinstance(a, Propose)]
    assert [(p.partner, p.deal) for p in proposals] == [
        ("KOR", "investment"),
        ("CHN", "supply_guarantee"),
    ]
    assert proposals[0].terms == {
        "host": "KOR",
        "mineral": "rare_earths",
        "stage": "magnets",
        "usd": 0.2e9,
    }
    assert not any(isinstance(a, Propose) for a in decide("diversifier", dependent_japan(step=5)))


def test_diversifier_stops_subsidising_once_home_capacity_reaches_its_target_share():
    """The stopping rule: home capacity plus pipeline at 40 % of use (the CRMA benchmark)."""
    building = vector({MAGNETS: 300.0})  # 50 t made at home + 300 t being built < 400 t
    assert Subsidy("JPN", *MAGNETS, 0.3e9) in decide(
        "diversifier", dependent_japan(capacity=vector({MAGNETS: 50.0}), capacity_coming=building)
    )
    enough = vector({MAGNETS: 350.0})  # 50 + 350 = 40 % of the 1,000 t it uses
    actions = decide(
        "diversifier", dependent_japan(capacity=vector({MAGNETS: 50.0}), capacity_coming=enough)
    )
    assert not any(isinstance(a, Subsidy) for a in actions)
    lower = make_controller("diversifier", PRICE_USD, {"self_sufficiency_target": 0.2})
    obs = dependent_japan(capacity=vector({MAGNETS: 50.0}), capacity_coming=building)
    assert not any(isinstance(a, Subsidy) for a in lower.decide(obs))


# --- resource nationalist ------------------------------------------------------------------
def nickel_miner(**overrides) -> Observation:
    """Indonesia mines 100 t of nickel ore, ships 80 abroad, can refine 10."""
    fields = dict(
        production=vector({("nickel", "mined"): 100.0}),
        capacity=vector({("nickel", "mined"): 120.0, ("nickel", "refined"): 10.0}),
        exports=grid({("nickel", "mined", "CHN"): 80.0, ("nickel", "mined", "IDN"): 20.0}),
    )
    return observation("IDN", **(fields | overrides))


def test_resource_nationalist_without_a_reason_builds_refineries_and_bans_nothing():
    """It used to ban at step 1 whenever most ore went abroad (economics review E5)."""
    assert decide("resource_nationalist", nickel_miner()) == [
        Subsidy("IDN", "nickel", "refined", 0.5e9)
    ]


def refineries_ready(**overrides) -> Observation:
    """The nickel miner once it can refine 60 of its 100 t of ore at home."""
    capacity = vector({("nickel", "mined"): 120.0, ("nickel", "refined"): 60.0})
    return nickel_miner(capacity=capacity, **overrides)


def test_resource_nationalist_phases_a_ban_in_once_its_refineries_can_take_the_ore():
    assert decide("resource_nationalist", refineries_ready()) == [
        ExportControl("IDN", (ALL,), "nickel", "mined", 0.75),
        Subsidy("IDN", "nickel", "refined", 0.5e9),
    ]
    halfway = grid({("nickel", "mined", code): 0.5 for code in CODES if code != "IDN"}, fill=1.0)
    later = decide("resource_nationalist", refineries_ready(my_controls=halfway))
    assert later[0] == ExportControl("IDN", (ALL,), "nickel", "mined", 0.25)


def test_resource_nationalist_holds_ore_back_in_a_price_slump():
    slump = np.ones(G)
    slump[GOODS.index(("nickel", "mined"))] = 0.5
    actions = decide("resource_nationalist", nickel_miner(producer_price=slump))
    assert actions[0] == ExportControl("IDN", (ALL,), "nickel", "mined", 0.75)


def test_resource_nationalist_keeps_building_refineries_once_ore_is_banned():
    banned = grid({("nickel", "mined", code): 0.0 for code in CODES if code != "IDN"}, fill=1.0)
    obs = nickel_miner(my_controls=banned, exports=np.zeros((G, C)))
    assert decide("resource_nationalist", obs) == [Subsidy("IDN", "nickel", "refined", 0.5e9)]


def test_resource_nationalist_leaves_ore_alone_when_it_refines_most_at_home():
    exports = grid({("nickel", "mined", "CHN"): 30.0, ("nickel", "mined", "IDN"): 70.0})
    assert decide("resource_nationalist", nickel_miner(exports=exports)) == []


# --- keeping its word ----------------------------------------------------------------------
def deal(kind: str, parties: tuple[str, str], **terms) -> dict:
    return {"deal_id": 7, "deal": kind, "parties": list(parties), "terms": terms, "until": 20}


def test_no_strategy_answers_a_partner_it_has_a_truce_with():
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    truce = deal("truce", ("USA", "RUS"))
    obs = observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff, deals=[truce])
    for name in ("tit_for_tat", "hawk", "leverage"):
        assert decide(name, obs) == []


def test_a_hawk_escalates_only_up_to_the_rate_it_agreed():
    tariff = grid({("lithium", "refined", "CHN"): 0.5, ("nickel", "refined", "CHN"): 0.2})
    pact = deal("tariff_agreement", ("USA", "CHN"), mineral="lithium", stage=ALL, max_rate=0.5)
    obs = observation("USA", tariffs_on_me=tariff, new_tariffs_on_me=tariff, deals=[pact])
    assert decide("hawk", obs) == [Tariff("USA", ("CHN",), "nickel", "refined", 0.4)]


def test_fellow_coalition_members_are_spared():
    tariff = grid({("lithium", "refined", "AUS"): 0.5})
    obs = observation(
        "RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff, coalitions={"MSP": ["AUS", "RUS"]}
    )
    assert decide("tit_for_tat", obs) == []


def test_an_ore_ban_spares_the_buyers_it_guaranteed_supply_to():
    guarantee = deal(
        "supply_guarantee", ("CHN", "IDN"), supplier="IDN", mineral="nickel", stage=ALL
    )
    actions = decide("resource_nationalist", refineries_ready(deals=[guarantee]))
    others = tuple(code for code in CODES if code not in ("IDN", "CHN"))
    assert actions[0] == ExportControl("IDN", others, "nickel", "mined", 0.75)
    banned = grid({("nickel", "mined", code): 0.0 for code in others}, fill=1.0)
    later = refineries_ready(deals=[guarantee], my_controls=banned)
    assert not any(isinstance(a, ExportControl) for a in decide("resource_nationalist", later))


def test_leverage_passes_over_goods_it_guaranteed():
    tariff = grid({("graphite", "mined", "USA"): 0.25})
    exports = grid({(m, "refined", "USA"): 1_000.0 for m in ("lithium", "cobalt", "nickel")})
    guarantee = deal(
        "supply_guarantee", ("USA", "CHN"), supplier="CHN", mineral="lithium", stage=ALL
    )
    obs = observation(
        "CHN", exports=exports, tariffs_on_me=tariff, new_tariffs_on_me=tariff, deals=[guarantee]
    )
    assert {a.mineral for a in decide("leverage", obs)} == {"cobalt", "nickel"}


# --- answers to offers ---------------------------------------------------------------------
OFFERS = [
    offer("tariff_agreement", {"mineral": ALL, "stage": ALL, "max_rate": 0.0}),
    offer("supply_guarantee", {"supplier": "RUS", "mineral": "nickel", "stage": "refined"}),
    offer(
        "offtake",
        {"seller": "RUS", "mineral": "nickel", "stage": "refined", "tonnes": 100.0, "floor": 15e3},
    ),
    offer("investment", {"host": "USA", "mineral": "lithium", "stage": "refined", "usd": 1e8}),
    offer("truce"),
    offer("coalition", {"coalition": "MSP"}),
]


@pytest.mark.parametrize("name", AI)
@pytest.mark.parametrize("deal", OFFERS, ids=lambda o: o.deal)
def test_every_ai_accepts_a_gain_and_rejects_a_loss(name, deal):
    controller = make_controller(name)
    gain = controller.respond(observation(evaluate=lambda o: 5.0), deal)
    loss = controller.respond(observation(evaluate=lambda o: -5.0), deal)
    assert (gain.actor, gain.offer_id, gain.answer) == ("RUS", deal.offer_id, "accept")
    assert loss.answer == "reject"


@pytest.mark.parametrize("name", AI)
@pytest.mark.parametrize("deal", OFFERS, ids=lambda o: o.deal)
def test_every_ai_refuses_a_distrusted_proposer_whatever_the_gain(name, deal):
    looked = []
    trust = np.full(C, 0.8)
    trust[CODES.index("USA")] = 0.1  # USA broke a deal
    obs = observation(trust=trust, evaluate=lambda o: looked.append(o) or 5.0)
    assert make_controller(name).respond(obs, deal).answer == "reject"
    assert looked == []  # the look-ahead is not even run


def test_a_counter_coming_back_is_judged_by_trust_in_the_other_side():
    trust = np.full(C, 1.0)
    trust[CODES.index("USA")] = 0.1
    countered = Offer(1, 1, "truce", "RUS", "USA", {}, 8, 2)  # RUS proposed, USA countered
    obs = observation(trust=trust, evaluate=lambda o: 5.0)
    assert make_controller("cooperative").respond(obs, countered).answer == "reject"


def test_cooperative_accepts_a_small_loss_and_hawk_wants_a_clear_gain():
    small_loss = observation(evaluate=lambda o: -0.3)
    small_gain = observation(evaluate=lambda o: 0.5)
    assert make_controller("cooperative").respond(small_loss, offer()).answer == "accept"
    assert make_controller("tit_for_tat").respond(small_loss, offer()).answer == "reject"
    assert make_controller("hawk").respond(small_gain, offer()).answer == "reject"


def test_a_losing_first_proposal_is_countered_once_with_terms_the_look_ahead_favours():
    pact = offer("tariff_agreement", {"mineral": ALL, "stage": ALL, "max_rate": 0.0})
    obs = observation(evaluate=lambda o: 2.0 if o.terms["max_rate"] > 0 else -1.0)
    answer = make_controller("tit_for_tat").respond(obs, pact)
    assert answer.answer == "counter"
    assert answer.terms == {"mineral": ALL, "stage": ALL, "max_rate": 0.1}
    late = dataclasses.replace(pact, round=2)
    assert make_controller("tit_for_tat").respond(obs, late).answer == "reject"


def test_a_seller_counters_an_offtake_with_a_higher_floor():
    deal = OFFERS[2]
    obs = observation(evaluate=lambda o: 1.0 if o.terms["floor"] > 15_000.0 else -1.0)
    answer = make_controller("leverage").respond(obs, deal)
    assert answer.answer == "counter" and answer.terms["floor"] == pytest.approx(18_000.0)


def test_without_a_look_ahead_an_ai_rejects():
    assert make_controller("cooperative").respond(observation(evaluate=None), offer()).answer == (
        "reject"
    )


def test_passive_takes_no_measures_and_answers_nothing():
    tariff = grid({("lithium", "refined", "USA"): 0.5})
    obs = observation("RUS", tariffs_on_me=tariff, new_tariffs_on_me=tariff)
    passive = make_controller("passive")
    assert passive.decide(obs) == []
    assert passive.respond(observation(evaluate=lambda o: 5.0), offer()) is None


def test_every_strategy_of_the_world_data_is_registered_by_its_name():
    assert set(STRATEGIES) == set(world_data.STRATEGIES)
    for name in STRATEGIES:
        assert make_controller(name).name == name


# --- contract, on varied observations ------------------------------------------------------
def varied_observation(seed: int, country: str) -> Observation:
    """A busy quarter: sparse trade, measures both ways, some trust, some offers."""
    rng = np.random.default_rng(seed)
    me = CODES.index(country)
    others = [code for code in CODES if code != country]

    def sparse(high: float, share: float = 0.15) -> np.ndarray:
        array = np.where(rng.random((G, C)) < share, rng.uniform(0.0, high, (G, C)), 0.0)
        array[:, me] = 0.0
        return array

    imports = sparse(1e4, 0.3)
    imports[:, me] = rng.uniform(0.0, 1e3, G)
    supply = imports.sum(axis=1, keepdims=True)
    tariffs_on_me, cuts_on_me = sparse(3.0), sparse(1.0)
    production = np.where(rng.random(G) < 0.5, rng.uniform(0.0, 1e4, G), 0.0)
    return observation(
        country,
        step=int(rng.integers(0, 12)),
        imports=imports,
        exports=sparse(1e4, 0.3),
        dependence=np.divide(imports, supply, out=np.zeros((G, C)), where=supply > 0),
        price_index=rng.uniform(0.5, 3.0, G),
        producer_price=rng.uniform(0.5, 3.0, G),
        production=production,
        capacity=production * rng.uniform(0.0, 2.0, G),
        stock_days=rng.uniform(0.0, 120.0, G),
        shortage_share=float(rng.uniform(0.0, 0.2)),
        budget_usd=float(rng.choice([0.0, 1e5, 1e8, 1e10])),
        my_tariffs=sparse(3.0),
        tariffs_on_me=tariffs_on_me,
        new_tariffs_on_me=np.where(rng.random((G, C)) < 0.5, tariffs_on_me, 0.0),
        my_controls=1.0 - sparse(1.0),
        controls_on_me=1.0 - cuts_on_me,
        new_controls_on_me=np.where(rng.random((G, C)) < 0.5, cuts_on_me, 0.0),
        trust=rng.uniform(0.0, 1.0, C),
        deals=[
            deal("truce", (country, str(rng.choice(others)))),
            deal("supply_guarantee", (country, str(rng.choice(others))), supplier=country),
        ],
        coalitions={"club": [country, str(rng.choice(others))]},
        evaluate=lambda o: float(rng.uniform(-3.0, 3.0)),
    )


def protected(obs: Observation, action) -> set[str]:
    """Partners ``action`` may not restrict: truce and coalition partners, guaranteed buyers."""
    kinds = {"truce"} if isinstance(action, Tariff) else {"truce", "supply_guarantee"}
    partners = {code for d in obs.deals if d["deal"] in kinds for code in d["parties"]}
    partners |= {code for members in obs.coalitions.values() for code in members}
    return partners - {obs.country}


def check_action(action, obs: Observation) -> None:
    assert isinstance(action, tuple(ACTION_TYPES.values()))
    assert action.actor == obs.country
    if hasattr(action, "mineral"):
        assert action.mineral == ALL or action.mineral in {m for m, _ in GOODS}
        assert (
            action.stage == ALL
            or (action.mineral, action.stage) in GOODS
            or (action.mineral == ALL and action.stage in {s for _, s in GOODS})
        )
    if hasattr(action, "targets"):
        assert action.targets and set(action.targets) <= (set(CODES) | {ALL}) - {obs.country}
        restricts = getattr(action, "rate", 0.0) > 0 or getattr(action, "level", 1.0) < 1
        if restricts:  # the pledges here cover every good
            assert ALL not in action.targets
            assert not set(action.targets) & protected(obs, action)
    match action:
        case Tariff():
            assert 0.0 <= action.rate <= 2.0
        case ExportControl():
            assert 0.0 <= action.level <= 1.0 and action.delay >= 0
        case Stockpile():
            assert action.tonnes != 0 and np.isfinite(action.tonnes)
            g = GOODS.index((action.mineral, action.stage))
            held = obs.stock_days[g] * obs.imports[g].sum() / DAYS_PER_STEP
            assert -action.tonnes <= held
        case Subsidy():
            assert action.usd > 0
        case Propose():
            assert action.partner in CODES and action.partner != obs.country
            assert action.deal in DEAL_KINDS and action.duration > 0
            for key in ("host", "supplier", "seller"):
                assert action.terms.get(key, "USA") in CODES
        case _:
            pytest.fail(f"a strategy's decide returned {action!r}")


def spending(actions, obs: Observation) -> float:
    total = 0.0
    for action in actions:
        match action:
            case Stockpile(tonnes=tonnes) if tonnes > 0:
                g = GOODS.index((action.mineral, action.stage))
                total += tonnes * max(obs.price_index[g], obs.producer_price[g]) * PRICE_USD[g]
            case Subsidy(usd=usd):
                total += usd
            case Propose(deal="investment"):
                total += action.terms["usd"]
    return total


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    country=st.sampled_from(CODES),
    name=st.sampled_from(sorted(STRATEGIES)),
)
def test_every_strategy_keeps_to_the_action_contract(seed, country, name):
    obs = varied_observation(seed, country)
    actions = make_controller(name, PRICE_USD).decide(obs)
    assert len(actions) <= 8
    for action in actions:
        check_action(action, obs)
    assert spending(actions, obs) <= obs.budget_usd * (1 + 1e-9)
    for deal in OFFERS:
        proposer = next(code for code in CODES if code != country)
        addressed = dataclasses.replace(deal, proposer=proposer, partner=country)
        answer = make_controller(name, PRICE_USD).respond(obs, addressed)
        if name == "passive":
            assert answer is None
            continue
        assert isinstance(answer, Respond) and answer.actor == country
        assert answer.answer in ANSWERS and answer.offer_id == deal.offer_id
        assert (answer.terms is not None) == (answer.answer == "counter")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), country=st.sampled_from(CODES))
def test_the_same_observation_gives_the_same_actions(seed, country):
    obs = varied_observation(seed, country)
    for name in STRATEGIES:
        first = make_controller(name, PRICE_USD).decide(obs)
        assert make_controller(name, PRICE_USD).decide(obs) == first
        assert make_controller(name, PRICE_USD).decide(varied_observation(seed, country)) == first


def _under_a_clubs_floor(**names):
    """Russia's view when the United States levies the ATCM's floor tariff on its lithium."""
    floor = grid({("lithium", "refined", "USA"): 0.3})
    return observation(
        "RUS",
        tariffs_on_me=floor,
        new_tariffs_on_me=floor,
        floor_tariffs_on_me=floor,
        coalitions={"ATCM": ["USA", "EU"]},
        **names,
    )


def test_an_answer_to_a_clubs_floor_tariff_names_the_club():
    """Walk-through: Russia "answers in kind the measure taken by the United States" where
    the United States only levied the floor tariff of the club it founded."""
    from model.text import use_language

    obs = _under_a_clubs_floor()
    with use_language("en"):
        [answer] = make_controller("tit_for_tat", PRICE_USD).decide(obs)
    assert answer.note == (
        "It answers in kind the floor tariff the ATCM levies through the United States."
    )
    with use_language("fr"):
        [answer] = make_controller("tit_for_tat", PRICE_USD).decide(obs)
    assert "au droit plancher de la coalition ATCM (membre qui le prélève : États-Unis)" in (
        answer.note
    )
    own = grid({("lithium", "refined", "USA"): 0.5})  # its own tariff, above the floor
    obs = dataclasses.replace(obs, tariffs_on_me=own, new_tariffs_on_me=own)
    with use_language("en"):
        [answer] = make_controller("tit_for_tat", PRICE_USD).decide(obs)
    assert answer.note == "It answers in kind the measure taken by the United States."


def test_an_answer_to_a_titled_clubs_floor_tariff_names_it_by_its_title():
    """Walk-through: "the floor tariff the ATCM levies" never said what the ATCM was."""
    from model.text import again, from_data, use_language

    titles = {"title": "Agreement on Trade and Critical Minerals"}
    titles["title_fr"] = "Accord sur le commerce et les minerais critiques"
    obs = _under_a_clubs_floor(coalition_names={"ATCM": from_data(titles, "title")})
    with use_language("en"):
        [answer] = make_controller("tit_for_tat", PRICE_USD).decide(obs)
    assert answer.note == (
        "It answers in kind the floor tariff the Agreement on Trade and Critical Minerals "
        "levies through the United States."
    )
    assert "la coalition Accord sur le commerce et les minerais critiques (membre" in again(
        answer.note, "fr"
    )
