"""The World as an EMA Workbench function model (the optional extra ``ema``).

EMA Workbench (Kwakkel 2017) brings what the built-in sweep lacks: Sobol, Morris and
FAST samplers, PRIM and CART scenario discovery, many-objective robust optimisation. A
sweep spec (docs/research.md) says everything EMA needs:

- levers -> ``CategoricalParameter`` levers (policy choices),
- uncertainties -> ``RealParameter`` / ``IntegerParameter`` ({low, high}) or
  ``CategoricalParameter`` (a list),
- ``seed`` -> an ``IntegerParameter`` uncertainty: EMA crosses every scenario (point of
  the uncertainties, seed included) with every policy, so policies meet the same random
  outages, the common random numbers the sweep uses too,
- keep -> ``ScalarOutcome`` per outcome.

Key paths are not Python identifiers, so each becomes one (``identifier``). Each
experiment runs through ``sweep.run_one``: EMA and ``minerals sweep`` compute the same
numbers for the same values and seed. ``design`` gives the sweep's own experiments as EMA
samples, to reproduce a sweep in EMA or to check one against the other.
"""

import re
from itertools import product
from pathlib import Path
from typing import Any

from model.data.scenario import MAX_SEED
from model.research.spec import Range, Run, Setup, SweepSpec, load_spec
from model.research.sweep import run_one


def identifier(key_path: str) -> str:
    """``"coalitions[0].price_floor"`` -> ``"coalitions_0_price_floor"``: a Python name."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", key_path).strip("_")


def identifiers(spec: SweepSpec) -> dict[str, str]:
    """Identifier -> key path, for the spec's levers and uncertainties."""
    return {identifier(key): key for key in spec.factors}


def _plain(value: Any) -> Any:
    """EMA hands numpy scalars over; the scenario format reads plain Python values."""
    return value.item() if hasattr(value, "item") else value


class Experiment:
    """``f(seed=…, **identifiers) -> {outcome: value}``: one experiment, as the sweep runs it.

    A class rather than a closure, so EMA's MultiprocessingEvaluator can pickle it. A
    failed run gives NaN outcomes, as in the sweep's runs table.
    """

    def __init__(self, spec: SweepSpec):
        self.setup: Setup = spec.setup
        self.paths = identifiers(spec)

    def __call__(self, seed: int, **values: Any) -> dict[str, float]:
        run = Run(0, int(seed), {self.paths[name]: _plain(v) for name, v in values.items()})
        row = run_one(self.setup, run)
        return {name: float(row[name]) for name in self.setup.keep}


def model(spec: SweepSpec | str | Path, name: str | None = None):
    """An ``ema_workbench.Model`` of a sweep spec (a path or a loaded spec)."""
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
    )

    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    ema_model = Model(name or identifier(spec.name), function=Experiment(spec))
    uncertainties = [IntegerParameter("seed", 0, MAX_SEED)]
    for key, spread in spec.uncertainties.items():
        if isinstance(spread, Range) and spread.whole:
            uncertainties.append(IntegerParameter(identifier(key), spread.low, spread.high))
        elif isinstance(spread, Range):
            uncertainties.append(RealParameter(identifier(key), spread.low, spread.high))
        else:
            uncertainties.append(CategoricalParameter(identifier(key), list(spread)))
    ema_model.uncertainties = uncertainties
    ema_model.levers = [
        CategoricalParameter(identifier(key), list(values)) for key, values in spec.levers.items()
    ]
    ema_model.outcomes = [ScalarOutcome(outcome) for outcome in spec.outcomes.keep]
    return ema_model


def design(spec: SweepSpec | str | Path) -> tuple[list, list]:
    """The sweep's own experiments as EMA ``(scenarios, policies)`` samples.

    ``perform_experiments(model(spec), scenarios, policies)`` then runs exactly the runs
    of ``minerals sweep`` (each point with its spawned seed, crossed with every lever
    combination), in EMA's order: policy by policy, as the sweep's design.
    """
    from ema_workbench import Sample

    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    runs = spec.design()
    per_policy = len(runs) // max(1, len(list(product(*spec.levers.values()))))
    scenarios = [
        Sample(
            name=f"point-{run.run_id}",
            seed=run.seed,
            **{identifier(k): run.values[k] for k in spec.uncertainties},
        )
        for run in runs[:per_policy]
    ]
    policies = [
        Sample(
            name=f"policy-{p}",
            **{identifier(k): v for k, v in zip(spec.levers, combo, strict=True)},
        )
        for p, combo in enumerate(product(*spec.levers.values()))
    ]
    return scenarios, policies
