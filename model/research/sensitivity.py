"""Global sensitivity for a sweep drawn with SALib's designs: Sobol' indices and Morris screening.

A ``sobol`` sweep (model/research/spec.py) runs Saltelli's design: base samples × (factors
+ 2) points, in the order ``SALib.analyze.sobol`` reads them. S1 is the share of an
outcome's variance one uncertainty explains alone; ST the share it has a hand in,
interactions included (Saltelli et al. 2010, doi:10.1016/j.cpc.2009.09.018). A
``morris`` sweep runs one-at-a-time trajectories; mu_star ranks the factors by the mean
absolute elementary effect, sigma flags interactions or curvature (Campolongo et al.
2007, doi:10.1016/j.envsoft.2006.10.004).

Seeds: every sample point runs the same ``replications`` seeds (common random numbers,
model/research/spec.py), so two points that differ in one uncertainty differ in nothing
else, and an uncertainty with no effect gets an ST of 0, not the seeds' noise. The
indices are computed on each point's mean over its seeds. ``seed_share`` says how much
of the runs' variance is the model's own randomness (the mean variance between the seeds
of one point over the variance of all runs); ``noise_floor`` is what an uncertainty with
no effect would get from that noise without common seeds, (the seeds' variance /
(replications - 1)) / the variance of the point means: a yardstick, since an effect the
seeds can swamp is fragile. Levers are held fixed: each lever combination is its own
design and gets its own indices.
"""

import warnings

import numpy as np
import pandas as pd

from model.research.analysis import BOOTSTRAP_SEED, AnalysisError, Sweep, printed
from model.research.spec import MORRIS_LEVELS, SALIB_SAMPLERS
from model.text import t

CONFIDENCE = 0.95
RESAMPLES = 500  # bootstrap resamples for the intervals (SALib's default is 100)
SOBOL = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS = ("mu_star", "mu_star_conf", "mu", "sigma")


def salib_indices(
    sweep: Sweep, outcomes: list[str] | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per lever group, outcome and uncertainty: Sobol' S1 and ST, or Morris mu_star and
    sigma, each with its 95 % bootstrap half-width, and the outcome's ``seed_share``."""
    if sweep.sampler not in SALIB_SAMPLERS:
        raise AnalysisError(t("sensitivity.not_salib", sampler=sweep.sampler or "?"))
    outcomes, keys = sweep.pick_outcomes(outcomes), sweep.group_keys(by)
    try:
        from SALib.analyze import morris, sobol
    except ImportError:
        raise AnalysisError(t("analysis.no_salib")) from None
    factors = list(sweep.uncertainties)
    problem = {"num_vars": len(factors), "names": factors, "bounds": [[0, 1]] * len(factors)}
    reps = sweep.replications
    runs = sweep.runs.sort_values("run_id")
    groups = runs.groupby(keys, sort=False) if keys else [((), runs)]
    rows = []
    for key, group in groups:
        where = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        label = ", ".join(f"{k} = {v}" for k, v in where.items()) or t("analysis.all_runs")
        if len(group) % reps or (group["status"] != "ok").any():
            raise AnalysisError(t("sensitivity.needs_every_run", group=label))
        points = group.iloc[::reps]
        for outcome in outcomes:
            y = group[outcome].to_numpy(dtype=float).reshape(-1, reps)
            mean = y.mean(axis=1)
            total = y.var()
            seed_share = noise_floor = np.nan
            if reps > 1 and total > 0:
                within = y.var(axis=1).mean()  # the seeds' variance at one point
                seed_share = float(within / total)
                if mean.var() > 0:
                    noise_floor = float(within / (reps - 1) / mean.var())
            base = {
                **where,
                "outcome": outcome,
                "runs": len(group),
                "seed_share": seed_share,
                "noise_floor": noise_floor,
            }
            if np.ptp(mean) == 0:  # nothing to share out
                stats = dict.fromkeys(SOBOL if sweep.sampler == "sobol" else MORRIS, np.nan)
                rows += [{**base, "uncertainty": f, **stats} for f in factors]
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if sweep.sampler == "sobol":
                    result = sobol.analyze(
                        problem,
                        mean,
                        calc_second_order=False,
                        num_resamples=RESAMPLES,
                        conf_level=CONFIDENCE,
                        seed=BOOTSTRAP_SEED,
                    )
                else:
                    x = _unit(points[factors])
                    result = morris.analyze(
                        problem,
                        x,
                        mean,
                        num_resamples=RESAMPLES,
                        conf_level=CONFIDENCE,
                        num_levels=MORRIS_LEVELS,
                        seed=BOOTSTRAP_SEED,
                    )
            names = SOBOL if sweep.sampler == "sobol" else MORRIS
            rows += [
                {**base, "uncertainty": f, **{n: float(result[n][i]) for n in names}}
                for i, f in enumerate(factors)
            ]
    columns = [*keys, "outcome", "uncertainty"]
    names = SOBOL if sweep.sampler == "sobol" else MORRIS
    return pd.DataFrame(rows, columns=[*columns, *names, "seed_share", "noise_floor", "runs"])


def _unit(values: pd.DataFrame) -> np.ndarray:
    """Each factor's values mapped onto [0, 1] by its own range, as the design drew them."""
    x = values.to_numpy(dtype=float)
    low, high = x.min(axis=0), x.max(axis=0)
    return (x - low) / np.where(high > low, high - low, 1.0)


def salib_report(indices: pd.DataFrame, keys: list[str], sampler: str) -> list[str]:
    """The lines `minerals analyse` prints for a Sobol' or Morris sweep."""
    lines = ["", t(f"sensitivity.{sampler}_heading"), t("sensitivity.seed_share_note")]
    names = list(SOBOL if sampler == "sobol" else MORRIS)
    for outcome, block in indices.groupby("outcome", sort=False):
        lines += ["", t("sensitivity.outcome", outcome=outcome)]
        extra = ["seed_share", "noise_floor"] if sampler == "sobol" else ["seed_share"]
        table = block[[*keys, "uncertainty", *names, *extra]]
        lines.append(printed(table, ".3f"))
    return lines
