"""Sweeps: many headless runs of one scenario over levers, uncertainties and seeds.

A sweep spec (TOML, ``configs/sweeps/``) names a base scenario, levers (policy choices,
always crossed as a grid), uncertainties (lists crossed as a grid, or ``{low, high}``
ranges sampled at random or by Latin hypercube), replications, a master seed and the
outcomes to keep. Every run is one row of the ``runs`` table; each finished run also
writes its own row file, so a sweep that stops can be resumed. Runs go to a serial loop,
a process pool or any ``concurrent.futures.Executor`` (Dask's included) and give the
same table on all of them.
"""

import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from multiprocessing import get_context
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from tqdm import tqdm

from model.data.files import InputError, parse_toml, read_text, shown
from model.data.scenario import (
    MAX_SEED,
    MAX_STEPS,
    PROBLEMS,
    ScenarioError,
    StrictModel,
    bound,
    display_path,
    load_scenario,
    parse_override,
)
from model.data.world_data import load_world
from model.engine.recorder import TABLES
from model.text import t

SAMPLERS = ("grid", "random", "lhs")
MAX_RUNS = 1_000_000  # about a week of 40-quarter baseline runs on two cores
RUNS_DIR = "runs"
SERIES_DIR = "series"
DESIGN_FILE = "sweep.json"
# Header keys a lever may not set: the sweep itself gives every run its steps and seed.
RESERVED = {("scenario", "steps"), ("scenario", "seed")}
TAG = "~"  # marks the tags of the lever/uncertainty unions, dropped from error locations


class SweepError(ScenarioError):
    """A sweep spec or a sweep argument is wrong; ``str(e)`` is the one message."""


# --- the outcomes catalogue --------------------------------------------------------------

Tables = Mapping[str, pd.DataFrame]


class LazyTables(Mapping):
    """A finished run's output tables, each built the first time an outcome reads it.

    Outcomes need a few of the six tables (the flows table, the dearest, none of the
    catalogue's); ``derived`` keeps figures several outcomes share, computed once per run.
    """

    def __init__(self, recorder: Any):
        self._recorder = recorder
        self._built: dict[str, pd.DataFrame] = {}
        self.derived: dict[str, Any] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._built:
            if name not in TABLES:
                raise KeyError(name)
            self._built[name] = self._recorder.table(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)


def _last(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["step"] == frame["step"].max()]


def _refined_value(tables: Tables) -> pd.Series:
    """Refined production at the last step by country, valued at the producer's price."""
    derived = getattr(tables, "derived", {})
    if "refined_value" not in derived:
        key = ["step", "country", "mineral", "stage"]
        production = _last(tables["production"])
        production = production[production["stage"] == "refined"]
        prices = _last(tables["prices"])[[*key, "producer_price"]]
        both = production.merge(prices, on=key)
        value = both["production"] * both["producer_price"]
        derived["refined_value"] = value.groupby(both["country"]).sum()
    return derived["refined_value"]


def _china_refined_share(world, tables: Tables) -> float:
    value = _refined_value(tables)
    return float(value.get("CHN", 0.0) / value.sum())


def _deal_count(status: str) -> Callable[[Any, Tables], float]:
    def count(world, tables: Tables) -> float:
        deals = tables["deals"]
        return float(deals.loc[deals["status"] == status, "deal_id"].nunique())

    return count


# name -> (meaning, function of the finished world and its tables). Every outcome is a
# float, so a failed run's row holds NaN in the same column type.
OUTCOMES: dict[str, tuple[str, Callable[[Any, Tables], float]]] = {
    "mean_score": (
        "mean of the countries' scores at the last step",
        lambda w, tb: float(_last(tb["countries"])["score"].mean()),
    ),
    "mean_gdp_index": (
        "mean of the countries' GDP indices at the last step (1.0 = base year)",
        lambda w, tb: float(_last(tb["countries"])["gdp_index"].mean()),
    ),
    "china_refined_share": (
        "China's share of world refined production at the last step, by value over all "
        "refined goods (tonnes × producer price)",
        _china_refined_share,
    ),
    "non_china_refined_share": (
        "1 − china_refined_share",
        lambda w, tb: 1.0 - _china_refined_share(w, tb),
    ),
    "world_shortage_share_mean": (
        "the world's unserved share of final demand (by value at base prices), mean over steps",
        lambda w, tb: float(
            w.datacollector.get_model_vars_dataframe()["world_shortage_share"].mean()
        ),
    ),
    "max_shortage_share": (
        "the worst shortage share of any country in any step",
        lambda w, tb: float(tb["countries"]["shortage_share"].max()),
    ),
    "mean_price_index": (
        "mean delivered price index over countries and goods at the last step (1.0 = base year)",
        lambda w, tb: float(w.outcome.index.mean()),
    ),
    "deals_accepted": ("number of deals accepted during the run", _deal_count("accepted")),
    "breaches": ("number of deals breached during the run", _deal_count("breached")),
}
# Patterns: a name with an economy code in place of <CODE>.
PATTERNS: dict[str, tuple[str, Callable[[str], Callable[[Any, Tables], float]]]] = {
    "final_score_<CODE>": (
        "the score of economy CODE at the last step",
        lambda code: (
            lambda w, tb: float(_last(tb["countries"]).set_index("country").loc[code, "score"])
        ),
    ),
}


def outcome_function(name: str) -> Callable[[Any, Tables], float]:
    """The function computing a catalogue outcome (a fixed name or a filled-in pattern)."""
    if name in OUTCOMES:
        return OUTCOMES[name][1]
    for pattern, (_, make) in PATTERNS.items():
        prefix = pattern.removesuffix("<CODE>")
        if name.startswith(prefix):
            return make(name.removeprefix(prefix))
    raise KeyError(name)


def _pattern_code(name: str) -> str | None:
    for pattern in PATTERNS:
        prefix = pattern.removesuffix("<CODE>")
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return None


# --- the spec ----------------------------------------------------------------------------


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

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    scenario: str = Field(min_length=1)
    steps: int | None = Field(default=None, ge=1, le=MAX_STEPS)  # None: the scenario's own
    replications: int = Field(default=1, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    sampler: Annotated[str, AfterValidator(_sampler)] = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_RUNS)


def _table_names(value: list[str]) -> list[str]:
    for name in value:
        if name not in TABLES:
            raise PydanticCustomError("bad_table", "table", {"value": name, "allowed": TABLES})
    return list(dict.fromkeys(value))


def _distinct(value: list[str]) -> list[str]:
    twice = sorted({name for name in value if value.count(name) > 1})
    if twice:  # each outcome is a column of the runs table: one name, one column
        raise PydanticCustomError("duplicate_outcome", "keep", {"value": twice[0]})
    return value


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
        u = sample_unit(self.header.sampler, self.header.samples, len(names), rng)
        return [
            {name: _at(self.uncertainties[name], q) for name, q in zip(names, row, strict=True)}
            for row in u
        ]

    def design(self) -> list["Run"]:
        """Every run: lever combinations × uncertainty points × replications.

        Seeds are spawned per (point, replication) and shared by every lever combination:
        common random numbers, so two levers are compared under the same shocks.
        """
        points = self.points()
        reps = self.header.replications
        _, seeding = np.random.SeedSequence(self.header.seed).spawn(2)
        seeds = [int(child.generate_state(1)[0]) for child in seeding.spawn(len(points) * reps)]
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


def toml_value(value: Any) -> str:
    """A value as the right-hand side of ``--set key=value``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    return repr(value)  # ints, and floats that read back bit for bit


def overrides(values: dict[str, Any]) -> list[str]:
    return [f"{key}={toml_value(value)}" for key, value in values.items()]


# --- reading and checking a spec ---------------------------------------------------------


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec; raise ``SweepError`` with one message for any mistake.

    Every lever value and range end is applied to the base scenario once, so a bad key
    path or value is refused before any run.
    """
    path = Path(path)
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
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        raise SweepError(_message(error, file)) from None
    scenario = _scenario_location(spec.header.scenario, path.parent)
    try:
        base = load_scenario(scenario, steps=spec.header.steps)
    except ScenarioError as error:
        raise SweepError(t("sweep.bad_scenario", file=file, message=error)) from None
    _check_factors(spec, scenario, file)
    codes = load_world(base.world).codes
    for name in spec.outcomes.keep:
        code = _pattern_code(name)
        if name not in OUTCOMES and (code is None or code not in codes):
            allowed = ", ".join([*OUTCOMES, *PATTERNS])
            raise SweepError(
                t(
                    "sweep.unknown_outcome",
                    file=file,
                    value=name,
                    allowed=allowed,
                    codes=", ".join(codes),
                )
            )
    spec._scenario = scenario
    return spec


def _scenario_location(scenario: str, spec_dir: Path) -> str:
    """A bundled name as is; a relative path from the spec's folder if the file is there."""
    if Path(scenario).suffix or len(Path(scenario).parts) > 1:
        beside = spec_dir / scenario
        return str(beside.resolve()) if beside.is_file() else scenario
    return scenario


def _check_factors(spec: SweepSpec, scenario: str, file: str) -> None:
    for table, factors in (("levers", spec.levers), ("uncertainties", spec.uncertainties)):
        for key, spread in factors.items():
            values = [spread.low, spread.high] if isinstance(spread, Range) else spread
            where = f'{table}."{key}"'
            try:
                key_path, _ = parse_override(f"{key}=0")
                if key_path in RESERVED:
                    raise SweepError(t("sweep.reserved", file=file, key=where))
                for value in values:
                    load_scenario(scenario, overrides({key: value}), steps=spec.header.steps)
            except SweepError:
                raise
            except ScenarioError as error:
                raise SweepError(
                    t("sweep.bad_factor", file=file, key=where, message=error)
                ) from None


def _message(error: ValidationError, file: str) -> str:
    problems = error.errors(include_url=False)
    first = problems[0]
    ctx = dict(first.get("ctx", {}))
    loc = [p for p in first["loc"] if not (isinstance(p, str) and p.startswith(TAG))]
    if "at" in ctx:
        at = ctx["at"]
        loc = list(at) if isinstance(at, tuple) else [*loc, at]
    fields = {k: shown(_show(v)) for k, v in ctx.items() if k != "at"}
    if "allowed" in ctx:
        fields["allowed"] = ", ".join(map(str, ctx["allowed"]))
    for name in ("ge", "le", "gt", "limit"):
        if name in ctx:
            fields[name] = bound(ctx[name])
    fields.setdefault("value", shown(_show(first["input"])))
    kind = first["type"]
    if kind == "string_pattern_mismatch":
        kind = "bad_name"
    try:
        problem = t(f"sweep.{kind}", **fields)
    except KeyError:
        key = PROBLEMS.get(kind, kind)
        try:
            problem = t(f"scenario.{key}", **fields)
        except KeyError:
            problem = t("scenario.invalid", value=fields["value"], detail=first["msg"])
    text = t("sweep.error", file=file, path=_format_loc(loc) or ".", problem=problem)
    if len(problems) > 1:
        text += " " + t("scenario.more_problems", count=len(problems) - 1)
    return text


def _format_loc(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part) else f'"{part}"'
            text += f".{name}" if text else name
    return text


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


# --- one run ---------------------------------------------------------------------------


def run_one(setup: Setup, run: Run, out_dir: str | None = None) -> dict[str, Any]:
    """Run one experiment and return its row; with ``out_dir``, also write its row file.

    Any error in the run is caught and recorded in the row, so the sweep goes on.
    """
    row: dict[str, Any] = {"run_id": run.run_id, "seed": run.seed, **run.values}
    try:
        from model.engine.world import World  # imported here so reading specs stays light

        scenario = load_scenario(
            setup.scenario, overrides(run.values), steps=setup.steps, seed=run.seed
        )
        world = World(scenario, rng=run.seed).run()
        tables = LazyTables(world.recorder)  # only the tables the outcomes read
        outcomes = {name: outcome_function(name)(world, tables) for name in setup.keep}
        if out_dir is not None:
            for name in setup.series:  # before the row: a finished row has its series
                write_series(Path(out_dir), name, run.run_id, tables[name])
        row.update(status="ok", error=None, **outcomes)
    except Exception as error:  # a failing run is data, not a crash
        row.update(failed_row(setup, run, error))
    if out_dir is not None:
        write_row(Path(out_dir), row)
    return row


def failed_row(setup: Setup, run: Run, error: BaseException) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "seed": run.seed,
        **run.values,
        "status": "failed",
        "error": f"{type(error).__name__}: {error}",
        **dict.fromkeys(setup.keep, math.nan),
    }


def row_path(out_dir: Path, run_id: int) -> Path:
    return out_dir / RUNS_DIR / f"run-{run_id}.parquet"


def write_row(out_dir: Path, row: dict[str, Any]) -> None:
    """Write a run's row file whole or not at all, so a killed sweep leaves no half file."""
    path = row_path(out_dir, row["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    pd.DataFrame([row]).to_parquet(partial, index=False)
    os.replace(partial, path)


def write_series(out_dir: Path, table: str, run_id: int, frame: pd.DataFrame) -> None:
    """One run's table in ``series/<table>/run_id=<id>/``: each worker writes its own part.

    ``pandas.read_parquet(out_dir / "series" / table)`` reads them all back, with run_id
    as a column (hive partitioning).
    """
    folder = out_dir / SERIES_DIR / table / f"run_id={run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"part-0.{os.getpid()}.part"
    frame.to_parquet(partial, index=False)
    os.replace(partial, folder / "part-0.parquet")


def read_row(path: Path) -> dict[str, Any] | None:
    try:
        return pd.read_parquet(path).to_dict("records")[0]
    except (OSError, ValueError, IndexError):
        return None  # unreadable: the run is done again


# --- the sweep -------------------------------------------------------------------------


def sweep(
    spec_or_path: str | Path | SweepSpec,
    out_dir: str | Path | None = None,
    executor: None | str | Executor = None,
    workers: int | None = None,
    *,
    csv: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sweep and return its ``runs`` table, one row per run, sorted by run_id.

    ``executor``: None (a process pool of ``workers`` processes, default all cores;
    serial if ``workers == 1``), ``"serial"``, or any ``concurrent.futures.Executor``
    (e.g. ``distributed.Client(address).get_executor()``), which is not shut down.
    With ``out_dir``, each finished run writes ``out_dir/runs/run-<id>.parquet`` (and the
    tables named in ``[outcomes] series`` under ``out_dir/series/``), runs
    already finished there are skipped, and the table is written to ``out_dir/runs.parquet``
    (and ``runs.csv`` with ``csv``).
    """
    spec = spec_or_path if isinstance(spec_or_path, SweepSpec) else load_spec(spec_or_path)
    setup = spec.setup
    runs = spec.design()
    out = Path(out_dir) if out_dir is not None else None
    rows: dict[int, dict[str, Any]] = {}
    if out is not None:
        _claim(out, spec, setup, runs)
        rows = _finished(out, runs)
    pending = [run for run in runs if run.run_id not in rows]
    bar = tqdm(
        total=len(runs),
        initial=len(rows),
        desc=spec.name,
        unit=t("sweep.progress_unit"),
        disable=not progress,
    )
    failed = 0
    with bar:
        for row in _execute(setup, pending, out, executor, workers):
            if out is not None and not row_path(out, row["run_id"]).exists():
                write_row(out, row)  # a remote worker's disk may not be ours
            rows[row["run_id"]] = row
            failed += row["status"] == "failed"
            bar.set_postfix_str(t("sweep.progress_counts", done=len(rows), failed=failed))
            bar.update()
    table = runs_table(setup, [rows[run.run_id] for run in runs])
    table.attrs["skipped"] = len(runs) - len(pending)  # finished in an earlier call
    if out is not None:
        table.to_parquet(out / "runs.parquet", index=False)
        if csv:
            table.to_csv(out / "runs.csv", index=False)
    return table


def runs_table(setup: Setup, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["run_id", "seed", *setup.factors, "status", "error", *setup.keep]
    table = pd.DataFrame(rows, columns=columns)
    table["error"] = table["error"].astype(object).where(table["status"] == "failed", None)
    return table.astype(
        {"run_id": "int64", "seed": "int64", **dict.fromkeys(setup.keep, "float64")}
    )


def _claim(out: Path, spec: SweepSpec, setup: Setup, runs: list[Run]) -> None:
    """Record the sweep's design in ``out``, or refuse a folder holding another sweep."""
    design = json.loads(
        json.dumps(
            {
                "name": spec.name,
                "scenario": setup.scenario,
                "steps": setup.steps,
                "outcomes": list(setup.keep),
                "runs": [[r.run_id, r.seed, r.values] for r in runs],
            }
        )
    )
    path = out / DESIGN_FILE
    if path.is_file():
        try:
            same = json.loads(path.read_text()) == design
        except (OSError, ValueError):
            same = False
        if not same:
            raise SweepError(t("sweep.other_sweep", out=display_path(out)))
        return
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(design, indent=1))


def _finished(out: Path, runs: list[Run]) -> dict[int, dict[str, Any]]:
    """Rows of runs that finished well in an earlier call; failed runs are tried again."""
    rows = {}
    for run in runs:
        path = row_path(out, run.run_id)
        row = read_row(path) if path.is_file() else None
        if row is not None and row.get("status") == "ok":
            rows[run.run_id] = row
    return rows


def _execute(
    setup: Setup,
    runs: list[Run],
    out: Path | None,
    executor: None | str | Executor,
    workers: int | None,
) -> Iterator[dict[str, Any]]:
    where = str(out) if out is not None else None
    if executor == "serial" or (executor is None and workers == 1):
        for run in runs:
            yield run_one(setup, run, where)
        return
    if isinstance(executor, str):
        raise SweepError(t("sweep.bad_executor", value=executor))
    with _pool(executor, workers) as pool:
        futures: dict[Future, Run] = {pool.submit(run_one, setup, run, where): run for run in runs}
        try:
            for future in as_completed(futures):
                error = future.exception()
                # A crash outside the run (a lost worker) is a failed run too.
                run = futures[future]
                yield failed_row(setup, run, error) if error else future.result()
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def _pool(executor: Executor | None, workers: int | None) -> Iterator[Executor]:
    if executor is not None:
        yield executor
        return
    # "spawn": forking a process that already runs threads (pyarrow, tqdm) can deadlock.
    pool = ProcessPoolExecutor(
        max_workers=workers or os.cpu_count(), mp_context=get_context("spawn")
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_client(address: str):
    """A ``distributed.Client`` connected to the scheduler at ``address``."""
    try:
        from distributed import Client
    except ImportError:
        raise SweepError(t("sweep.no_dask")) from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepError(t("sweep.no_scheduler", address=address, reason=error)) from None


def catalogue() -> list[tuple[str, str]]:
    """(name, meaning) of every outcome a spec may keep."""
    return [(name, meaning) for name, (meaning, _) in OUTCOMES.items()] + [
        (name, meaning) for name, (meaning, _) in PATTERNS.items()
    ]
