"""The scenario format: TOML files under configs/scenarios/, checked before any run.

Checking happens in two passes: first the shape (keys, types, ranges, which magnitude an
action takes), then the names that only the world knows (countries, minerals, stages,
parameters). Every mistake becomes one ``ScenarioError`` naming the file (or the
``--set``/``--steps`` argument), the key path and what is allowed.
"""

import re
import tomllib
from collections.abc import Sequence
from copy import deepcopy
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

from agents.actions import MAX_DELAY, MAX_SHOCK_DURATION, MAX_TARIFF, MIN_USD
from model.data.world_data import (
    CONFIG_DIR,
    STRATEGIES,
    WorldData,
    available_worlds,
    load_world,
    parameter_problem,
)
from model.text import from_data, t

SCENARIOS_DIR = CONFIG_DIR / "scenarios"
DEFAULT_WORLD = "world_2024"
DEFAULT_START = "2025Q1"
ALL = "all"

Action = Literal["tariff", "export_control", "stockpile", "subsidy", "shock"]
Controller = Literal["ai", "human", "scripted", "passive"]
ACTIONS: tuple[str, ...] = get_args(Action)
CONTROLLERS: tuple[str, ...] = get_args(Controller)

# The magnitudes each action takes, all required; any other magnitude is a mistake.
MAGNITUDES: dict[str, tuple[str, ...]] = {
    "tariff": ("rate",),
    "export_control": ("level",),
    "stockpile": ("tonnes",),
    "subsidy": ("usd",),
    "shock": ("capacity_factor", "duration"),
}
# Measures aimed at other countries: they need targets and may not target the actor.
# The others act on the actor's own economy, so their targets are just the actor.
AIMED_ACTIONS = ("tariff", "export_control")
# Tonnes bought or money spent need one good; a tariff or a shock may cover many.
ONE_GOOD_ACTIONS = ("stockpile", "subsidy")

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


class ScenarioError(Exception):
    """A scenario (file, ``--set`` or argument) is wrong; ``str(e)`` is the one message."""


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
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
        raise PydanticCustomError("bad_name", "name", {"value": value})
    # A bundled scenario is listed and run by its file name, so the two must agree.
    expected = (info.context or {}).get("file_stem")
    if expected and value != expected:
        raise PydanticCustomError("name_not_stem", "name", {"value": value, "stem": expected})
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
    steps: int = Field(ge=1)
    seed: int = Field(ge=0)
    start: Annotated[str, AfterValidator(_quarter)] = DEFAULT_START
    # Who plays the economies not listed under [countries]: AI strategies by default.
    controller: Controller = "ai"


class CountrySettings(StrictModel):
    """A ``[countries.XXX]`` table: who plays the country, and how an AI plays it."""

    controller: Controller = "ai"
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
    note: str = ""
    note_fr: str | None = None  # the note in French (model.text.from_data picks the reader's)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> "Event":
        self._check_magnitudes()
        self._check_targets()
        self._check_good(_world(info))
        return self

    def _check_magnitudes(self) -> None:
        takes = MAGNITUDES[self.action]
        for name in [n for names in MAGNITUDES.values() for n in names]:
            given = getattr(self, name) is not None
            if given and name not in takes:
                _fail("wrong_magnitude", name, action=self.action, takes=takes)
        for name in takes:
            if getattr(self, name) is None:
                _fail("missing_magnitude", name, action=self.action, takes=takes)
        if self.tonnes == 0:
            _fail("zero_tonnes", "tonnes")
        if self.delay is not None and self.action != "export_control":
            _fail("wrong_magnitude", "delay", action=self.action, takes=takes)

    def _check_targets(self) -> None:
        if ALL in self.targets and len(self.targets) > 1:
            _fail("all_alone", "targets", value=self.targets)
        if self.action in AIMED_ACTIONS:
            if not self.targets:
                _fail("missing_targets", "targets", action=self.action)
            if self.actor in self.targets:
                _fail("self_target", "targets", actor=self.actor, action=self.action)
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


class CoalitionSettings(StrictModel):
    """A ``[[coalitions]]`` entry: a club its founder offers to the invited economies."""

    name: str = Field(min_length=1)
    founder: CountryCode
    members: list[CountryCode] = Field(default_factory=list)  # founding members
    invite: list[Target] = Field(default_factory=list)  # offered membership at offer_step
    offer_step: int = Field(default=1, ge=1)
    duration: int = Field(default=40, ge=1, le=40)
    price_floor: float = Field(default=0.0, ge=0)  # reference price, share of base price
    reserve_usd: float = Field(default=0.0, ge=0)  # shared stockpile to build


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
    def _check_parameters(self) -> "Scenario":
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
    if isinstance(name_or_path, Path) or path.suffix or len(path.parts) != 1:
        if not path.is_file():
            raise ScenarioError(t("scenario.no_file", file=name_or_path, bundled=bundled))
        return path
    candidate = SCENARIOS_DIR / f"{name_or_path}.toml"
    if not candidate.is_file():
        raise ScenarioError(t("scenario.no_scenario", name=name_or_path, bundled=bundled))
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
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        where = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error))
        if where:
            detail, line, column = where.groups()
            raise ScenarioError(
                t("scenario.syntax_at", file=file, line=line, column=column, detail=detail)
            ) from None
        raise ScenarioError(t("scenario.syntax", file=file, detail=str(error))) from None
    except UnicodeDecodeError:
        raise ScenarioError(t("scenario.not_utf8", file=file)) from None
    except OSError as error:
        raise ScenarioError(t("scenario.unreadable", file=file, reason=error.strerror)) from None


# --- overrides: key=value with dotted key paths ------------------------------------------

KeyPath = tuple[str | int, ...]
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)|(\d+)")


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """``"events[2].rate=0.3"`` -> ``(("events", 2, "rate"), 0.3)``.

    The value is read as a TOML value (numbers, booleans, strings in quotes, lists),
    else taken as a bare string. Header keys may drop their table: ``steps=12``.
    """
    key, sep, raw = text.partition("=")
    path: list[str | int] = []
    for segment in key.strip().split("."):
        match = _SEGMENT.fullmatch(segment)
        if not sep or not match:
            raise ScenarioError(t("scenario.set_malformed", origin=_set_label(text)))
        name, indexes, number = match.groups()
        if number is not None:
            path.append(int(number))
        else:
            path.append(name)
            path.extend(int(i) for i in re.findall(r"\d+", indexes))
    if isinstance(path[0], str) and path[0] in Header.model_fields:
        path.insert(0, "scenario")
    return tuple(path), _toml_value(raw.strip())


def _toml_value(raw: str) -> Any:
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    return parsed["value"] if list(parsed) == ["value"] else raw


def apply_overrides(data: dict, overrides: Sequence[str]) -> dict:
    """A copy of scenario data (as read from TOML) with each ``key=value`` set."""
    data = deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        _set(data, path, value, label=_set_label(text))
    return data


def _set_label(text: str) -> str:
    """How a message names a ``--set``; escaped so the message stays on one line."""
    return t("scenario.from_set", text=text if text.isprintable() else repr(text)[1:-1])


def _set(data: dict, path: KeyPath, value: Any, label: str) -> None:
    node: Any = data
    for depth, key in enumerate(path):
        here = format_path(path[:depth]) or "."
        last = depth == len(path) - 1
        if isinstance(key, int):
            if not isinstance(node, list):
                raise ScenarioError(t("scenario.set_not_list", origin=label, path=here))
            if key >= len(node):
                raise ScenarioError(
                    t("scenario.set_bad_index", origin=label, path=here, count=len(node))
                )
        elif not isinstance(node, dict):
            raise ScenarioError(t("scenario.set_not_table", origin=label, path=here))
        elif not last and key not in node:
            node[key] = {}
        if last:
            node[key] = value
        else:
            node = node[key]


def format_path(loc: Sequence[str | int]) -> str:
    """``("events", 2, "mineral")`` -> ``"events[2].mineral"``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


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
    changes = [(*parse_override(text), _set_label(text)) for text in overrides]
    if steps is not None:
        changes.append((("scenario", "steps"), steps, t("scenario.from_steps", value=steps)))
    if seed is not None:
        changes.append((("scenario", "seed"), seed, t("scenario.from_seed", value=seed)))
    for key_path, value, label in changes:
        _set(data, key_path, value, label)
    origins = [(key_path, label) for key_path, _, label in changes]
    bundled = path.resolve().parent == SCENARIOS_DIR.resolve()
    return validate_scenario(
        data, source=path, origins=origins, file_stem=path.stem if bundled else None
    )


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


def _message(error: ValidationError, where: str, origins: Sequence[tuple[KeyPath, str]]) -> str:
    """The first problem as one sentence; the rest are counted, fixed one at a time."""
    problems = error.errors(include_url=False)
    first = problems[0]
    ctx = first.get("ctx", {})
    loc = [part for part in first["loc"] if part != "[key]"]
    if "at" in ctx:
        loc.append(ctx["at"])
    for origin_path, label in reversed(origins):
        if _caused_by(tuple(loc), tuple(origin_path)):
            where = t("scenario.from_file", origin=label, file=where)
            break
    text = t(
        "scenario.error",
        where=where,
        path=format_path(loc) or ".",
        problem=_problem(first, loc),
    )
    if len(problems) > 1:
        text += " " + t("scenario.more_problems", count=len(problems) - 1)
    return text


def _caused_by(loc: KeyPath, changed: KeyPath) -> bool:
    """Whether a problem at ``loc`` lies in, or is the table holding, a changed key."""
    inside = loc[: len(changed)] == changed
    holding = len(loc) >= 2 and changed[: len(loc)] == loc
    return inside or holding


def _problem(error: dict, loc: Sequence[str | int]) -> str:
    kind = error["type"]
    ctx = dict(error.get("ctx", {}))
    if kind == "literal_error" and loc and loc[-1] in CHOICES:
        kind = f"bad_{loc[-1]}"
        ctx["allowed"] = CHOICES[loc[-1]]
    fields = {name: _show(value) for name, value in ctx.items()}
    for name in ("allowed", "takes"):
        if name in ctx:
            fields[name] = ", ".join(map(str, ctx[name]))
    for name in ("ge", "gt", "le"):
        if name in ctx:
            fields[name] = f"{ctx[name]:g}"
    fields.setdefault("value", _show(error["input"]))
    key = PROBLEMS.get(kind, kind)
    try:
        return t(f"scenario.{key}", **fields)
    except KeyError:
        return t("scenario.invalid", value=fields["value"], detail=error["msg"])


def _show(value: Any) -> str:
    """A value roughly as it is written in TOML: strings quoted, booleans in lower case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_show(item)}" for key, item in value.items()) + "}"
    return repr(value) if isinstance(value, str) else str(value)
