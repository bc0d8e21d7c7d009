"""The scenario format: TOML files under configs/scenarios/, checked before any run.

Checking happens in two passes: first the shape (keys, types, ranges, which magnitude an
action takes), then the names that only the world knows (countries, minerals, stages,
parameters). Every mistake becomes one ``ScenarioError`` naming the file (or the
``--set``/``--steps`` argument), the key path and what is allowed.
"""

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agents.actions import (
    AIMED_MEASURES,
    ALL,
    ECONOMY_MEASURES,
    MAX_DELAY,
    MAX_DEMAND_FACTOR,
    MAX_RAMP,
    MAX_SHOCK_DURATION,
    MAX_STRIKE,
    MAX_TARIFF,
    MEASURE_MAGNITUDES,
    MIN_DEMAND_FACTOR,
    MIN_USD,
    ONE_GOOD_MEASURES,
    OPTIONAL_MAGNITUDES,
)
from model.data import overrides as keypaths
from model.data.arguments import argument
from model.data.files import MAX_NAME, InputError, parse_toml, read_text, regular_file, shown
from model.data.overrides import KeyPath, ScenarioError, format_path  # the error: its lowest user
from model.data.world_data import (
    CONFIG_DIR,
    STRATEGIES,
    WorldData,
    available_worlds,
    load_world,
    parameter_order_problem,
    parameter_problem,
)
from model.text import allowed_list, from_data, has, t

SCENARIOS_DIR = CONFIG_DIR / "scenarios"
HEADER_TABLE = "scenario"  # the table of the header keys a --set may name alone (steps=12)
DEFAULT_WORLD = "world_2024"
DEFAULT_START = "2025Q1"
MAX_STEPS = 400  # a century of quarters: longer runs are a typing slip, not a study
MAX_SEED = 2**63 - 1
MAX_PATH = 1024  # characters of a path a user types
# Characters of a club's title: a name that sentences and the proposal form's list read
# ("Agreement on Trade and Critical Minerals" is 40), not a paragraph.
MAX_CLUB_TITLE = 80

# The actions an event may take and their magnitudes come from the action contract
# (agents/actions.py); any magnitude an action does not take is a mistake.
MAGNITUDES = MEASURE_MAGNITUDES
ACTIONS: tuple[str, ...] = tuple(MAGNITUDES)
Action = Literal[ACTIONS]  # type: ignore[valid-type]
# "ai+script": an AI strategy that also plays the country's scripted events (so does an
# explicit "ai" for a country with events); see docs/scenarios.md.
Controller = Literal["ai", "ai+script", "human", "scripted", "passive"]
CONTROLLERS: tuple[str, ...] = get_args(Controller)
AIMED_ACTIONS = AIMED_MEASURES
ECONOMY_ACTIONS = ECONOMY_MEASURES
ONE_GOOD_ACTIONS = ONE_GOOD_MEASURES

# pydantic's error types, mapped to the catalogue's problem sentences.
PROBLEMS = {
    "missing": "missing",
    "int_type": "not_int",
    "int_parsing": "not_int",
    "int_from_float": "not_int",
    "float_type": "not_number",
    "float_parsing": "not_number",
    "finite_number": "not_finite",
    "string_type": "not_text",
    "list_type": "not_list",
    "dict_type": "not_table",
    "model_type": "not_table",
    "model_attributes_type": "not_table",
    "greater_than_equal": "too_small",
    "greater_than": "not_above",
    "less_than_equal": "too_large",
    "too_short": "empty",
    "string_too_short": "empty",
}
# Fields typed as a Literal: their allowed values, for the "not a ..." message.
CHOICES = {"action": ACTIONS, "controller": CONTROLLERS}


def _world(info: ValidationInfo) -> WorldData | None:
    """The world named by the scenario, present only in the second checking pass."""
    return (info.context or {}).get("world")


def _choice(kind: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise PydanticCustomError(f"bad_{kind}", kind, {"value": value, "allowed": list(allowed)})
    return value


def _country(value: str, info: ValidationInfo) -> str:
    world = _world(info)
    return _choice("country", value, world.codes) if world else value


def _target(value: str, info: ValidationInfo) -> str:
    world = _world(info)
    return _choice("target", value, [ALL, *world.codes]) if world else value


def _mineral(value: str, info: ValidationInfo) -> str:
    world = _world(info)
    return _choice("mineral", value, [ALL, *world.minerals]) if world else value


def _stage(value: str, info: ValidationInfo) -> str:
    world = _world(info)
    return _choice("stage", value, [ALL, *world.stages]) if world else value


def _parameter(value: str, info: ValidationInfo) -> str:
    world = _world(info)
    return _choice("parameter", value, sorted(world.parameters)) if world else value


def _strategy(value: str) -> str:
    return _choice("strategy", value, STRATEGIES)


def _world_name(value: str) -> str:
    return _choice("world", value, available_worlds())


def _quarter(value: str) -> str:
    if not re.fullmatch(r"\d{4}Q[1-4]", value):
        raise PydanticCustomError("bad_quarter", "quarter", {"value": value})
    return value


def _name(value: str, info: ValidationInfo) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value) or len(value) > MAX_NAME:
        raise PydanticCustomError("bad_name", "name", {"value": value, "limit": MAX_NAME})
    # A bundled scenario is listed and run by its file name, so the two must agree.
    expected = (info.context or {}).get("file_stem")
    if expected and value != expected:
        raise PydanticCustomError("name_not_stem", "name", {"value": value, "stem": expected})
    return value


def _club_title(value: str) -> str:
    if not value.strip() or "\n" in value or len(value) > MAX_CLUB_TITLE:
        raise PydanticCustomError(
            "bad_club_title", "title", {"value": value, "limit": MAX_CLUB_TITLE}
        )
    return value


CountryCode = Annotated[str, AfterValidator(_country)]
Target = Annotated[str, AfterValidator(_target)]
Mineral = Annotated[str, AfterValidator(_mineral)]
Stage = Annotated[str, AfterValidator(_stage)]
ParameterName = Annotated[str, AfterValidator(_parameter)]
Strategy = Annotated[str, AfterValidator(_strategy)]


class StrictModel(BaseModel):
    """Typed as in the TOML file: no coercion from strings, no unknown keys, no NaN."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        # Checked here rather than by extra="forbid" so the message can list what is allowed.
        if isinstance(data, dict):
            allowed = [field.alias or name for name, field in cls.model_fields.items()]
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_key", "key", {"at": key, "value": key, "allowed": allowed}
                    )
        return data


class Header(StrictModel):
    """The ``[scenario]`` table."""

    name: Annotated[str, AfterValidator(_name)]
    title: str = Field(min_length=1)
    description: str = ""
    # The same words in French (model.text.from_data picks the reader's); English if absent.
    title_fr: str | None = Field(default=None, min_length=1)
    description_fr: str | None = None
    world: Annotated[str, AfterValidator(_world_name)] = DEFAULT_WORLD
    steps: int = Field(ge=1, le=MAX_STEPS)
    seed: int = Field(ge=0, le=MAX_SEED)
    start: Annotated[str, AfterValidator(_quarter)] = DEFAULT_START
    # Who plays the economies not listed under [countries]: AI strategies by default.
    controller: Controller = "ai"
    # Whether players may found coalitions of their own (the found_coalition action).
    found_coalitions: bool = False
    # The economy its story asks you to play ("play Japan to do better"): the start page
    # chooses it with the scenario, and the player may change it.
    play: CountryCode | None = None


class CountrySettings(StrictModel):
    """A ``[countries.XXX]`` table: who plays the country, and how an AI plays it.

    Without ``controller`` a country with events plays its script only, any other the
    header's controller: a ``strategy`` alone says how its AI (or its bot) would play.
    """

    controller: Controller | None = None
    strategy: Strategy | None = None  # None: the strategy the world data gives it


class Event(StrictModel):
    """One ``[[events]]`` entry: a measure or shock that fires at a step."""

    step: int = Field(ge=1)
    actor: CountryCode
    action: Action
    targets: list[Target] = Field(default_factory=list)  # after checking: never empty
    mineral: Mineral
    stage: Stage
    rate: float | None = Field(default=None, ge=0, le=MAX_TARIFF)
    level: float | None = Field(default=None, ge=0, le=1)
    tonnes: float | None = None
    usd: float | None = Field(default=None, ge=MIN_USD)
    capacity_factor: float | None = Field(default=None, ge=0, le=1)
    duration: int | None = Field(default=None, ge=1, le=MAX_SHOCK_DURATION)
    delay: int | None = Field(
        default=None, ge=0, le=MAX_DELAY
    )  # export_control only: licensing delay
    share: float | None = Field(default=None, gt=0, le=1)  # subsidy: capital grant share
    strike: float | None = Field(default=None, gt=0, le=MAX_STRIKE)  # subsidy: CfD price
    factor: float | None = None  # demand only: multiplier on final demand
    ramp: int | None = None  # demand only: quarters to build up to factor
    note: str = ""
    note_fr: str | None = None  # the note in French (model.text.from_data picks the reader's)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> "Event":
        self._check_magnitudes()
        self._check_targets()
        self._check_good(_world(info))
        return self

    def _check_magnitudes(self) -> None:
        required = MAGNITUDES[self.action]
        takes = (*required, *OPTIONAL_MAGNITUDES.get(self.action, ()))
        every = {
            n for names in (*MAGNITUDES.values(), *OPTIONAL_MAGNITUDES.values()) for n in names
        }
        for name in sorted(every):
            given = getattr(self, name) is not None
            if given and name not in takes:
                _fail("wrong_magnitude", name, action=self.action, takes=takes)
        for name in required:
            if getattr(self, name) is None:
                _fail("missing_magnitude", name, action=self.action, takes=required)
        if self.tonnes == 0:
            _fail("zero_tonnes", "tonnes")
        if self.share is not None and self.strike is not None:
            _fail("one_instrument", "strike")
        if self.factor is not None:
            _in_range("factor", self.factor, MIN_DEMAND_FACTOR, MAX_DEMAND_FACTOR)
        if self.ramp is not None:
            _in_range("ramp", self.ramp, 0, MAX_RAMP)
            if self.duration is not None and self.ramp > self.duration:  # never reaches factor
                _in_range("ramp", self.ramp, 0, self.duration)

    def _check_targets(self) -> None:
        if ALL in self.targets and len(self.targets) > 1:
            _fail("all_alone", "targets", value=self.targets)
        twice = sorted({code for code in self.targets if self.targets.count(code) > 1})
        if twice:
            _fail("target_twice", "targets", value=self.targets, twice=", ".join(twice))
        if self.action in AIMED_ACTIONS:
            if not self.targets:
                _fail("missing_targets", "targets", action=self.action)
            if self.actor in self.targets:
                _fail("self_target", "targets", actor=self.actor, action=self.action)
        elif self.action in ECONOMY_ACTIONS:
            self.targets = self.targets or [self.actor]
        elif self.targets in ([], [self.actor]):
            self.targets = [self.actor]
        else:
            _fail("own_economy", "targets", action=self.action, actor=self.actor)

    def _check_good(self, world: WorldData | None) -> None:
        if self.action in ONE_GOOD_ACTIONS:
            for name in ("mineral", "stage"):
                if getattr(self, name) == ALL:
                    _fail("needs_one_good", name, action=self.action)
        if world is None or ALL in (self.mineral, self.stage):
            return
        if (self.mineral, self.stage) not in world.goods:
            stages = [s for m, s in world.goods if m == self.mineral]
            _fail("bad_pair", "stage", value=self.stage, mineral=self.mineral, allowed=stages)


def _fail(kind: str, at: str, **ctx: Any) -> None:
    raise PydanticCustomError(kind, kind, {"at": at, **ctx})


def _in_range(name: str, value: float, low: float, high: float) -> None:
    """Refuse ``value`` outside ``low..high`` with a message giving the whole range."""
    if not low <= value <= high:
        _fail("parameter_range", name, value=value, low=low, high=high)


class CoalitionSettings(StrictModel):
    """A ``[[coalitions]]`` entry: a club its founder offers to the invited economies.

    ``name`` is its code (tables, deal terms and moves name it by it); people read its
    ``title`` (``title_fr`` in French), or the code when the scenario gives none.
    """

    name: str = Field(min_length=1)
    title: Annotated[str, AfterValidator(_club_title)] | None = None
    title_fr: Annotated[str, AfterValidator(_club_title)] | None = None
    founder: CountryCode
    members: list[CountryCode] = Field(default_factory=list)  # founding members
    invite: list[Target] = Field(default_factory=list)  # offered membership at offer_step
    offer_step: int = Field(default=1, ge=1)
    duration: int = Field(default=40, ge=1, le=40)
    price_floor: float = Field(default=0.0, ge=0)  # reference price, share of base price
    reserve_usd: float = Field(default=0.0, ge=0)  # shared stockpile to build

    def called(self) -> str:
        """The club as a person reads it: its title in the reader's language, else its code."""
        return from_data(vars(self), "title") or self.name


class Scenario(StrictModel):
    """A validated scenario: the header, parameter overrides, country settings, events.

    The fields mirror the TOML tables, so ``model_dump(by_alias=True, exclude_none=True)``
    gives data that validates again; the header's fields are also plain attributes.
    """

    header: Header = Field(alias="scenario")
    parameters: dict[ParameterName, float] = Field(default_factory=dict)
    countries: dict[CountryCode, CountrySettings] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    coalitions: list[CoalitionSettings] = Field(default_factory=list)
    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_parameters(self, info: ValidationInfo) -> "Scenario":
        world = _world(info)
        merged = {**(world.parameters if world else {}), **self.parameters}
        unordered = parameter_order_problem(merged)
        if unordered:
            low, high = unordered
            # Named at the key this scenario (or its --set) gave, so the message blames it.
            at = high if high in self.parameters else low
            raise PydanticCustomError(
                "parameter_order",
                "order",
                {
                    "at": f"parameters.{at}",
                    "low_name": low,
                    "high_name": high,
                    "low": merged[low],
                    "high": merged[high],
                },
            )
        for name, value in self.parameters.items():
            allowed = parameter_problem(name, value)
            if allowed:
                raise PydanticCustomError(
                    "parameter_range",
                    "range",
                    {
                        "at": f"parameters.{name}",
                        "value": value,
                        "low": allowed[0],
                        "high": allowed[1],
                    },
                )
        return self

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def title(self) -> str:
        """The title in the reader's language (``title_fr`` when French and given)."""
        return from_data(vars(self.header), "title")

    @property
    def description(self) -> str:
        return from_data(vars(self.header), "description")

    @property
    def world(self) -> str:
        return self.header.world

    @property
    def steps(self) -> int:
        return self.header.steps

    @property
    def seed(self) -> int:
        return self.header.seed

    @property
    def start(self) -> str:
        return self.header.start

    @property
    def source(self) -> Path | None:
        """The file it was read from, if any."""
        return self._source


def event_targets(event: Event, world: WorldData) -> list[str]:
    """The event's target codes with ``"all"`` expanded (an aimed measure skips its actor)."""
    if event.targets != [ALL]:
        return list(event.targets)
    aimed = event.action in AIMED_ACTIONS
    return [code for code in world.codes if not (aimed and code == event.actor)]


def event_goods(event: Event, world: WorldData) -> list[tuple[str, str]]:
    """The (mineral, stage) goods the event covers, with ``"all"`` expanded."""
    return [(m, s) for m, s in world.goods if event.mineral in (ALL, m) and event.stage in (ALL, s)]


# --- finding and reading files ---------------------------------------------------------


def bundled_names() -> list[str]:
    return sorted(path.stem for path in SCENARIOS_DIR.glob("*.toml"))


def list_scenarios() -> list[tuple[str, str]]:
    """(name, title) of every bundled scenario, by name."""
    listing = []
    for name in bundled_names():
        header = _read_toml(SCENARIOS_DIR / f"{name}.toml").get("scenario")
        title = from_data(header, "title") if isinstance(header, dict) else ""
        listing.append((name, title))
    return listing


def scenario_path(name_or_path: str | Path) -> Path:
    """A bundled scenario's name (no suffix, no folder) or a path -> the file's path."""
    path = Path(name_or_path)
    bundled = ", ".join(bundled_names())
    if len(str(name_or_path)) > MAX_PATH:
        raise ScenarioError(
            t(
                "files.name_too_long",
                value=shown(name_or_path),
                length=len(str(name_or_path)),
                limit=MAX_PATH,
            )
        )
    if isinstance(name_or_path, Path) or path.suffix or len(path.parts) != 1:
        if not path.exists() and not path.is_symlink():
            raise ScenarioError(t("scenario.no_file", file=shown(name_or_path), bundled=bundled))
        try:
            return regular_file(path)
        except InputError as error:
            raise ScenarioError(str(error)) from None
    if len(str(name_or_path)) > MAX_NAME:
        raise ScenarioError(t("scenario.no_scenario", name=shown(name_or_path), bundled=bundled))
    candidate = SCENARIOS_DIR / f"{name_or_path}.toml"
    if not candidate.is_file():
        guess = allowed_list(name_or_path, bundled_names())
        raise ScenarioError(t("scenario.no_scenario", name=shown(name_or_path), bundled=guess))
    return candidate


def display_path(path: Path) -> str:
    """A path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict:
    file = display_path(path)
    try:
        text = read_text(path)
    except InputError as error:  # names the file already
        raise ScenarioError(str(error)) from None
    try:
        return parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        where = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error))
        if where:
            detail, line, column = where.groups()
            raise ScenarioError(
                t("scenario.syntax_at", file=file, line=line, column=column, detail=detail)
            ) from None
        raise ScenarioError(t("scenario.syntax", file=file, detail=str(error))) from None
    except InputError as error:
        raise ScenarioError(t("scenario.in_file", file=shown(file), problem=error)) from None


# --- overrides: ``--set key=value`` (model/data/overrides.py) ----------------------------


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """``--set`` text as a key path into a scenario; header keys may drop ``scenario.``."""
    return keypaths.parse_override(text, HEADER_TABLE, Header.model_fields)


def apply_overrides(data: dict, changes: Sequence[str]) -> dict:
    """A copy of scenario data (as read from TOML) with each ``key=value`` set."""
    return keypaths.apply_overrides(data, changes, HEADER_TABLE, Header.model_fields)


# --- loading and validating --------------------------------------------------------------


def load_scenario(
    name_or_path: str | Path,
    overrides: Sequence[str] = (),
    *,
    steps: int | None = None,
    seed: int | None = None,
) -> Scenario:
    """Read, override and validate a scenario; raise ``ScenarioError`` for any mistake.

    ``steps`` and ``seed`` are the ``--steps``/``--seed`` arguments of ``minerals run``.
    A broken world data set raises ``WorldDataError`` instead: not the scenario's fault.
    """
    path = scenario_path(name_or_path)
    data = _read_toml(path)
    changes = [(*parse_override(text), keypaths.set_label(text)) for text in overrides]
    for key, value in (("steps", steps), ("seed", seed)):
        if value is None:
            continue
        label = argument(key, value=value)
        set_too = [origin for path, _, origin in changes if path == ("scenario", key)]
        if set_too:  # two arguments for one number: say so rather than pick one silently
            raise ScenarioError(t("scenario.set_twice", first=set_too[0], second=label, key=key))
        changes.append((("scenario", key), value, label))
    for key_path, value, label in changes:
        keypaths.set_value(data, key_path, value, label)
    origins = [(key_path, label) for key_path, _, label in changes]
    bundled = path.resolve().parent == SCENARIOS_DIR.resolve()
    scenario = validate_scenario(
        data, source=path, origins=origins, file_stem=path.stem if bundled else None
    )
    if ("scenario", "steps") not in [key_path for key_path, _ in origins]:
        _check_timing(scenario, display_path(path), origins)  # a shortened run may stop early
    return scenario


def validate_scenario(
    data: dict,
    *,
    source: Path | None = None,
    origins: Sequence[tuple[KeyPath, str]] = (),
    file_stem: str | None = None,
) -> Scenario:
    """Validate scenario data (as read from TOML) against the world it names.

    ``origins`` names where overridden key paths came from (``--set …``), so a bad
    override is reported against the argument rather than the file.
    """
    where = display_path(source) if source else t("scenario.no_source")
    context: dict[str, Any] = {"file_stem": file_stem}
    try:
        scenario = Scenario.model_validate(data, context=context)
        context["world"] = load_world(scenario.world)
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as error:
        raise ScenarioError(_message(error, where, origins)) from None
    scenario._source = source
    return scenario


def _check_timing(
    scenario: Scenario, where: str, origins: Sequence[tuple[KeyPath, str]] = ()
) -> None:
    """An event or an invitation after the file's last step would never happen: say so,
    blaming the ``--set`` that moved it if one did. (A World built in code may step past
    its scenario's end, so only files are checked.)"""
    late = [(("events", k, "step"), e.step) for k, e in enumerate(scenario.events)]
    late += [
        (("coalitions", k, "offer_step"), club.offer_step)
        for k, club in enumerate(scenario.coalitions)
    ]
    for key_path, step in late:
        if step > scenario.steps:
            problem = t("scenario.after_last_step", step=step, steps=scenario.steps)
            set_by = [label for changed, label in origins if _caused_by(key_path, changed)]
            at = t("scenario.from_file", origin=set_by[-1], file=where) if set_by else where
            path = format_path(list(key_path))
            raise ScenarioError(t("scenario.error", where=at, path=path, problem=problem))


def _message(error: ValidationError, where: str, origins: Sequence[tuple[KeyPath, str]]) -> str:
    """The first problem as one sentence; the rest are counted, fixed one at a time."""
    problems = error.errors(include_url=False)
    first = problems[0]
    ctx = first.get("ctx", {})
    loc = [part for part in first["loc"] if part != "[key]"]
    if "at" in ctx:
        loc.extend(str(ctx["at"]).split("."))
    for origin_path, label in reversed(origins):
        if _caused_by(tuple(loc), tuple(origin_path)):
            where = t("scenario.from_file", origin=label, file=where)
            break
    text = mistakes_message(where, [(format_path(loc), problem_text(first, loc))])
    if len(problems) > 1:
        text += " " + t("scenario.more_problems", count=len(problems) - 1)
    return text


def _caused_by(loc: KeyPath, changed: KeyPath) -> bool:
    """Whether a problem at ``loc`` lies in, or is the table holding, a changed key."""
    inside = loc[: len(changed)] == changed
    holding = len(loc) >= 2 and changed[: len(loc)] == loc
    return inside or holding


def mistakes_message(where: str, mistakes: Sequence[tuple[str, str]]) -> str:
    """One message for every mistake found in a file (``where``), each a key path and what
    is wrong with it: one line for one mistake, else a count and a line for each."""
    if len(mistakes) == 1:
        path, problem = mistakes[0]
        return t("scenario.error", where=where, path=path or ".", problem=problem)
    lines = [t("scenario.mistakes", where=where, count=len(mistakes))]
    lines += [t("scenario.mistake", path=path or ".", problem=why) for path, why in mistakes]
    return "\n".join(lines)


def problem_text(error: dict, loc: Sequence[str | int], topics: Sequence[str] = ()) -> str:
    """One of pydantic's problems as the sentence a person reads: the catalogue's
    ``{topic}.{type}`` for the first of ``topics`` that words it (a sweep spec's own
    problems), else the scenario catalogue's sentence for pydantic's type."""
    kind = error["type"]
    ctx = dict(error.get("ctx", {}))
    if kind == "literal_error" and loc and loc[-1] in CHOICES:
        kind = f"bad_{loc[-1]}"
        ctx["allowed"] = CHOICES[loc[-1]]
    fields = {  # names of things are shown bare, values as written in TOML
        name: value if name.endswith("_name") else shown(_show(value))
        for name, value in ctx.items()
    }
    if "allowed" in ctx:
        fields["allowed"] = allowed_list(ctx.get("value", error["input"]), ctx["allowed"])
    if "takes" in ctx:
        fields["takes"] = ", ".join(map(str, ctx["takes"]))
    for name in ("ge", "gt", "le", "limit"):
        if name in ctx:
            fields[name] = bound(ctx[name])
    fields.setdefault("value", shown(_show(error["input"])))
    for topic in topics:
        if has(f"{topic}.{kind}"):
            return t(f"{topic}.{kind}", **fields)
    key = PROBLEMS.get(kind, kind)
    try:
        return t(f"scenario.{key}", **fields)
    except KeyError:
        return t("scenario.invalid", value=fields["value"], detail=error["msg"])


def bound(limit: float) -> str:
    """A range's end as a person writes it: 1,000,000 rather than 1e+06."""
    whole = float(limit).is_integer() and abs(limit) < 1e15
    return f"{int(limit):,}" if whole else f"{limit:g}"


def _show(value: Any) -> str:
    """A value roughly as it is written in TOML: strings quoted, booleans in lower case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_show(item)}" for key, item in value.items()) + "}"
    return repr(value) if isinstance(value, str) else str(value)
