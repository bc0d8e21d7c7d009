"""The World: a Mesa model whose step is decide → negotiate → clear → evolve → measure.

Countries (Mesa agents) decide; the world applies their measures, runs the negotiation,
holds parties to their deals, clears every market in numpy, moves capacity and shocks on,
and records the tables researchers and the browser read. Same scenario and seed, same
tables.
"""

import contextlib
import math
from collections.abc import Generator, Iterator
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from agents import Country
from agents.actions import (
    MEASURE_MAGNITUDES,
    Action,
    ExportControl,
    FoundCoalition,
    Join,
    Leave,
    Propose,
    Respond,
    Tariff,
)
from agents.controllers import PassiveController, ScriptedController, decider, scripted_schedules
from agents.strategies import Strategy
from agents.strategies import make_controller as make_strategy
from model.data.overrides import (
    ScenarioError,
    keyword_label,
    parse_override,
    set_value,
    typed_overrides,
)
from model.data.scenario import Scenario, load_scenario, validate_scenario
from model.data.world_data import DAYS_PER_YEAR, WorldData, load_world, quarter_index
from model.engine import diplomacy, evolve, policies
from model.engine.economy import Outcome, calibrated, clearings
from model.engine.markets import Clearing, Market, clear_each
from model.engine.metrics import (
    Standing,
    base_consumption_value,
    country_metrics,
    mean_price_index,
    median_price_index,
    price_volatility,
    score,
    standing,
    tariffs_collected,
)
from model.engine.negotiation import Answered, negotiate
from model.engine.observe import observation
from model.engine.recorder import COUNTRY_COLUMNS, Recorder
from model.engine.reference import Cleared, Reference, digest, shared, snapshot
from model.engine.state import State
from model.text import DEFAULT_LANGUAGE, percent, t

DIPLOMACY = (Propose, Respond, Join, Leave, FoundCoalition)


AI_KINDS = ("ai", "ai+script")
SCRIPT_KINDS = ("scripted", *AI_KINDS)  # the kinds of controller that play the script


def make_controller(kind: str, strategy: str, price_usd: np.ndarray, parameters=None):
    """The controller for a seat: an AI strategy, or passive until a person takes it."""
    if kind in AI_KINDS:
        return make_strategy(strategy, price_usd, parameters)
    return PassiveController()  # "passive", "scripted", and "human" until the browser seat


def usual_inventory(data: WorldData) -> np.ndarray:
    """Commercial stocks of the goods' usual days of cover (buffers.csv), (C, G)."""
    return data.cover_days * data.demand0 / (DAYS_PER_YEAR / data.steps_per_year)


def opening_inventory(data: WorldData) -> np.ndarray:
    """Commercial stocks at the start, (C, G): the recorded tonnes where the world has them
    (commercial_stocks.csv: cobalt's 2023-24 surplus), else the usual cover."""
    usual = usual_inventory(data)
    recorded = data.commercial_stock0
    if recorded is None:
        return usual
    return np.where(recorded > 0, recorded, usual)


def controller_kind(scenario: Scenario, code: str, scripted: bool) -> str:
    """Who plays ``code``: its own setting, else its script if it has events, else the header's.

    A country with events plays its script only: an AI on top would contradict history.
    """
    settings = scenario.countries.get(code)
    if settings is not None and settings.controller is not None:
        return settings.controller
    return "scripted" if scripted else scenario.header.controller


def unplayed_strategy(scenario: Scenario, code: str) -> str | None:
    """``code``'s controller where its AI does not play it (a strategy set for it then
    decides nothing in a run), else None."""
    scripted = any(event.actor == code for event in scenario.events)
    kind = controller_kind(scenario, code, scripted)
    return None if kind in AI_KINDS else kind


SMUGGLING_NEWS = 4  # the news tells smuggling in quarters of the withheld trade


def measure_name(kind: str) -> str:
    """A measure's kind as people name it ("export control", "contrôle des exportations"),
    from the names the event log gives kinds; a diplomatic move's kind stays its code."""
    return t(f"game.action_{kind}") if kind in MEASURE_MAGNITUDES else kind


class World(mesa.Model):
    """The critical-minerals world of one scenario."""

    # False replays a game with no negotiation at all: the class debrief's "without the deals".
    deals_allowed = True
    # True for the reference path itself, which scores against itself (0 by definition).
    is_reference = False

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        rng=None,
        world: WorldData | None = None,
        *,
        seed: int | None = None,
        **parameters,
    ):
        """The world of ``scenario`` (a bundled name, a path or a Scenario; "baseline").

        As in Mesa, ``seed`` (or ``rng``) replaces the scenario's seed and every other
        keyword sets a world parameter (``World("baseline", seed=3, trade_cost=0.1)``),
        checked as the scenario format checks ``--set parameters.NAME=value``; numpy
        scalars are welcome. ``world`` replaces the scenario's world data (tests use
        small purpose-made worlds).
        """
        if rng is not None and seed is not None:
            raise ScenarioError(t("interfaces.seed_twice", rng=rng, seed=seed))
        rng = seed if rng is None else rng
        scenario = _scenario_with(scenario, parameters)
        seed = scenario.seed if rng is None else rng
        super().__init__(rng=seed)
        # Outages draw from a stream of their own (for an integer seed, the stream the
        # model's generator starts with), so the reference path meets the same outages.
        integer = isinstance(seed, int | np.integer)
        self.shock_seed = int(seed) if integer else int(self.rng.integers(2**63))
        self.shock_rng = np.random.default_rng(self.shock_seed)
        self.spec = scenario  # Mesa reserves ``scenario`` for its own Scenario object
        self.data = world or load_world(scenario.world)
        self.parameters = {**self.data.parameters, **scenario.parameters}
        self.calibration = calibrated(self.data, self.parameters)
        self.state = self._initial_state()
        self.recorder = Recorder(self.data, date=self.table_date)
        self._log_prices: list[np.ndarray] = [np.log(self.calibration.index0)]
        self.outcome: Outcome | None = None
        self.last_metrics: dict[str, np.ndarray] | None = None
        self.last_standing: Standing | None = None
        self._stock_before = self.state.stock.copy()
        self.reference: Reference | None = None if self.is_reference else self._reference()
        self._own_path: bytes | None = None  # set below if this world is the path itself
        self._made_by: dict[int, str] = {}  # id of an offer the world made -> who decided it
        # a class delegation's offer's ref (Propose.ref) by the number the world gave it, so a
        # counter-offer and the deals ledger name the offer as the delegations knew it
        self.deal_refs: dict[int, str] = {}
        # an AI's last answer to each offer a person is party to, with its note (why), by
        # the offer's number: a player whose offer was refused reads why (model/game/verdicts)
        self.answers: dict[int, Answered] = {}
        self._alone = False  # inside run(): nothing outside touches it between its steps
        self._handed_out: list | None = None  # start_quarter's, while it steps
        self.previous_measures = (self.state.effective_tariff(), self.state.export_level.copy())
        policies.open_quarter(self.state, self.data, self.parameters, self.calendar_quarter(1))

        schedules = scripted_schedules(scenario.events)
        self._countries: dict[str, Country] = {}
        for c, code in enumerate(self.data.codes):
            settings = scenario.countries.get(code)
            kind = controller_kind(scenario, code, code in schedules)
            strategy = (
                settings.strategy if settings and settings.strategy else self.data.strategies[c]
            )
            self._countries[code] = Country(
                self,
                code=code,
                name=self.data.names[c],
                role=self.data.roles[c],
                strategy=strategy,
                controller=make_controller(kind, strategy, self.data.price0, self.parameters),
                script=ScriptedController(schedules.get(code, {})),
                follows_script=kind in SCRIPT_KINDS,
            )
        for settings in scenario.coalitions:
            members = list(dict.fromkeys([settings.founder, *settings.members]))
            self.state.coalitions[settings.name] = diplomacy.Coalition(
                settings.name,
                settings.founder,
                members,
                settings.price_floor,
                settings.reserve_usd,
                opens=settings.offer_step,
                title=settings.title or "",
                title_fr=settings.title_fr or "",
            )
        self._consumption0 = base_consumption_value(self.data)
        self._row = {code: c for c, code in enumerate(self.data.codes)}
        self.datacollector = CountryCollector(
            model_reporters={
                "mean_price_index": lambda m: m.price_index(mean_price_index),
                "median_price_index": lambda m: m.price_index(median_price_index),
                "world_shortage_share": lambda m: m.recorder.world_shortage_share,
            },
        )
        self.running = True
        if not self.is_reference and self._nobody_acts():
            self._own_path = self._path_snapshot()

    # --- set-up -------------------------------------------------------------------------
    def _initial_state(self) -> State:
        data, calibration = self.data, self.calibration
        C, G = data.production0.shape
        demand_per_day = data.demand0 * data.steps_per_year / 365.0
        trust = np.full((C, C), diplomacy.INITIAL_TRUST)
        np.fill_diagonal(trust, 1.0)
        return State(
            capacity=calibration.capacity0.copy(),
            tariff=np.zeros((G, C, C)),
            export_level=np.ones((G, C, C)),
            stock=data.stock_days * demand_per_day,
            price=np.ones((G, C)),
            price_trend=np.ones((G, C)),
            paid=np.ones((G, C)),
            pipeline=self._pipeline(),
            stock_orders=np.zeros((C, G)),
            subsidy_spend=np.zeros(C),
            trust=trust,
            price_support=np.zeros((G, C)),
            floor_tariff=np.zeros((G, C, C)),
            inventory=opening_inventory(data),
            demand_shift=np.zeros((C, G)),
            input_shift=np.zeros((C, G)),
            mothballed=np.zeros((C, G)),
            grant_usd=np.zeros((C, G)),
            grant_share=np.zeros((C, G)),
            cfd_usd=np.zeros((C, G)),
            cfd_strike=np.zeros((G, C)),
            last_output=data.production0.copy(),
            threat_seen=np.zeros((C, G)),
            marginal=np.ones((G, C)),
        )

    def _pipeline(self) -> dict[int, np.ndarray]:
        """Capacity under way at the start: the trend's, plus the projects the sources date."""
        pipeline = evolve.projects_under_way(
            self.data,
            self.calibration.capacity0,
            self.parameters["depreciation_rate"] / self.data.steps_per_year,
        )
        first_quarter = int(quarter_index(self.spec.start))
        for step, capacity in evolve.recorded_projects(self.data, first_quarter).items():
            pipeline[step] = pipeline.get(step, 0.0) + capacity
        return pipeline

    # --- what countries see ---------------------------------------------------------------
    def quarter_label(self, step: int | None = None, lang: str | None = None) -> str:
        step = self.steps if step is None else step
        year, quarter = int(self.spec.start[:4]), int(self.spec.start[-1])
        index = quarter - 1 + max(step, 1) - 1
        return t("news.quarter", lang=lang, year=year + index // 4, quarter=index % 4 + 1)

    def table_date(self, step: int) -> str:
        """The tables' ``date``: data, written the same way in every language ("2025 Q1")."""
        return self.quarter_label(step, lang=DEFAULT_LANGUAGE)

    def country_agent(self, code: str) -> Country:
        return self._countries[code]

    def plays_ai(self, code: str) -> bool:
        """Whether an AI strategy plays ``code`` now (not a person, a script or nobody)."""
        return isinstance(self._countries[code].controller, Strategy)

    def seat_person(self, code: str, controller) -> None:
        """A person (browser, class delegation, outside policy) plays ``code`` from now on.

        The scenario's script no longer moves that country; what it scripts is shown to
        the player as advice instead, a quarter ahead (``advise``).
        """
        country = self._countries[code]
        country.controller = controller
        if country.follows_script:
            country.follows_script = False
            self.advise(code, self.steps)

    def advise(self, code: str, step: int) -> None:
        """News for a person's country: what its government really did in the next quarter."""
        for action in self._countries[code].scripted_at(step + 1):
            what = self.describe(action)
            detail = t("governments.advice_history", date=self.quarter_label(step + 1), what=what)
            self.recorder.event(step, code, "history", code, detail, by="script")

    def describe(self, action: Action) -> str:
        """The news sentence of a measure, without taking it (tried on a copy of the state)."""
        try:
            what = policies.apply(action, self.state.copy(), self.data, self.steps + 1, True)
        except policies.PolicyError:
            what = t("governments.advice_unplayable", kind=measure_name(action.kind))
        # Through the catalogue, not an f-string: the note stays a sentence a French
        # reader's page says again in French (text.Said).
        return t("news.with_note", detail=what, note=action.note) if action.note else what

    def observe(self, code: str):
        """What a country's controller may see when it decides (agents/observation.py)."""
        return observation(self, code)

    # --- one step -------------------------------------------------------------------------
    def step(self) -> None:
        quarter = self.quarter()
        if self._handed_out is None:
            clear_each(quarter)
        else:  # start_quarter: the caller runs it
            self._handed_out.append(quarter)

    def start_quarter(self) -> Generator[tuple[Market, np.ndarray], Clearing, None]:
        """Mesa's step (its clock and scheduled events), the quarter itself handed back to
        run: a generator of the markets to clear (``quarter``). A sweep steps its runs in
        lockstep and clears their markets together (model/research/lockstep.py)."""
        self._handed_out = []
        try:
            self.step()  # Mesa's: counts the step, then calls World.step
            return self._handed_out[0]
        finally:
            self._handed_out = None

    def quarter(self) -> Generator[tuple[Market, np.ndarray], Clearing, None]:
        """One step, handing out each market to clear and taking its clearing back."""
        step = self.steps  # Mesa has already counted this step
        if not self._alone:
            self._leave_path_if_changed()
        evolve.commission(self.state, step)
        self.grant_licences(step)
        self.start_budgets()
        self.decide()
        self.previous_measures = (self.state.effective_tariff(), self.state.export_level.copy())
        diplomatic = self.apply_actions(step)
        self.negotiate(diplomatic, step)
        self.keep_pledges(step)
        yield from self.clear(step)
        self.evolve(step)
        self.measure(step)
        if not self._alone:
            self._remember_path()
        for country in self.agents_by_type[Country]:
            if not country.follows_script:
                self.advise(country.code, step)
        # Mesa's convention: a run is over at the scenario's last step (batch_run stops).
        self.running = step < self.spec.steps

    def decide(self) -> None:
        self.agents_by_type[Country].do("decide")

    def calendar_quarter(self, step: int | None = None) -> int:
        """The step's quarter as year × 4 + quarter − 1 (programmes are dated so)."""
        step = self.steps if step is None else step
        return int(quarter_index(self.spec.start)) + max(step, 1) - 1

    def start_budgets(self) -> None:
        """A new quarter's budgets, less what the coalitions' reserves take first."""
        policies.open_quarter(self.state, self.data, self.parameters, self.calendar_quarter())
        for club in self.state.coalitions.values():
            if club.opens <= self.steps:
                diplomacy.reserve_orders(club, self.state, self.data)

    def apply_actions(self, step: int) -> list[Action]:
        """Apply every measure; return the diplomatic actions for the negotiation."""
        diplomatic = []
        for country in self.agents_by_type[Country]:
            for action in country.pending:
                if isinstance(action, DIPLOMACY):
                    diplomatic.append(action)
                else:
                    self.apply(action, step, funded=any(action is f for f in country.funded))
            country.pending, country.funded = [], []
        return diplomatic

    def apply(
        self,
        action: Action,
        step: int,
        start: int | None = None,
        funded: bool = False,
        by: str | None = None,
    ) -> bool:
        """Apply one measure all-or-nothing; a refusal is logged with its reason.

        ``start`` is the first step the action affects (default: this one); ``funded``: the
        scenario's script pays for it (policies.apply); ``by``: who decided it, if not the
        actor's script, card or controller (``decided_by``).
        """
        by = by or self.decided_by(action)
        queued = len(self.state.licences)
        # policies.apply checks everything before it changes anything, so a refusal
        # leaves the state as it was without a copy per measure (a learning agent's
        # quarter can hold hundreds of measures).
        try:
            detail = policies.apply(
                action, self.state, self.data, step if start is None else start, funded
            )
        except policies.PolicyError as refusal:
            self.refuse(step, action, str(refusal), by)
            return False
        for licence in self.state.licences[queued:]:  # their grant is the same hand's move
            licence.by = by
        if isinstance(action, Tariff | ExportControl) and self._hurts(action):
            victims = policies.target_indices(self.data, action.actor, action.targets)
            diplomacy.lose_trust(
                self.state,
                self.data,
                [self.data.codes[v] for v in victims],
                action.actor,
                diplomacy.MEASURE_COST,
            )
        if action.note:
            detail = t("news.with_note", detail=detail, note=action.note)
        self.recorder.event(step, action.actor, action.kind, _targets(action), detail, by=by)
        return True

    @staticmethod
    def _hurts(action) -> bool:
        return action.rate > 0 if isinstance(action, Tariff) else action.level < 1

    def refuse(self, step: int, action: Action, reason: str, by: str | None = None) -> None:
        self.recorder.event(
            step,
            action.actor,
            "refused",
            _targets(action),
            t("news.refused", actor=action.actor, kind=measure_name(action.kind), reason=reason),
            by=by or self.decided_by(action),
        )

    def decided_by(self, action: Action) -> str:
        """Who decided ``action`` (the events table's ``decided_by``): the scenario's script
        or a teacher's card if it is one of theirs this quarter, else whoever plays its
        actor now (an AI strategy, or a person's seat: "player")."""
        country = self._countries.get(action.actor)
        if country is None:
            return "world"
        made = self._made_by.get(id(action)) or country.made_by.get(id(action))
        return made or decider(country.controller)

    def grant_licences(self, step: int) -> None:
        due = [licence for licence in self.state.licences if licence.due <= step]
        self.state.licences = [licence for licence in self.state.licences if licence.due > step]
        for licence in due:
            goods, buyers, level = licence.goods, licence.buyers, licence.level
            self.state.export_level[np.ix_(goods, buyers, [licence.exporter])] = level
            code = self.data.codes[licence.exporter]
            self.recorder.event(
                step,
                code,
                "licences",
                [self.data.codes[b] for b in buyers],
                t(
                    "news.licences_granted",
                    actor=code,
                    level=percent(level),
                    good=policies.good_label(licence.mineral, licence.stage),
                    targets=",".join(self.data.codes[b] for b in buyers),
                ),
                by=getattr(licence, "by", "world"),  # a game saved before licences kept it
            )

    def negotiate(self, actions: list[Action], step: int) -> None:
        if not self.deals_allowed:
            return
        for action in actions:
            if isinstance(action, Respond):  # answers are given when asked, in the rounds
                self.refuse(step, action, t("deals.answer_out_of_turn"))
        founded = [  # each guest's offer, with who founded the club
            (offer, self.decided_by(action))
            for action in actions
            if isinstance(action, FoundCoalition)
            for offer in self.found(action, step)
        ]
        invited = self.coalition_offers(step)
        self._made_by = {id(offer): "script" for offer in invited}  # the scenario's clubs
        self._made_by |= {id(offer): by for offer, by in founded}
        proposals = [*invited, *(offer for offer, _ in founded)]
        negotiate(self, [*proposals, *(a for a in actions if isinstance(a, Propose))], step)
        self._made_by = {}
        for action in actions:
            if isinstance(action, Join | Leave):
                self.membership(action, step)

    def club_names(self) -> dict[str, str]:
        """Each coalition's code -> the name a person reads (its title, else its code)."""
        return {code: club.called() for code, club in self.state.coalitions.items()}

    def coalition_offers(self, step: int) -> list[Propose]:
        """The scenario's clubs offer membership to their guests at the offer step."""
        offers = []
        for settings in self.spec.coalitions:
            if settings.offer_step != step:
                continue
            club = self.state.coalitions[settings.name]
            guests = self.data.codes if "all" in settings.invite else settings.invite
            for code in guests:
                if code not in club.members:
                    offers.append(
                        Propose(
                            settings.founder,
                            code,
                            "coalition",
                            {"coalition": settings.name},
                            settings.duration,
                        )
                    )
        return offers

    def found(self, action: FoundCoalition, step: int) -> list[Propose]:
        """A player's new coalition: the founder is its first member, and each guest gets
        an offer this step (refused, with the reason, where the scenario does not allow it)."""
        try:
            guests = diplomacy.check_founding(
                self.data, action, self.state.coalitions, self.spec.header.found_coalitions
            )
        except policies.PolicyError as refusal:
            self.refuse(step, action, str(refusal))
            return []
        name = action.coalition.strip()
        self.state.coalitions[name] = diplomacy.Coalition(
            name, action.actor, [action.actor], float(action.price_floor)
        )
        self.recorder.event(
            step,
            action.actor,
            "found",
            ",".join(guests),
            t("founding.founded", actor=action.actor, coalition=name, count=len(guests)),
            by=self.decided_by(action),
        )
        terms = {"coalition": name}
        return [Propose(action.actor, code, "coalition", terms, action.duration) for code in guests]

    def membership(self, action: Join | Leave, step: int) -> None:
        club = self.state.coalitions.get(action.coalition)
        if club is None:
            self.refuse(step, action, t("deals.no_coalition", coalition=action.coalition))
            return
        if isinstance(action, Join):
            if action.actor not in club.members:
                club.members.append(action.actor)
                diplomacy.enforce_coalition(club, self.state, self.data)  # pledges start now
            self.recorder.event(
                step,
                action.actor,
                "join",
                club.name,
                t("deals.joined", actor=action.actor, coalition=club.called()),
                by=self.decided_by(action),
            )
            return
        if action.actor not in club.members:
            self.refuse(
                step, action, t("deals.not_member", actor=action.actor, coalition=club.called())
            )
            return
        club.members.remove(action.actor)
        self.state.deals = [
            d
            for d in self.state.deals
            if not (
                d.deal == "coalition"
                and action.actor in d.parties
                and d.terms.get("coalition") == club.name
            )
        ]
        diplomacy.lose_trust(
            self.state, self.data, club.members, action.actor, diplomacy.LEAVE_COST
        )
        self.recorder.event(
            step,
            action.actor,
            "leave",
            club.name,
            t("deals.left", actor=action.actor, coalition=club.called()),
            by=self.decided_by(action),
        )

    def keep_pledges(self, step: int) -> None:
        """Detect breaches of deals and coalition pledges, then enforce the clubs' rules."""
        for deal in list(self.state.deals):
            guilty = diplomacy.breaker(deal, self.state)
            if guilty is None:
                continue
            victim = diplomacy.other(deal.parties, guilty)
            deal.status = "breached"
            self.state.deals.remove(deal)
            self._breach(
                step,
                guilty,
                [victim],
                diplomacy.deal_row(step, deal, "breached"),
                t(
                    "deals.breached",
                    actor=guilty,
                    partner=victim,
                    deal=t(f"deals.kind_{deal.deal}"),
                ),
            )
        self.state.floor_tariff = np.zeros_like(self.state.tariff)  # recomputed every quarter
        for club in self.state.coalitions.values():
            if club.opens > step:  # not founded yet: its founder has no club to enforce
                continue
            broke = diplomacy.enforce_coalition(club, self.state, self.data)
            self._tell_floor_tariffs(club, step)
            for guilty in broke:
                others = [code for code in club.members if code != guilty]
                self._breach(
                    step,
                    guilty,
                    others,
                    None,
                    t("deals.coalition_breach", actor=guilty, coalition=club.called()),
                )

    def _tell_floor_tariffs(self, club: diplomacy.Coalition, step: int) -> None:
        """One line of news in a quarter when members start levying the club's floor tariff
        (on outsiders whose price is under the reference price), not every quarter it lasts."""
        members = [self.data.country(code) for code in club.members]
        taxing = self.state.floor_tariff[:, members, :] > 0  # (G, members, exporters)
        on = taxing.any(axis=(0, 2))
        levying = {code for code, yes in zip(club.members, on, strict=True) if yes}
        if levying - club.levying:
            outsiders = [self.data.codes[j] for j in np.flatnonzero(taxing.any(axis=(0, 1)))]
            detail = t(
                "deals.floor_tariff",
                coalition=club.called(),
                levying=len(levying),
                count=len(outsiders),
            )
            self.recorder.event(step, club.founder, "floor_tariff", outsiders, detail)
        club.levying = frozenset(levying)

    def _breach(self, step, guilty: str, victims: list[str], row: dict | None, text: str):
        diplomacy.lose_trust(self.state, self.data, victims, guilty, diplomacy.BREACH_COST)
        bystanders = [c for c in self.data.codes if c not in victims and c != guilty]
        diplomacy.lose_trust(self.state, self.data, bystanders, guilty, diplomacy.REPUTATION_COST)
        if row is not None:
            self.recorder.deal(row)
        self.recorder.event(step, guilty, "breach", victims, text)

    def clear(self, step: int) -> Generator[tuple[Market, np.ndarray], Clearing, None]:
        self._stock_before = self.state.stock.copy()
        # Where this world still matches the reference path, its clearing is the path's
        # (unless it is the path itself: then nothing has cleared this quarter yet).
        on_shared_path = self.reference is not None and self._own_path is None
        known = self.reference.clearing(step, self.state) if on_shared_path else None
        if known is None:
            self.outcome = yield from clearings(
                self.data, self.calibration, self.parameters, self.state, step
            )
        else:
            self.outcome = known.replay(self.state)
        if not self.outcome.converged:
            self.recorder.event(step, "", "clearing", "", t("news.not_converged"))
        self._log_prices.append(np.log(self.outcome.index))

    def evolve(self, step: int) -> None:
        evolve.pay_contracts(self.data, self.state, self.outcome.production)
        self.state.price_support = diplomacy.price_support(self.state, self.data)
        evolve.invest(self.data, self.parameters, self.state, step)
        evolve.adjust_demand(self.data, self.state)
        self.smuggle(step)
        for deal in [d for d in self.state.deals if d.until <= step]:
            self.state.deals.remove(deal)
            deal.status = "expired"
            if deal.deal == "coalition":
                club = self.state.coalitions.get(deal.terms.get("coalition"))
                if club is not None and deal.parties[1] in club.members:
                    club.members.remove(deal.parties[1])
            self.recorder.deal(diplomacy.deal_row(step, deal, "expired"))
            a, b = deal.parties
            diplomacy.lose_trust(self.state, self.data, [a], b, -diplomacy.KEPT_DEAL_GAIN)
            diplomacy.lose_trust(self.state, self.data, [b], a, -diplomacy.KEPT_DEAL_GAIN)
        diplomacy.recover_trust(self.state)
        for shock in evolve.expire_shocks(self.state, step + 1):
            mineral, stage = self.data.goods[shock.good]
            code = self.data.codes[shock.country]
            self.recorder.event(
                step,
                code,
                "shock_end",
                "",
                t("news.shock_end", actor=code, good=policies.good_label(mineral, stage)),
            )
        for shock in evolve.random_shocks(self.data, self.parameters, self.state, self.shock_rng):
            self.apply(shock, step, start=step + 1, by="world")

    def smuggle(self, step: int) -> None:
        """Smuggling grows or fades (evolve.build_smuggling); the news says when what it
        carries of an exporter's withheld trade passes a quarter, a half, three quarters."""
        flows = self.calibration.flows
        was = evolve.smuggled_share(self.state, flows)
        evolve.build_smuggling(self.data, self.parameters, self.state)
        now = evolve.smuggled_share(self.state, flows)
        if now is None:
            return
        was = np.zeros_like(now) if was is None else was
        passed = np.floor(now * SMUGGLING_NEWS) > np.floor(was * SMUGGLING_NEWS)
        for g, j in zip(*np.nonzero(passed), strict=True):
            mineral, stage = self.data.goods[g]
            code = self.data.codes[j]
            share = percent(min(np.floor(now[g, j] * SMUGGLING_NEWS), 3) / SMUGGLING_NEWS)
            good = policies.producer_label(self.data, code, mineral, stage)
            detail = t("news.smuggling", actor=code, good=good, share=share)
            buyers = np.flatnonzero(self.state.export_level[g, :, j] < 1.0)
            target = ",".join(self.data.codes[i] for i in buyers if i != j)
            self.recorder.event(step, code, "smuggling", target, detail)

    def measure(self, step: int) -> None:
        metrics = self.metrics(self.outcome, self.state, step, self._stock_before)
        weights = (self.outcome.final_ref * self.data.price0).T  # (G, C)
        metrics["price_volatility"] = price_volatility(self._log_prices, weights.T)
        self.last_metrics = metrics
        self.recorder.step(
            step,
            self.table_date(step),
            self.outcome,
            metrics,
            self.state.stock,
            self.state.capacity,
        )
        self.datacollector.collect(self)

    def metrics(
        self, outcome: Outcome, state: State, step: int, stock_before: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The countries table's numbers for one outcome of ``state`` at ``step``, score
        and its components against the reference path included."""
        transfers = diplomacy.offtake_payments(state, self.data, outcome.price)
        metrics = country_metrics(
            self.data,
            self.calibration,
            outcome,
            state.effective_tariff(),
            state.stock,
            state.subsidy_spend,
            transfers,
        )
        metrics.update(
            self._score(outcome, state, step, stock_before, metrics["tariff_revenue"], transfers)
        )
        # An economy cannot lose more than its output: the index stops at 0.
        metrics["gdp_index"] = np.maximum(1.0 + metrics["welfare_usd"] / self.data.gdp, 0.0)
        return metrics

    def projected_score(
        self, outcome: Outcome, state: State, step: int, stock_before: np.ndarray
    ) -> np.ndarray:
        """The score alone, (C,): the look-ahead reads nothing else of a projected quarter,
        and the countries table's other numbers were a tenth of its cost."""
        transfers = diplomacy.offtake_payments(state, self.data, outcome.price)
        revenue = tariffs_collected(self.data, self.calibration, outcome, state.effective_tariff())
        return self._score(outcome, state, step, stock_before, revenue, transfers)["score"]

    def _score(self, outcome, state, step, stock_before, tariff_revenue, transfers) -> dict:
        if state.stock_sales is not None:  # what users paid for a released stockpile
            transfers = transfers + state.stock_sales
        now = standing(
            self.data,
            outcome,
            tariff_revenue,
            transfers,
            policies.spending(state),
            state.stock - stock_before,
        )
        if state is self.state:
            self.last_standing = now
        if self.is_reference or (self._own_path is not None and state is self.state):
            reference = now  # the path itself, or a quarter of a world still on it
        else:
            reference = self.reference.standing(step)
        return score(self.data, now, reference)

    # --- a world that is its own reference path ------------------------------------------
    def _nobody_acts(self) -> bool:
        """True for a world the reference path describes exactly (reference.py): no events,
        no coalitions, every country passive (a baseline run, a sweep of one). Such a world
        is its own path, and its score 0, until something changes it from outside its step
        (``apply``, a card, a seat taken): the shared path would clear every quarter a
        second time."""
        return (
            not self.spec.events
            and not self.spec.coalitions
            and all(type(c.controller) is PassiveController for c in self._countries.values())
        )

    def _leave_path_if_changed(self) -> None:
        if self._own_path is not None and self._path_snapshot() != self._own_path:
            self._own_path = None  # changed from outside: scored against the shared path

    def _remember_path(self) -> None:
        if self._own_path is not None:
            self._own_path = self._path_snapshot()

    def _path_snapshot(self) -> bytes:
        """All a step reads that the reference path fixes, pickled: the state, the
        parameters, the outage stream, whether each country is still passive (a person's
        seat is not) and the moves of a teacher's cards. Kept whole and compared byte for
        byte (a hash of it would cost twice the pickling)."""
        players = [
            (type(c.controller) is PassiveController, c.cards) for c in self._countries.values()
        ]
        return snapshot((self.state, self.parameters, self.shock_rng.bit_generator.state, players))

    def _reference(self) -> Reference:
        """The shared reference path of this world, parameters and seed (reference.py)."""
        spec = self.spec.model_copy(
            update={
                "header": self.spec.header.model_copy(update={"controller": "passive"}),
                "countries": {},
                "events": [],
                "coalitions": [],
            }
        )
        data, seed = self.data, self.shock_seed
        key = (id(data), tuple(sorted(self.parameters.items())), seed)
        return shared(key, lambda: ReferenceWorld(spec, rng=seed, world=data))

    def price_index(self, statistic=mean_price_index) -> float:
        """Delivered prices now against the base year's (1.0 before the first step), by
        ``mean_price_index`` (weighted by base consumption value) or ``median_price_index``
        (model/engine/metrics.py)."""
        if self.outcome is None:
            return 1.0
        return statistic(self.outcome.index, self.calibration.index0, self._consumption0)

    # --- running and results ----------------------------------------------------------------
    def run(self, steps: int | None = None, progress=None) -> "World":
        """Run ``steps`` more steps (default: the scenario's), calling ``progress()`` after each."""
        with self.unwatched() if progress is None else contextlib.nullcontext():
            for _ in range(self.spec.steps if steps is None else steps):
                self.step()
                if progress is not None:
                    progress()
        return self

    @contextlib.contextmanager
    def unwatched(self) -> Iterator[None]:
        """Steps during which nothing outside can touch the world (``run`` without progress,
        a lockstep sweep): a world that is its own reference path checks that it still is
        once, not every quarter (two picklings of its state a quarter: a tenth of a baseline
        sweep's time)."""
        if self._alone:
            yield
            return
        self._leave_path_if_changed()
        self._alone = True
        try:
            yield
        finally:
            self._alone = False
            self._remember_path()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables: countries, prices, flows, production, events, deals."""
        return self.recorder.tables()


def _scenario_with(scenario: Scenario | str | None, parameters: dict) -> Scenario:
    """The scenario named or given, with keyword parameters checked and set."""
    if scenario is None or isinstance(scenario, str | Path):
        scenario = load_scenario(scenario or "baseline")
    if not parameters:
        return scenario
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    origins = []  # messages name each keyword as it was passed
    for key, given in parameters.items():
        [text] = typed_overrides({key: given}, prefix="parameters.")
        path, value = parse_override(text)
        set_value(data, path, value, keyword_label(key, given))
        origins.append((path, keyword_label(key, given)))
    checked = validate_scenario(data, source=scenario._source, origins=origins)
    return scenario.model_copy(update={"parameters": checked.parameters})


def _measure(name: str):
    """A DataCollector agent reporter: a country's value in the countries table's column."""

    def report(country: Country) -> float:
        metrics = country.model.last_metrics
        return (
            math.nan if metrics is None else float(metrics[name][country.model._row[country.code]])
        )

    return report


MEASURED = COUNTRY_COLUMNS[3:]  # the countries table's numbers, one agent variable each


class CountryCollector(mesa.DataCollector):
    """Mesa's DataCollector with each country's code and measures as agent variables.

    A quarter's records are made from the countries table's arrays, and only when someone
    reads them (``get_agent_vars_dataframe``): calling 22 reporters for each of 27
    countries was 4 % of a passive run, and making the records every quarter 3 % of a
    sweep's, which never reads them. The reporters stay (Mesa's API lists and calls them);
    a reporter added or replaced makes it call them all again, every quarter.
    """

    def __init__(self, model_reporters: dict):
        reporters = {"country": "code", **{name: _measure(name) for name in MEASURED}}
        super().__init__(model_reporters=model_reporters, agent_reporters=reporters)
        self._own_reporters = dict(self.agent_reporters)

    @property
    def _agent_records(self) -> dict:
        """Mesa's records by time; a quarter's are made the first time they are read."""
        for time, (metrics, agents) in self._unmade.items():
            self._made[time] = _country_records(time, metrics, agents)
        self._unmade.clear()
        return self._made

    @_agent_records.setter
    def _agent_records(self, records: dict) -> None:
        self._made, self._unmade = records, {}

    def collect(self, model):
        agents = list(model.agents)
        if self.agent_reporters != self._own_reporters or not all(
            isinstance(agent, Country) for agent in agents
        ):
            return super().collect(model)
        reporters, self.agent_reporters = self.agent_reporters, {}
        try:
            super().collect(model)  # the model's variables
        finally:
            self.agent_reporters = reporters
        rows = [(agent.unique_id, agent.code, model._row[agent.code]) for agent in agents]
        self._made.pop(model.time, None)
        self._unmade[model.time] = (model.last_metrics, rows)


def _country_records(time, metrics: dict | None, agents: list) -> list[tuple]:
    """Mesa's agent records of one quarter: (time, id, code, measures...) per country."""
    if metrics is None:
        values = [[math.nan] * len(MEASURED)] * len(agents)
    else:
        table = np.array([metrics[name] for name in MEASURED], dtype=float).T
        values = table[[row for _, _, row in agents]].tolist()
    return [
        (time, unique_id, code, *row)
        for (unique_id, code, _), row in zip(agents, values, strict=True)
    ]


def _targets(action: Action) -> tuple[str, ...]:
    targets = getattr(action, "targets", None) or [getattr(action, "partner", "")]
    return tuple(code for code in targets if code)


class ReferenceWorld(World):
    """The reference path (reference.py): no events, no coalitions, nobody acts."""

    is_reference = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clearings: dict[int, Cleared] = {}
        self.keep_clearings = True

    def clear(self, step: int) -> Generator[tuple[Market, np.ndarray], Clearing, None]:
        """Clear, and keep the clearing for the Worlds that still match the path."""
        if not self.keep_clearings:
            yield from super().clear(step)
            return
        before_state = self.state.copy()
        before = digest(before_state)
        yield from super().clear(step)
        self.clearings[step] = Cleared.record(before_state, self.state, before, self.outcome)

    def measure(self, step: int) -> None:
        """Only what the score compares: the path's tables are never read, so not kept."""
        self.last_metrics = self.metrics(self.outcome, self.state, step, self._stock_before)
