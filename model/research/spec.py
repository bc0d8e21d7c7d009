"""A sweep spec: the TOML file (``configs/sweeps/``) that says which runs a sweep makes.

It names a base scenario, levers (policy choices, always crossed as a grid),
uncertainties (lists crossed as a grid, or ``{low, high}`` ranges sampled at random or by
Latin hypercube), replications, a master seed and the outcomes to keep. ``design()`` turns
it into the list of runs, each a set of ``--set`` key paths (model/data/overrides.py) and
a seed. All the mistakes of a spec are one ``SweepError``, each naming the key, what is
wrong and what is allowed.
"""

import math
import re
import tomllib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from model.data.files import InputError, parse_toml, read_text, shown
from model.data.overrides import strategy_set_for, toml_literal
from model.data.scenario import (
    DEFAULT_WORLD,
    MAX_SEED,
    MAX_STEPS,
    ScenarioError,
    StrictModel,
    display_path,
    load_scenario,
    mistakes_message,
    parse_override,
    problem_text,
)
from model.data.tables import TABLES
from model.data.world_data import CONFIG_DIR, load_world
from model.research.outcomes import OUTCOMES, PATTERNS, pattern_code
from model.text import DEFAULT_LANGUAGE, allowed_list, language, t

SWEEPS_DIR = CONFIG_DIR / "sweeps"  # the bundled specs, named without path or suffix
SAMPLERS = ("grid", "random", "lhs", "sobol", "morris")
# Samplers whose design is one of SALib's, analysed by its own method (model/research/analysis.py).
SALIB_SAMPLERS = ("sobol", "morris")
# Morris: each factor takes this many levels on its range (Saltelli et al. 2008, Global
# Sensitivity Analysis: The Primer, ch. 3: 4 levels with a jump of 2/3 of the range).
MORRIS_LEVELS = 4
MAX_RUNS = 1_000_000  # about a week of 40-quarter baseline runs on two cores
# Header keys a lever may not set: the sweep itself gives every run its steps and seed.
RESERVED = {("scenario", "steps"), ("scenario", "seed")}
TAG = "~"  # marks the tags of the lever/uncertainty unions, dropped from error locations


class SweepError(ScenarioError):
    """A sweep spec or a sweep argument is wrong; ``str(e)`` is the one message."""


def _value(value: Any) -> Any:
    """A lever or uncertainty value: one TOML scalar (text, number, true/false)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("not_finite", "value", {})
    if not isinstance(value, str | int | float):
        raise PydanticCustomError("bad_value", "value", {"value": value})
    return value


def _same_kind(values: list) -> list:
    kinds = {"number" if type(v) in (int, float) else type(v).__name__ for v in values}
    if len(kinds) > 1:
        raise PydanticCustomError("mixed_types", "values", {"value": values})
    return values


def _name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
        raise PydanticCustomError("bad_name", "name", {"value": value})
    return value


def _sampler(value: str) -> str:
    if value not in SAMPLERS:
        raise PydanticCustomError("bad_sampler", "sampler", {"value": value, "allowed": SAMPLERS})
    return value


Value = Annotated[Any, AfterValidator(_value)]
Values = Annotated[list[Value], Field(min_length=1), AfterValidator(_same_kind)]


class Range(StrictModel):
    """An uncertainty sampled uniformly in ``[low, high]`` (whole numbers if both are)."""

    low: int | float
    high: int | float

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.low > self.high:
            raise PydanticCustomError(
                "low_above_high", "range", {"low": self.low, "high": self.high}
            )
        return self

    @property
    def whole(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int)

    def at(self, u: float) -> int | float:
        """The value at quantile ``u`` in [0, 1)."""
        if self.whole:
            return min(self.low + math.floor(u * (self.high - self.low + 1)), self.high)
        return float(self.low + u * (self.high - self.low))


Uncertainty = Annotated[
    Annotated[Values, Tag(TAG + "list")] | Annotated[Range, Tag(TAG + "range")],
    Discriminator(lambda v: TAG + ("range" if isinstance(v, dict | Range) else "list")),
]


class SweepHeader(StrictModel):
    """The ``[sweep]`` table."""

    name: Annotated[str, AfterValidator(_name)]
    scenario: str = Field(min_length=1)
    steps: int | None = Field(default=None, ge=1, le=MAX_STEPS)  # None: the scenario's own
    replications: int = Field(default=1, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    sampler: Annotated[str, AfterValidator(_sampler)] = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_RUNS)


def _distinct(value: list[str]) -> list[str]:
    twice = sorted({name for name in value if value.count(name) > 1})
    if twice:  # each outcome is a column of the runs table: one name, one column
        raise PydanticCustomError("duplicate_outcome", "keep", {"value": twice[0]})
    return value


def _table_names(value: list[str]) -> list[str]:
    for name in value:
        if name not in TABLES:
            raise PydanticCustomError("bad_table", "table", {"value": name, "allowed": TABLES})
    return list(dict.fromkeys(value))


class OutcomeChoice(StrictModel):
    """The ``[outcomes]`` table."""

    keep: Annotated[list[str], AfterValidator(_distinct)] = Field(
        default_factory=lambda: list(OUTCOMES), min_length=1
    )
    # Output tables kept whole for every run, as a Parquet data set partitioned by run_id.
    series: Annotated[list[str], AfterValidator(_table_names)] = Field(default_factory=list)


class SweepSpec(StrictModel):
    """A validated sweep spec; build one with ``load_spec``."""

    header: SweepHeader = Field(alias="sweep")
    levers: dict[str, Values] = Field(default_factory=dict)
    uncertainties: dict[str, Uncertainty] = Field(default_factory=dict)
    outcomes: OutcomeChoice = Field(default_factory=OutcomeChoice)
    _scenario: str = PrivateAttr(default="")

    @property
    def setup(self) -> "Setup":
        """What every run shares, with the base scenario as found from the spec's folder."""
        return Setup(
            self._scenario or self.header.scenario,
            self.header.steps,
            tuple(self.outcomes.keep),
            tuple(self.factors),
            tuple(self.outcomes.series),
            language(),
        )

    @model_validator(mode="after")
    def _sampling(self) -> "SweepSpec":
        sampler, samples = self.header.sampler, self.header.samples
        if sampler == "grid":
            for key, spread in self.uncertainties.items():
                if isinstance(spread, Range):
                    raise PydanticCustomError(
                        "range_in_grid", "sampler", {"at": ("uncertainties", key)}
                    )
            if samples is not None:
                raise PydanticCustomError(
                    "samples_in_grid", "samples", {"at": ("sweep", "samples")}
                )
        elif samples is None:
            raise PydanticCustomError(
                "needs_samples", "samples", {"at": ("sweep", "samples"), "sampler": sampler}
            )
        if sampler in SALIB_SAMPLERS and not self.uncertainties:
            raise PydanticCustomError(
                "needs_uncertainties", "sampler", {"at": ("uncertainties",), "sampler": sampler}
            )
        for key in (*self.levers, *self.uncertainties):
            if key in self.levers and key in self.uncertainties:
                raise PydanticCustomError("lever_and_uncertainty", "key", {"at": ("levers", key)})
        if self.run_count > MAX_RUNS:  # refused before a design is drawn or a run starts
            raise PydanticCustomError(
                "too_many_runs",
                "runs",
                {"at": ("sweep", "replications"), "value": self.run_count, "limit": MAX_RUNS},
            )
        return self

    @property
    def run_count(self) -> int:
        """Lever combinations × uncertainty points × replications, without drawing them."""
        points = self.header.samples or 1
        if self.header.sampler == "sobol":  # Saltelli: base samples × (factors + 2)
            points *= len(self.uncertainties) + 2
        elif self.header.sampler == "morris":  # trajectories × (factors + 1)
            points *= len(self.uncertainties) + 1
        if self.header.samples is None:
            points = math.prod(len(v) for v in self.uncertainties.values() if isinstance(v, list))
        combos = math.prod(len(values) for values in self.levers.values())
        return combos * points * self.header.replications

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def factors(self) -> list[str]:
        """The columns of levers then uncertainties, by key path."""
        return [*self.levers, *self.uncertainties]

    def points(self) -> list[dict[str, Any]]:
        """The uncertainty values of each experiment, before levers and replications."""
        names = list(self.uncertainties)
        if self.header.sampler == "grid":
            return [
                dict(zip(names, combo, strict=True))
                for combo in product(*self.uncertainties.values())
            ]
        sampling, _ = np.random.SeedSequence(self.header.seed).spawn(2)
        rng = np.random.default_rng(sampling)
        if self.header.sampler in SALIB_SAMPLERS:
            u = salib_unit(self.header.sampler, self.header.samples, len(names), rng)
        else:
            u = sample_unit(self.header.sampler, self.header.samples, len(names), rng)
        return [
            {name: _at(self.uncertainties[name], q) for name, q in zip(names, row, strict=True)}
            for row in u
        ]

    def design(self) -> list["Run"]:
        """Every run: lever combinations × uncertainty points × replications.

        Seeds are spawned per (point, replication) and shared by every lever combination:
        common random numbers, so two levers are compared under the same shocks. With
        ``sobol`` and ``morris`` every point shares the same ``replications`` seeds too:
        their estimators compare points that differ in one uncertainty, and under common
        shocks that difference is the uncertainty's effect alone, not seed noise.
        """
        points = self.points()
        reps = self.header.replications
        _, seeding = np.random.SeedSequence(self.header.seed).spawn(2)
        common = self.header.sampler in SALIB_SAMPLERS
        children = seeding.spawn(reps if common else len(points) * reps)
        seeds = [int(child.generate_state(1)[0]) for child in children]
        if common:
            seeds = seeds * len(points)
        runs = []
        for combo in product(*self.levers.values()):
            levers = dict(zip(self.levers, combo, strict=True))
            for p, point in enumerate(points):
                for r in range(reps):
                    values = {**levers, **point}
                    runs.append(Run(len(runs), seeds[p * reps + r], values))
        return runs


def _at(spread: list | Range, u: float) -> Any:
    if isinstance(spread, Range):
        return spread.at(u)
    return spread[min(int(u * len(spread)), len(spread) - 1)]


def sample_unit(sampler: str, samples: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """``samples`` points in [0, 1)^dims: independent uniforms, or a Latin hypercube.

    The hypercube cuts each dimension into ``samples`` equal strata and puts exactly one
    point in each, at a uniform position inside it, the strata paired by random permutations.
    """
    if sampler == "random":
        return rng.random((samples, dims))
    columns = [(rng.permutation(samples) + rng.random(samples)) / samples for _ in range(dims)]
    return np.column_stack(columns) if columns else np.empty((samples, 0))


def salib_unit(sampler: str, samples: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """SALib's design in [0, 1]^dims, rows in the order its analysis reads them.

    ``sobol``: Saltelli's extension of a scrambled Sobol' sequence, ``samples`` base points
    × (dims + 2) rows (first- and total-order indices, no second order). ``morris``:
    ``samples`` one-at-a-time trajectories of dims + 1 rows on ``MORRIS_LEVELS`` levels.
    """
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        raise SweepError(t("sensitivity.no_salib_sampler", sampler=sampler)) from None
    problem = {"num_vars": dims, "names": [f"x{i}" for i in range(dims)], "bounds": [[0, 1]] * dims}
    seed = int(rng.integers(2**31))
    with warnings.catch_warnings():  # SALib's advice that N be a power of 2: in the docs
        warnings.simplefilter("ignore")
        if sampler == "sobol":
            return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
        return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its id, its seed and its lever and uncertainty values."""

    run_id: int
    seed: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    """What every run of a sweep shares; small, so it travels to workers cheaply."""

    scenario: str
    steps: int | None
    keep: tuple[str, ...]
    factors: tuple[str, ...]
    series: tuple[str, ...] = ()
    language: str = DEFAULT_LANGUAGE  # of the news sentences a worker writes in its series


# A value as the right-hand side of ``--set key=value`` (Python or numpy scalars, read back
# to the same value): the name research code and its tests use for ``toml_literal``.
toml_value = toml_literal


def overrides(values: dict[str, Any]) -> list[str]:
    return [f"{key}={toml_value(value)}" for key, value in values.items()]


# --- reading and checking a spec ---------------------------------------------------------


def bundled_specs() -> list[str]:
    return sorted(path.stem for path in SWEEPS_DIR.glob("*.toml"))


def spec_path(name_or_path: str | Path) -> Path:
    """A spec file's path; a bare name that is no file here (``coalition_floor_sobol``)
    is a bundled spec, so documented commands work from any folder."""
    path = Path(name_or_path)
    bare = not isinstance(name_or_path, Path) and not path.suffix and len(path.parts) == 1
    if path.exists() or not bare:
        return path
    if str(name_or_path) in bundled_specs():
        return SWEEPS_DIR / f"{name_or_path}.toml"
    bundled = allowed_list(name_or_path, bundled_specs())
    raise SweepError(t("sweep_specs.no_spec", name=shown(name_or_path), bundled=bundled))


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec; raise ``SweepError`` with one message naming every
    mistake, so a researcher fixes them all in one go.

    Every lever value and range end is applied to the base scenario once, so a bad key
    path or value is refused before any run. A check that needs a part of the spec (the
    base scenario, a factor's values) runs whenever that part is well formed.
    """
    path = spec_path(path)
    file = display_path(path)
    try:
        text = read_text(path)
    except InputError as error:  # names the file already
        raise SweepError(str(error)) from None
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise SweepError(t("sweep.syntax", file=file, detail=error)) from None
    except InputError as error:
        raise SweepError(t("scenario.in_file", file=shown(file), problem=error)) from None
    spec, mistakes = None, []
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        mistakes += _shape_mistakes(error)
    name, steps = _base(spec, data.get("sweep"))
    scenario, base = "", None
    if name:
        scenario = _scenario_location(name, path.parent)
        try:
            base = load_scenario(scenario, steps=steps)
        except ScenarioError as error:
            mistakes.append(("sweep.scenario", str(error)))
    if base is not None:
        levers = _valid_entries(data.get("levers"), Values)
        uncertainties = _valid_entries(data.get("uncertainties"), Uncertainty)
        factor_mistakes = _factor_mistakes(levers, uncertainties, scenario, steps)
        mistakes += factor_mistakes
        if not factor_mistakes:
            factors = {**levers, **uncertainties}
            mistakes += _strategy_mistakes(factors, levers, scenario, name, steps)
    codes = load_world(base.world if base is not None else DEFAULT_WORLD).codes
    mistakes += _outcome_mistakes(data.get("outcomes"), codes)
    if mistakes:
        raise SweepError(mistakes_message(file, list(dict.fromkeys(mistakes))))
    spec._scenario = scenario
    return spec


def _base(spec: SweepSpec | None, header: Any) -> tuple[str, int | None]:
    """The base scenario's name and the steps of every run, read from the [sweep] table
    even when another of its keys is wrong ("" if the name itself is)."""
    if spec is not None:
        return spec.header.scenario, spec.header.steps
    fields = header if isinstance(header, dict) else {}
    name = _valid(SweepHeader.model_fields["scenario"].annotation, fields.get("scenario"))
    steps = fields.get("steps")
    valid_steps = type(steps) is int and 1 <= steps <= MAX_STEPS
    return name or "", steps if valid_steps else None


def _valid(kind: Any, value: Any) -> Any:
    """``value`` validated as ``kind`` (a model or a type), or None if it is not."""
    try:
        return TypeAdapter(kind, config=None if _is_model(kind) else STRICT).validate_python(value)
    except ValidationError:
        return None


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, StrictModel)


STRICT = ConfigDict(strict=True, allow_inf_nan=False)  # as StrictModel reads a TOML value


def _valid_entries(table: Any, kind: Any) -> dict[str, Any]:
    """The entries of a [levers] or [uncertainties] table that are well formed."""
    if not isinstance(table, dict):
        return {}
    entries = {key: _valid(kind, value) for key, value in table.items()}
    return {key: value for key, value in entries.items() if value is not None}


def _scenario_location(scenario: str, spec_dir: Path) -> str:
    """A bundled name as is; a relative path from the spec's folder if the file is there."""
    if Path(scenario).suffix or len(Path(scenario).parts) > 1:
        beside = spec_dir / scenario
        return str(beside.resolve()) if beside.is_file() else scenario
    return scenario


def _factor_mistakes(
    levers: dict, uncertainties: dict, scenario: str, steps: int | None
) -> list[tuple[str, str]]:
    """Each factor whose key path or a value the base scenario refuses, once."""
    mistakes = []
    for table, factors in (("levers", levers), ("uncertainties", uncertainties)):
        for key, spread in factors.items():
            values = [spread.low, spread.high] if isinstance(spread, Range) else spread
            where = f'{table}."{key}"'
            try:
                key_path, _ = parse_override(f"{key}=0")
                if key_path in RESERVED:
                    mistakes.append((where, t("sweep.reserved")))
                    continue
                for value in values:
                    load_scenario(scenario, overrides({key: value}), steps=steps)
            except ScenarioError as error:
                mistakes.append((where, str(error)))
    return mistakes


def _strategy_mistakes(
    factors: dict, levers: dict, scenario: str, name: str, steps: int | None
) -> list[tuple[str, str]]:
    """A strategy decides only for an economy its AI plays: a factor setting the strategy
    of one that plays its script or nothing would give the same runs for every value."""
    mistakes = []
    for key in factors:
        code = strategy_set_for(parse_override(f"{key}=0")[0])
        if code is None:
            continue
        from model.engine.world import unplayed_strategy  # Mesa's import, only when needed

        controls = f"countries.{code}.controller"
        kinds = []
        for controller in factors.get(controls, [None]):  # the controller may be a factor too
            changes = overrides({controls: controller}) if controller else []
            base = load_scenario(scenario, changes, steps=steps)
            kinds.append(unplayed_strategy(base, code))
        if all(kinds):
            table = "levers" if key in levers else "uncertainties"
            problem = t(
                "sweep.strategy_unplayed",
                code=code,
                scenario=name,
                controller=kinds[0],
            )
            mistakes.append((f'{table}."{key}"', problem))
    return mistakes


def _outcome_mistakes(outcomes: Any, codes: list[str]) -> list[tuple[str, str]]:
    """Each name in outcomes.keep that is no outcome, nor a pattern with a code of the world."""
    keep = outcomes.get("keep") if isinstance(outcomes, dict) else None
    names = [name for name in keep if isinstance(name, str)] if isinstance(keep, list) else []
    filled = [pattern.replace("<CODE>", code) for pattern in PATTERNS for code in codes]
    return [
        (
            "outcomes.keep",
            t(
                "sweep.unknown_outcome",
                value=name,
                allowed=allowed_list(name, [*OUTCOMES, *PATTERNS], also=filled),
                codes=", ".join(codes),
            ),
        )
        for name in dict.fromkeys(names)
        if name not in OUTCOMES and pattern_code(name) not in codes
    ]


NUMBER_MEMBERS = ("int", "float")  # how pydantic names the members of ``int | float``


def _shape_mistakes(error: ValidationError) -> list[tuple[str, str]]:
    """Each of pydantic's problems as (key path, sentence), the sweep catalogue's first."""
    mistakes = []
    for problem in error.errors(include_url=False):
        loc = [p for p in problem["loc"] if not (isinstance(p, str) and p.startswith(TAG))]
        if loc and loc[-1] in NUMBER_MEMBERS:  # ``int | float``: one problem, not one per type
            loc, problem = loc[:-1], {**problem, "type": "float_type"}
        if loc[:1] == ["levers"] and problem["type"] == "list_type" and _is_range(problem["input"]):
            problem = {**problem, "type": "lever_range"}  # a range under [levers]: say where
        at = problem.get("ctx", {}).get("at")
        if at is not None:
            loc = list(at) if isinstance(at, tuple) else [*loc, at]
        mistakes.append((_format_loc(loc), problem_text(problem, loc, topics=("sweep",))))
    return list(dict.fromkeys(mistakes))


def _is_range(value: Any) -> bool:
    return isinstance(value, dict) and {"low", "high"} <= set(value)


def _format_loc(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part) else f'"{part}"'
            text += f".{name}" if text else name
    return text
