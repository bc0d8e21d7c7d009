"""Apply a country's measures to the world's arrays, or refuse them with a reason.

An action is checked whole before anything changes, so a refused action leaves no trace
but its refusal in the event log.
"""

import numpy as np

from agents.actions import (
    ALL,
    MAX_DELAY,
    MAX_SHOCK_DURATION,
    MAX_TARIFF,
    MIN_USD,
    Action,
    ExportControl,
    Shock,
    Stockpile,
    Subsidy,
    Tariff,
)
from model.data.world_data import WorldData
from model.engine.state import Shock as ActiveShock
from model.engine.state import State
from model.text import number, percent, t

# What a government may spend on stockpiles, subsidies and investments in one quarter, as a
# share of its quarterly GDP. Assumption: the US reserve (USD ~12 bn, Project Vault) is about
# 0.04 % of a year's GDP; 0.2 % a quarter leaves room for several such programmes.
BUDGET_SHARE = 0.002


def budget(world: WorldData, actor: int) -> float:
    return BUDGET_SHARE * world.gdp[actor]


def _spend(state: State, world: WorldData, actor: int, code: str, usd: float) -> None:
    left = budget(world, actor) - state.subsidy_spend[actor]
    if usd > left + 1e-6:
        raise PolicyError(
            t(
                "news.refused_budget",
                actor=code,
                usd=number(usd / 1e6),
                left=number(max(left, 0) / 1e6),
            )
        )
    state.subsidy_spend[actor] += usd


class PolicyError(ValueError):
    """An action that cannot be applied; the message says why."""


def good_indices(world: WorldData, mineral: str, stage: str) -> np.ndarray:
    chosen = [
        g for g, (m, s) in enumerate(world.goods) if mineral in (ALL, m) and stage in (ALL, s)
    ]
    if not chosen:
        raise PolicyError(t("news.refused_good", mineral=mineral, stage=stage))
    return np.array(chosen)


def target_indices(world: WorldData, actor: str, targets) -> np.ndarray:
    if ALL in targets:
        return np.array([c for c, code in enumerate(world.codes) if code != actor])
    unknown = [code for code in targets if code not in world.codes]
    if unknown:
        raise PolicyError(t("news.refused_unknown_country", code=", ".join(unknown)))
    if actor in targets:
        raise PolicyError(t("news.refused_self", actor=actor))
    return np.array([world.country(code) for code in targets])


def good_label(mineral: str, stage: str) -> str:
    mineral_name, stage_name = t(f"news.mineral_{mineral}"), t(f"news.stage_{stage}")
    return t("news.good", mineral=mineral_name, stage=stage_name, good_id=f"{stage}_{mineral}")


def _targets_label(targets) -> str:
    return t("news.everyone") if ALL in targets else ", ".join(targets)


def _check_range(value: float, low: float, high: float, name: str) -> None:
    if not np.isfinite(value) or not low <= value <= high:
        raise PolicyError(t("news.refused_range", name=name, value=value, low=low, high=high))


def apply(action: Action, state: State, world: WorldData, step: int) -> str:
    """Change ``state`` for ``action`` and return the news sentence; raise PolicyError."""
    if action.actor not in world.codes:
        raise PolicyError(t("news.refused_unknown_country", code=action.actor))
    actor = world.country(action.actor)
    goods = good_indices(world, action.mineral, action.stage)
    what = good_label(action.mineral, action.stage)
    match action:
        case Tariff():
            _check_range(action.rate, 0.0, MAX_TARIFF, "rate")
            sources = target_indices(world, action.actor, action.targets)
            state.tariff[np.ix_(goods, [actor], sources)] = action.rate
            key = "news.tariff" if action.rate > 0 else "news.tariff_lifted"
            return t(
                key,
                actor=action.actor,
                good=what,
                targets=_targets_label(action.targets),
                rate=percent(action.rate),
            )
        case ExportControl():
            _check_range(action.level, 0.0, 1.0, "level")
            buyers = target_indices(world, action.actor, action.targets)
            _check_range(action.delay, 0, MAX_DELAY, "delay")
            if action.delay > 0:  # licensing: nothing ships until licences are granted
                state.export_level[np.ix_(goods, buyers, [actor])] = 0.0
                state.licences.append(
                    (
                        step + int(action.delay),
                        goods,
                        buyers,
                        actor,
                        action.level,
                        (action.mineral, action.stage),
                    )
                )
                return t(
                    "news.export_licensing",
                    actor=action.actor,
                    good=what,
                    targets=_targets_label(action.targets),
                    delay=int(action.delay),
                    level=percent(action.level),
                )
            state.export_level[np.ix_(goods, buyers, [actor])] = action.level
            key = (
                "news.export_ban"
                if action.level == 0
                else "news.export_lifted"
                if action.level == 1
                else "news.export_quota"
            )
            return t(
                key,
                actor=action.actor,
                good=what,
                targets=_targets_label(action.targets),
                level=percent(action.level),
            )
        case Stockpile():
            if not np.isfinite(action.tonnes) or action.tonnes == 0:
                raise PolicyError(t("news.refused_tonnes", value=action.tonnes))
            per_good = action.tonnes / len(goods)
            if per_good < 0 and (state.stock[actor, goods] < -per_good - 1e-9).any():
                held = state.stock[actor, goods].sum()
                raise PolicyError(
                    t("news.refused_stock", actor=action.actor, good=what, held=number(held))
                )
            if per_good > 0:
                cost = per_good * world.price0[goods] * state.paid[goods, actor]
                _spend(state, world, actor, action.actor, float(cost.sum()))
            state.stock_orders[actor, goods] += per_good
            key = "news.stockpile_buy" if per_good > 0 else "news.stockpile_release"
            return t(key, actor=action.actor, good=what, tonnes=number(abs(action.tonnes)))
        case Subsidy():
            _check_range(action.usd, MIN_USD, np.inf, "usd")
            _spend(state, world, actor, action.actor, action.usd)
            per_good = action.usd / len(goods)
            new = per_good / world.capex[goods]
            arrival = step + np.maximum(world.build_lag[goods].round().astype(int), 1)
            for g, when, tonnes in zip(goods, arrival, new, strict=True):
                state.pipeline.setdefault(int(when), np.zeros_like(state.capacity))[actor, g] += (
                    tonnes
                )
            return t(
                "news.subsidy",
                actor=action.actor,
                good=what,
                usd=number(action.usd / 1e6),
                tonnes=number(new.sum() * world.steps_per_year),
                when=int(arrival.max()),
            )
        case Shock():
            _check_range(action.capacity_factor, 0.0, 1.0, "capacity_factor")
            _check_range(action.duration, 1, MAX_SHOCK_DURATION, "duration")
            for g in goods:
                state.shocks.append(
                    ActiveShock(
                        actor, int(g), action.capacity_factor, step + int(action.duration) - 1
                    )
                )
            return t(
                "news.shock",
                actor=action.actor,
                good=what,
                factor=percent(1 - action.capacity_factor),
                duration=int(action.duration),
            )
    raise PolicyError(t("news.refused_kind", kind=type(action).__name__))
