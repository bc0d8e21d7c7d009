"""A PettingZoo-style parallel environment: outside policies play countries in the World.

Every round each played country submits one action at once, and ``step`` returns what
each of them sees, its reward, and the news. The economies nobody plays keep the
controllers the scenario gives them (AI strategies, scripts or passive seats). A played
country sits in a ``HumanSeat``, the controller the browser uses, so a policy goes
through the same action contract (agents/actions.py) and the same refusals as a person.

An action for a country is one of:

- an integer vector in ``action_space(agent)`` (``MultiDiscrete``, for learning agents):
  one entry per component of ``action_layout(agent)``, 0 meaning "no change". The
  default ``layout="compact"`` has a handful of components: a tariff and an export
  control on the rivals (the other played countries, or everyone else), all minerals at
  once, and a stockpile and a capacity subsidy of the country's key good (its largest
  import bill in the base year). ``layout="full"`` has one tariff and one control per
  partner group and mineral, a stockpile and a subsidy per good (hundreds of entries);
  ``infos[agent]["action_mask"]`` (or ``env.action_mask(agent)``) marks the levels the
  rules would refuse now (a purchase or subsidy above the budget, a release from an
  empty stock, a stock of a good the country does not use);
- a list of action-contract objects (``Tariff``, ``Propose``, ``Respond`` ...) or of
  their ``to_dict`` records (the actor may be left out), for any other program;
- ``None`` or a missing key: no new measures this quarter.

Observations are float32 vectors laid out as ``observation_layout()`` says, every entry
bounded: shares as they are, unbounded levels squashed by x / (1 + x) (a price index of 1
reads 0.5), the score by tanh(score / 100); ``observations="raw"`` gives the levels
themselves. The full ``Observation`` of agents/observation.py is
``env.world.observe(agent)``. The reward is
the country's score this quarter: its welfare against the same world where nobody acted
(docs/scoring.md), so an episode's return is the welfare its policy gained. Episodes end
by truncation at the last step. Gymnasium spaces need the ``rl`` extra:
``pip install 'critical-minerals-game[rl]'``.
The module itself imports without PettingZoo or Gymnasium; with PettingZoo installed the
environment is a ``pettingzoo.ParallelEnv``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from agents.actions import (
    ALL,
    Action,
    ExportControl,
    Respond,
    Stockpile,
    Subsidy,
    Tariff,
    from_dict,
    to_dict,
)
from agents.observation import Observation
from agents.seat import HumanSeat
from model.data.scenario import Scenario, load_scenario
from model.data.world_data import DAYS_PER_YEAR
from model.engine.diplomacy import other
from model.engine.policies import budget
from model.engine.world import World
from model.text import t

try:  # the real base class when PettingZoo is installed, so wrappers accept the env
    from pettingzoo import ParallelEnv as _Base
except ImportError:  # pragma: no cover - exercised only without the rl extra
    _Base = object

DEFAULT_COUNTRIES = ("USA", "CHN")  # the two protagonists of the 2025-26 dispute
# Levels a learning agent chooses from; index 0 of each component means "no change".
# Tariffs: 0 lifts; 10 % and 145 % are the lowest and highest rates of the 2025 US-China
# escalation (configs/scenarios/april_2025_escalation.toml); 25 % and 50 % lie between.
TARIFF_LEVELS = (0.0, 0.1, 0.25, 0.5, 1.45)
EXPORT_LEVELS = (1.0, 0.75, 0.5, 0.25, 0.0)  # share of normal exports allowed; 0 = ban
# Assumption: a purchase or release of a month of the country's own use is a decision
# a government takes in a quarter (the AI diversifier builds towards 60 days).
STOCK_DAYS = (30.0, -30.0)
# Assumption: a programme costs a twentieth or a quarter of the quarter's policy budget.
SUBSIDY_SHARES = (0.05, 0.25)
EPS = 1e-9  # levels closer than this count as unchanged
LAYOUTS = ("compact", "full")
OBSERVATIONS = ("bounded", "raw")
# Observation blocks of unbounded levels, squashed into [0, 1) by x / (1 + x).
SQUASHED = ("price_index", "producer_price", "stock_years", "my_tariffs", "tariffs_on_me")
SCORE_SCALE = 100.0  # tanh(score / 100): a quarter's welfare gain of 100 reads 0.76


@dataclass(frozen=True)
class Component:
    """One entry of the action vector: what it sets, on whom, and its levels."""

    kind: str  # tariff, export_control, stockpile or subsidy
    targets: tuple[str, ...]  # partner codes (tariff, export_control); () otherwise
    group: str  # partner group name, or "" for own-economy measures
    mineral: str
    stage: str
    levels: tuple[float, ...]  # rate, share allowed, days of use, or share of the budget


def observation_layout(
    goods: int, economies: int, bounded: bool = True
) -> list[tuple[str, int, float, float]]:
    """Blocks of the observation vector, in order: (name, length, low, high).

    Per good (G): ``price_index`` (delivered price I pay, 1 = 2024), ``producer_price``
    (my producers', 1 = 2024), ``utilisation`` (production / capacity),
    ``capacity_coming`` (share of capacity, installed plus ordered, still being built),
    ``stock_years`` (years of my use held in stock). Per good and economy (G × C, good
    major, economies in ``world.data.codes`` order): ``dependence`` (share of my supply
    from each source), ``my_tariffs``, ``tariffs_on_me``, ``my_controls`` (share of
    normal exports I let each importer have), ``controls_on_me``. Per economy (C):
    ``trust``. Scalars: ``shortage_share``, ``score``, ``budget_spent`` (share of
    the quarter's policy budget spent), ``progress`` (step / episode steps).
    ``bounded``: the blocks in ``SQUASHED`` as x / (1 + x), ``score`` as tanh(score /
    100), utilisation and budget_spent clipped to [0, 1]; else raw levels (score / 100).
    """
    G, C, inf = goods, economies, np.inf
    top = 1.0 if bounded else inf
    return [
        ("price_index", G, 0.0, top),
        ("producer_price", G, 0.0, top),
        ("utilisation", G, 0.0, top),
        ("capacity_coming", G, 0.0, 1.0),
        ("stock_years", G, 0.0, top),
        ("dependence", G * C, 0.0, 1.0),
        ("my_tariffs", G * C, 0.0, top),
        ("tariffs_on_me", G * C, 0.0, top),
        ("my_controls", G * C, 0.0, 1.0),
        ("controls_on_me", G * C, 0.0, 1.0),
        ("trust", C, 0.0, 1.0),
        ("shortage_share", 1, 0.0, 1.0),
        ("score", 1, -1.0 if bounded else -inf, top),
        ("budget_spent", 1, 0.0 if bounded else -inf, top),
        ("progress", 1, 0.0, 1.0),
    ]


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


class MineralsEnv(_Base):
    """The World of one scenario as a parallel multi-agent environment.

    ``countries`` are the economies outside policies play (the agents). ``steps`` is
    the episode length (default: the scenario's). ``partners`` chooses whom the vector
    actions' tariffs and export controls aim at: None for every other economy one by
    one, a list of codes, or a mapping of group names to codes (one entry per group).
    ``overrides`` are ``--set`` style scenario changes (``'scenario.controller="ai"'``).
    """

    # v1: the compact layout, masks and bounded observations by default (v0 = full, raw).
    metadata = {"name": "minerals_v1", "render_modes": []}
    render_mode = None

    def __init__(
        self,
        scenario: Scenario | str = "baseline",
        countries: Sequence[str] = DEFAULT_COUNTRIES,
        steps: int | None = None,
        partners: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
        overrides: Sequence[str] = (),
        layout: str = "compact",
        observations: str = "bounded",
    ):
        if isinstance(scenario, str):
            scenario = load_scenario(scenario, overrides, steps=steps)
        elif overrides:
            raise ValueError("overrides apply to a scenario name; pass the name, not a Scenario")
        self.scenario = scenario
        self.steps = scenario.steps if steps is None else int(steps)
        if self.steps < 1:
            raise ValueError(f"steps = {self.steps}: an episode needs at least one step")
        self.world = World(scenario)
        self._seen: dict = {}
        codes = self.world.data.codes
        self.possible_agents = list(dict.fromkeys(countries))
        _check_codes("countries", self.possible_agents, codes)
        if not self.possible_agents:
            raise ValueError(f"countries is empty: name one or more of {', '.join(codes)}")
        if layout not in LAYOUTS:
            raise ValueError(f"layout = {layout!r}: allowed: {', '.join(LAYOUTS)}")
        if observations not in OBSERVATIONS:
            raise ValueError(f"observations = {observations!r}: allowed: {', '.join(OBSERVATIONS)}")
        self.bounded = observations == "bounded"
        self._layouts = {
            agent: _compact_layout(agent, self.possible_agents, partners, self.world.data)
            if layout == "compact"
            else _action_layout(
                agent,
                _partner_groups(partners, codes),
                self.world.data.goods,
                self.world.data.minerals,
            )
            for agent in self.possible_agents
        }
        goods, economies = len(self.world.data.goods), len(codes)
        blocks = self._observation_blocks = observation_layout(goods, economies, self.bounded)
        self._bounds = (
            np.concatenate([np.full(n, low, dtype=np.float32) for _, n, low, _ in blocks]),
            np.concatenate([np.full(n, high, dtype=np.float32) for _, n, _, high in blocks]),
        )
        self._observation_spaces: dict = {}
        self._action_spaces: dict = {}
        self._seeds: np.random.Generator | None = None
        self._seats: dict[str, HumanSeat] = {}
        self.agents: list[str] = []

    # --- spaces -----------------------------------------------------------------------------
    def observation_space(self, agent: str):
        """A ``gymnasium.spaces.Box`` over the vector of ``observation_layout``."""
        if agent not in self._observation_spaces:
            spaces = _gymnasium_spaces("observation_space")
            self._observation_spaces[agent] = spaces.Box(*self._bounds, dtype=np.float32)
        return self._observation_spaces[agent]

    def action_space(self, agent: str):
        """A ``gymnasium.spaces.MultiDiscrete``: one entry per ``action_layout`` component."""
        if agent not in self._action_spaces:
            spaces = _gymnasium_spaces("action_space")
            nvec = [len(component.levels) + 1 for component in self.action_layout(agent)]
            self._action_spaces[agent] = spaces.MultiDiscrete(nvec)
        return self._action_spaces[agent]

    def observation_layout(self) -> list[tuple[str, int, float, float]]:
        return list(self._observation_blocks)

    def action_layout(self, agent: str) -> list[Component]:
        """Value v > 0 at entry k of a vector chooses ``levels[v - 1]`` of component k.

        Components, in order: a tariff and an export control per partner group and
        mineral (all its stages), then a stockpile purchase or release per good, then a
        capacity subsidy per good.
        """
        return self._layouts[agent]

    # --- playing ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        """A new World; ``seed`` fixes it, else the next seed of the last one (no options)."""
        if seed is not None:
            episode_seed = int(seed)
            self._seeds = np.random.default_rng(episode_seed)
        elif self._seeds is None:
            episode_seed = self.scenario.seed
            self._seeds = np.random.default_rng(episode_seed)
        else:
            episode_seed = int(self._seeds.integers(2**31))
        self.world = World(self.scenario, rng=episode_seed)
        self._seen.clear()
        self._seats = {}
        for agent in self.possible_agents:
            self._seats[agent] = HumanSeat()
            self.world.seat_person(agent, self._seats[agent])
        self.agents = list(self.possible_agents)
        observations, infos = {}, {}
        for agent in self.agents:
            seen = self._observe(agent)
            observations[agent] = self._vector(seen)
            infos[agent] = self._info(seen, [], [], [])
        return observations, infos

    def step(self, actions: Mapping[str, object]):
        """Play one quarter; returns observations, rewards, terminations, truncations, infos."""
        if not self.agents:
            raise RuntimeError("the episode is over: call reset() to start a new one")
        strangers = [agent for agent in actions if agent not in self.agents]
        if strangers:
            raise ValueError(
                f"no live agent {', '.join(map(str, strangers))}: "
                f"the agents are {', '.join(self.agents)}"
            )
        step = self.world.steps + 1
        first_event = len(_events(self.world))
        submitted = {}
        for agent in self.agents:
            submitted[agent] = self.actions(agent, actions.get(agent))
            self._seat(agent, submitted[agent], step)
        self.world.step()
        for seat in self._seats.values():
            seat.clear()  # answers to offers that were not waiting do not linger
        news = [dict(row) for row in _events(self.world)[first_event:]]

        done = self.world.steps >= self.steps
        observations, rewards, infos = {}, {}, {}
        for agent in self.agents:
            seen = self._observe(agent)
            observations[agent] = self._vector(seen)
            rewards[agent] = seen.score  # a welfare flow per quarter, not a level
            refused = [row for row in news if row["action"] == "refused" and row["actor"] == agent]
            infos[agent] = self._info(seen, [to_dict(a) for a in submitted[agent]], refused, news)
        terminations = dict.fromkeys(self.agents, False)
        truncations = dict.fromkeys(self.agents, done)
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def actions(self, agent: str, action) -> list[Action]:
        """The action-contract objects ``action`` stands for (see the module's docstring)."""
        if action is None:
            return []
        if isinstance(action, Action):
            return [action]
        if isinstance(action, np.ndarray) or (
            isinstance(action, Sequence)
            and action
            and all(isinstance(x, int | np.integer) for x in action)
        ):
            return self.decode(agent, action)
        if not isinstance(action, Sequence) or isinstance(action, str):
            raise ValueError(
                f"{agent}: an action is a vector of action_space({agent!r}), a list of "
                f"actions or None, not {type(action).__name__}"
            )
        decoded = []
        for item in action:
            if isinstance(item, Mapping):
                item = from_dict({"actor": agent, **item})
            if not isinstance(item, Action):
                raise ValueError(f"{agent}: {item!r} is not an action (agents/actions.py)")
            decoded.append(item)
        return decoded

    def decode(self, agent: str, vector) -> list[Action]:
        """The measures a vector of ``action_space(agent)`` takes, given what stands now.

        Tariffs and export controls already at the chosen level are left alone, so a
        steady policy does not re-announce (and re-pay in trust for) its measures every
        quarter. A release takes at most what is in stock; goods the country does not use
        are not stockpiled.
        """
        layout = self.action_layout(agent)
        choice = np.asarray(vector)
        nvec = np.array([len(component.levels) + 1 for component in layout])
        if choice.shape != nvec.shape or not np.issubdtype(choice.dtype, np.integer):
            raise ValueError(
                f"{agent}: an action vector has {len(nvec)} integers "
                f"(action_layout), got shape {choice.shape} of {choice.dtype}"
            )
        if ((choice < 0) | (choice >= nvec)).any():
            k = int(np.flatnonzero((choice < 0) | (choice >= nvec))[0])
            raise ValueError(f"{agent}: entry {k} is {choice[k]}, outside 0..{nvec[k] - 1}")
        seen = self._observe(agent)
        data = self.world.data
        c = data.country(agent)
        use_per_day = data.demand0[c] * data.steps_per_year / DAYS_PER_YEAR
        decoded: list[Action] = []
        for component, k in zip(layout, choice, strict=True):
            if k == 0:
                continue
            level = component.levels[k - 1]
            goods = [
                g
                for g, (m, s) in enumerate(data.goods)
                if component.mineral in (ALL, m) and component.stage in (ALL, s)
            ]
            match component.kind:
                case "tariff" | "export_control":
                    standing = seen.my_tariffs if component.kind == "tariff" else seen.my_controls
                    partners = [data.country(code) for code in component.targets]
                    if np.abs(standing[np.ix_(goods, partners)] - level).max() < EPS:
                        continue
                    cls = Tariff if component.kind == "tariff" else ExportControl
                    decoded.append(
                        cls(agent, component.targets, component.mineral, component.stage, level)
                    )
                case "stockpile":
                    g = goods[0]
                    tonnes = level * use_per_day[g]
                    if level < 0:
                        tonnes = max(tonnes, -seen.stock_days[g] * use_per_day[g])
                    if abs(tonnes) > EPS:
                        decoded.append(
                            Stockpile(agent, component.mineral, component.stage, float(tonnes))
                        )
                case "subsidy":
                    usd = float(level * budget(data, c, self.world.state))
                    decoded.append(Subsidy(agent, component.mineral, component.stage, usd))
        return decoded

    def render(self) -> None:
        """Nothing to draw: the browser game (``minerals ui``) is the picture."""
        return None

    def close(self) -> None:
        self.agents = []

    @property
    def unwrapped(self) -> "MineralsEnv":
        return self

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def max_num_agents(self) -> int:
        return len(self.possible_agents)

    # --- helpers ----------------------------------------------------------------------------
    def _seat(self, agent: str, actions: list[Action], step: int) -> None:
        """Queue a country's actions in its seat; refuse what is not its to decide."""
        waiting = {deal.deal_id for deal, who, _ in self.world.state.waiting if who == agent}
        for action in actions:
            if action.actor != agent:
                reason = t("deals.not_your_seat", actor=action.actor, code=agent)
                # Logged as the submitter's refusal: the other country did nothing.
                self.world.refuse(step, replace(action, actor=agent), reason)
            elif isinstance(action, Respond) and action.offer_id not in waiting:
                self.world.refuse(step, action, t("deals.no_offer", offer=action.offer_id))
            else:
                self._seats[agent].submit(action)

    def _vector(self, seen: Observation) -> np.ndarray:
        data = self.world.data
        c = data.country(seen.country)
        quarter_budget = budget(data, c, self.world.state)  # the money at hand this quarter
        parts = [
            seen.price_index,
            seen.producer_price,
            _share(seen.production, seen.capacity),
            _share(seen.capacity_coming, seen.capacity + seen.capacity_coming),
            seen.stock_days / DAYS_PER_YEAR,
            seen.dependence.ravel(),
            seen.my_tariffs.ravel(),
            seen.tariffs_on_me.ravel(),
            seen.my_controls.ravel(),
            seen.controls_on_me.ravel(),
            seen.trust,
            [seen.shortage_share],
            [np.tanh(seen.score / SCORE_SCALE) if self.bounded else seen.score / SCORE_SCALE],
            [1.0 - seen.budget_usd / quarter_budget if quarter_budget > 0 else 0.0],
            [min(seen.step / self.steps, 1.0)],
        ]
        blocks = self._observation_blocks
        if self.bounded:
            parts = [
                _squash(part) if name in SQUASHED else part
                for part, (name, *_) in zip(parts, blocks, strict=True)
            ]
        vector = np.concatenate([np.asarray(part, dtype=float).ravel() for part in parts])
        # Rounding may put a share a hair past 1; the space's bounds are the contract.
        return np.clip(vector, *self._bounds).astype(np.float32)

    def action_mask(self, agent: str) -> np.ndarray:
        """1 for every level of every component the rules allow now, 0 where they refuse.

        Flat, component after component (``len(levels) + 1`` entries each, "no change"
        first and always allowed), as maskable learners of a ``MultiDiscrete`` space read
        it. Each component is judged alone against the quarter's budget: two purchases
        each within it may still overspend it together (the second is then refused).
        """
        data = self.world.data
        c = data.country(agent)
        seen = self._observe(agent)
        left = budget(data, c)  # the spend resets when the quarter starts
        use_per_day = data.demand0[c] * data.steps_per_year / DAYS_PER_YEAR
        masks = []
        for component in self.action_layout(agent):
            allowed = [True] * (len(component.levels) + 1)
            g = _good(data, component)
            for k, level in enumerate(component.levels, start=1):
                if component.kind == "stockpile":
                    if level > 0:
                        price = data.price0[g] * max(float(seen.price_index[g]), EPS)
                        cost = level * use_per_day[g] * price
                        allowed[k] = use_per_day[g] > 0 and cost <= left
                    else:
                        allowed[k] = seen.stock_days[g] > EPS
                elif component.kind == "subsidy":
                    allowed[k] = level * budget(data, c) <= left
            masks += allowed
        return np.array(masks, dtype=np.int8)

    def _observe(self, agent: str) -> Observation:
        """The World's observation for ``agent``, worked out once per quarter: decoding an
        action, its mask and the step's answer all read the same state (measured: four
        observations per agent and step were a third of a PettingZoo step)."""
        key = (id(self.world), self.world.steps, agent)
        if key not in self._seen:
            if len(self._seen) > 4 * len(self.possible_agents):
                self._seen.clear()
            self._seen[key] = self.world.observe(agent)
        return self._seen[key]

    def _info(self, seen: Observation, actions: list, refused: list, news: list) -> dict:
        offers = [
            {
                "offer_id": deal.deal_id,
                "deal": deal.deal,
                "partner": other(deal.parties, responder),  # who made the latest offer
                "terms": dict(deal.terms),
                "duration": deal.duration,
                "round": round_,
            }
            for deal, responder, round_ in self.world.state.waiting
            if responder == seen.country
        ]
        return {
            "step": seen.step,
            "date": seen.date,
            "score": seen.score,
            "actions": actions,  # what the policy submitted, as to_dict records
            "refused": refused,  # its refusals this step, rows of the events table
            "news": news,  # every event of this step, rows of the events table
            "offers": offers,  # offers waiting for its answer: Respond(offer_id=...)
            "action_mask": self.action_mask(seen.country),  # levels the rules allow now
        }


def _squash(level) -> np.ndarray:
    """A level in [0, inf) as x / (1 + x) in [0, 1): order kept, 1 reads 0.5."""
    x = np.maximum(np.asarray(level, dtype=float), 0.0)
    return x / (1.0 + x)


def _good(data, component: Component) -> int:
    """The good of a stockpile or subsidy component (its first, for a whole mineral)."""
    for g, (mineral, stage) in enumerate(data.goods):
        if component.mineral in (ALL, mineral) and component.stage in (ALL, stage):
            return g
    return 0


def _compact_layout(
    agent: str,
    played: Sequence[str],
    partners: Sequence[str] | Mapping[str, Sequence[str]] | None,
    data,
) -> list[Component]:
    """A handful of choices: tariff and control on each partner group (default: the
    rivals, i.e. the other played countries, or everyone else if the agent plays alone),
    all minerals at once; a stockpile and a subsidy of the agent's key good."""
    codes = data.codes
    if partners is None:
        rivals = [code for code in played if code != agent] or [c for c in codes if c != agent]
        groups = {"rivals": tuple(rivals)}
    else:
        groups = _partner_groups(partners, codes)
    layout = []
    for name, members in groups.items():
        targets = tuple(code for code in members if code != agent)
        if targets:
            layout.append(Component("tariff", targets, name, ALL, ALL, TARIFF_LEVELS))
            layout.append(Component("export_control", targets, name, ALL, ALL, EXPORT_LEVELS))
    mineral, stage = data.goods[_key_good(data, data.country(agent))]
    layout.append(Component("stockpile", (), "", mineral, stage, STOCK_DAYS))
    layout.append(Component("subsidy", (), "", mineral, stage, SUBSIDY_SHARES))
    return layout


def _key_good(data, c: int) -> int:
    """The good with the country's largest import bill in the base year (else its use)."""
    imports = np.maximum(data.demand0[c] - data.production0[c], 0.0) * data.price0
    bill = imports if imports.max() > 0 else data.demand0[c] * data.price0
    return int(np.argmax(bill))


def _gymnasium_spaces(what: str):
    try:
        from gymnasium import spaces
    except ImportError:
        raise ImportError(
            f"MineralsEnv.{what} needs gymnasium: pip install 'critical-minerals-game[rl]'. "
            "Without it the environment still plays with lists of actions."
        ) from None
    return spaces


def _events(world: World) -> list[dict]:
    # The recorder keeps events as rows until tables() is asked for; building the tables
    # every step would cost more than the step itself.
    return world.recorder._events


def _check_codes(what: str, given: Sequence[str], codes: Sequence[str]) -> None:
    unknown = [code for code in given if code not in codes]
    if unknown:
        raise ValueError(
            f"{what}: unknown economy {', '.join(map(str, unknown))}; allowed: {', '.join(codes)}"
        )


def _partner_groups(
    partners: Sequence[str] | Mapping[str, Sequence[str]] | None, codes: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    if partners is None:
        return {code: (code,) for code in codes}
    if isinstance(partners, str):
        raise ValueError(f"partners is a list of economy codes, not the string {partners!r}")
    if isinstance(partners, Mapping):
        groups = {str(name): tuple(members) for name, members in partners.items()}
    else:
        groups = {code: (code,) for code in partners}
    for name, members in groups.items():
        _check_codes(f"partners[{name!r}]", members, codes)
        if not members:
            raise ValueError(f"partners[{name!r}] is empty")
    return groups


def _action_layout(
    agent: str,
    groups: dict[str, tuple[str, ...]],
    goods: Sequence[tuple[str, str]],
    minerals: Sequence[str],
) -> list[Component]:
    """Tariffs and controls per (group, mineral), then stockpiles and subsidies per good."""
    layout = []
    for name, members in groups.items():
        targets = tuple(code for code in members if code != agent)
        if not targets:  # a group of the agent alone: nobody to aim at
            continue
        for mineral in minerals:
            layout.append(Component("tariff", targets, name, mineral, ALL, TARIFF_LEVELS))
            layout.append(Component("export_control", targets, name, mineral, ALL, EXPORT_LEVELS))
    for mineral, stage in goods:
        layout.append(Component("stockpile", (), "", mineral, stage, STOCK_DAYS))
    for mineral, stage in goods:
        layout.append(Component("subsidy", (), "", mineral, stage, SUBSIDY_SHARES))
    return layout
