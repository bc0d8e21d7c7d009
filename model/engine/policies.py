"""Apply a country's measures to the world's arrays, or refuse them with a reason.

An action is checked whole before anything changes, so a refused action leaves no trace
but its refusal in the event log.
"""

from functools import lru_cache

import numpy as np

from agents.actions import (
    ALL,
    MAX_DELAY,
    MAX_DEMAND_FACTOR,
    MAX_RAMP,
    MAX_SHOCK_DURATION,
    MAX_STRIKE,
    MAX_TARIFF,
    MIN_DEMAND_FACTOR,
    MIN_USD,
    Action,
    Demand,
    ExportControl,
    Shock,
    Stockpile,
    Subsidy,
    Tariff,
)
from model.data.world_data import WorldData
from model.engine.evolve import payback_gap
from model.engine.state import DemandShift, Licence, State
from model.engine.state import Shock as ActiveShock
from model.text import exact_percent, language, number, percent, quarter, t, tonnage


def disbursed(world: WorldData, parameters: dict, quarter: int) -> np.ndarray:
    """(C,) USD each government's programmes pay out in calendar ``quarter``.

    ``quarter`` is year × 4 + quarter − 1 (world_data.quarter_index). Programmes come from
    the world's programmes.csv (amount, first quarter, quarters); a one-off (Project
    Vault's USD 12 bn) pays out whole in its first quarter. An economy with no programme
    listed gets ``unlisted_budget_share`` of its GDP a year, as does every economy of a
    world without programme data.
    """
    C = len(world.codes)
    unlisted = parameters.get("unlisted_budget_share", 0.0) * world.gdp  # gdp is per quarter
    if world.programmes is None:
        return unlisted.copy()
    country, usd, start, quarters = world.programmes.T
    owners = country.astype(int)
    active = (start <= quarter) & (quarter < start + quarters)
    money = np.bincount(owners, weights=np.where(active, usd / quarters, 0.0), minlength=C)
    listed = np.bincount(owners, minlength=C) > 0
    return np.where(listed, money, unlisted)


def open_quarter(state: State, world: WorldData, parameters: dict, quarter: int) -> None:
    """A new quarter's budgets: what was not spent carries over, the programmes pay in.

    Opening the quarter already open changes nothing (the World opens its first quarter
    when it is made, so budgets are known before the first decisions).
    """
    if state.funds_quarter == quarter:
        return
    state.funds_quarter = quarter
    funds = np.zeros(len(world.codes)) if state.funds is None else state.funds
    spent = np.zeros(len(world.codes)) if state.subsidy_spend is None else state.subsidy_spend
    state.funds = funds - spent + disbursed(world, parameters, quarter)
    state.subsidy_spend = np.zeros(len(world.codes))
    state.contract_paid = np.zeros(len(world.codes))
    state.set_aside = np.zeros(len(world.codes))
    state.grant_paid = np.zeros(len(world.codes))
    state.stock_orders = np.zeros_like(state.stock)


def spending(state: State) -> np.ndarray:
    """(C,) what the quarter's policies cost the economy, USD, for the score.

    Money set aside for capital grants and contracts for difference leaves the budget at
    once but is no cost until it is paid: a grant when plants are ordered (the capex it
    pays); a contract's payments go to the economy's own producers, a transfer within it.
    """
    spent = state.subsidy_spend
    if state.set_aside is not None:
        spent = spent - state.set_aside
    if state.grant_paid is not None:
        spent = spent + state.grant_paid
    return spent


def budget(world: WorldData, actor: int, state: State | None = None) -> float:
    """What ``actor`` may spend this quarter on stockpiles, subsidies and investment abroad,
    before this quarter's spending: its programmes' money not yet spent (``state.funds``).

    Without a state, what the quarter after the world's base year pays in.
    """
    if state is not None and state.funds is not None:
        return float(state.funds[actor])
    return float(disbursed(world, world.parameters, 4 * world.year + 4)[actor])


def budget_left(world: WorldData, actor: int, state: State) -> float:
    """What ``actor`` may still spend this quarter."""
    return budget(world, actor, state) - float(state.subsidy_spend[actor])


def _private_subsidy(action, state, world, actor, goods, what, funded) -> str:
    """A capital grant or a contract for difference: money private investors count on.

    The news says how much of the gap between a new plant's capex and what its margin pays
    back (at today's smoothed price and the world's discount rate) the subsidy closes.
    """
    _check_range(action.usd, MIN_USD, np.inf, "usd")
    if action.share is not None and action.strike is not None:
        raise PolicyError(t("scenario.one_instrument"))
    capex = world.plant_capex[actor, goods]
    gap = payback_gap(world, world.parameters, state, state.price_trend)[actor, goods]
    grant = action.share is not None
    terms = action.share if grant else action.strike
    _check_positive(terms, 1.0 if grant else MAX_STRIKE, "share" if grant else "strike")
    charge(state, world, actor, action.actor, action.usd, funded)
    state.set_aside[actor] += action.usd
    usd = action.usd / len(goods)
    # A second grant or contract for the same good pools its money: money-weighted terms.
    if grant:
        held = state.grant_usd[actor, goods]
        state.grant_share[actor, goods] = _pooled(state.grant_share[actor, goods], held, terms, usd)
        state.grant_usd[actor, goods] += usd
        closed = action.share * capex
        key, size = "news.subsidy_grant", percent(action.share)
    else:
        held = state.cfd_usd[actor, goods]
        state.cfd_strike[goods, actor] = _pooled(state.cfd_strike[goods, actor], held, terms, usd)
        state.cfd_usd[actor, goods] += usd
        at_strike = np.maximum(state.price_trend, 0.0)
        at_strike[goods, actor] = np.maximum(at_strike[goods, actor], action.strike)
        closed = gap - payback_gap(world, world.parameters, state, at_strike)[actor, goods]
        key, size = "news.subsidy_cfd", number(action.strike, 2)
    if gap.sum() <= 0:
        effect = t("news.subsidy_pays_already")
    else:
        effect = t("news.subsidy_closes", share=percent(min(closed.sum() / gap.sum(), 1.0)))
    return t(
        key, actor=action.actor, good=what, usd=number(action.usd / 1e6), size=size, effect=effect
    )


def _pooled(old: np.ndarray, old_usd: np.ndarray, new: float, usd: float) -> np.ndarray:
    """Terms of a fund that receives ``usd`` more on ``new`` terms: weighted by the money."""
    return (old * old_usd + new * usd) / (old_usd + usd)


def _check_positive(value: float, high: float, name: str) -> None:
    """A share or price that must be above 0 and at most ``high``."""
    if not np.isfinite(value) or not 0.0 < value <= high:
        raise PolicyError(t("news.refused_positive", name=name, value=value, high=high))


def charge(
    state: State, world: WorldData, actor: int, code: str, usd: float, funded: bool = False
) -> None:
    """Take ``usd`` from ``actor``'s budget this quarter; PolicyError if it has not got it
    (stockpiles, subsidies, and an investment abroad when it is proposed)."""
    if funded and state.funds is not None:  # the scenario states the money: it is there
        state.funds[actor] += usd
    left = budget_left(world, actor, state)
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


def economy_indices(world: WorldData, targets) -> np.ndarray:
    """The economies ``targets`` names, the actor's own included ("all": every economy)."""
    if ALL in targets:
        return np.arange(len(world.codes))
    unknown = [code for code in targets if code not in world.codes]
    if unknown:
        raise PolicyError(t("news.refused_unknown_country", code=", ".join(unknown)))
    return np.array([world.country(code) for code in targets])


def good_label(mineral: str, stage: str) -> str:
    """A good as the news names it, in the reader's language."""
    return _good_label(mineral, stage, language())


@lru_cache(maxsize=1024)
def _good_label(mineral: str, stage: str, lang: str) -> str:
    # Said once per language: every outage's news names its good (25 µs a time).
    mineral_name = t(f"news.mineral_{mineral}", lang=lang)
    stage_name = t(f"news.stage_{stage}", lang=lang)
    good_id = f"{stage}_{mineral}"
    return t("news.good", lang, mineral=mineral_name, stage=stage_name, good_id=good_id)


def producer_label(world: WorldData, code: str, mineral: str, stage: str) -> str:
    """A good as one producer makes it: Indonesia's "mined nickel" is MHP and matte."""
    label = good_label(mineral, stage)
    product = world.intermediates.get((code, mineral, stage))
    if product is None:
        return label
    return t("products.intermediate_good", good=label, product=t(f"products.{product}"))


def _targets_label(targets) -> str:
    return t("news.everyone") if ALL in targets else ", ".join(targets)


def _check_range(value: float, low: float, high: float, name: str) -> None:
    if not np.isfinite(value) or not low <= value <= high:
        raise PolicyError(t("news.refused_range", name=name, value=value, low=low, high=high))


def _calendar(state: State, step: int, later: int) -> str:
    """Step ``later`` as the quarter a person reads ("2027 Q3"), from the quarter open now."""
    if state.funds_quarter is None:
        return str(later)
    index = state.funds_quarter + later - step
    return quarter(index // 4, index % 4 + 1)


def apply(action: Action, state: State, world: WorldData, step: int, funded: bool = False) -> str:
    """Change ``state`` for ``action`` and return the news sentence; raise PolicyError.

    ``funded``: the scenario's script (or a teacher's card) pays for it, so the budget
    cannot refuse it: history spent that money whatever the programmes table says.
    Every check comes before the first change, so a refused action leaves ``state`` as it
    was (World.apply relies on it instead of copying the state for each measure).
    """
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
                rate=exact_percent(action.rate),
            )
        case ExportControl():
            what = producer_label(world, action.actor, action.mineral, action.stage)
            _check_range(action.level, 0.0, 1.0, "level")
            buyers = target_indices(world, action.actor, action.targets)
            _check_range(action.delay, 0, MAX_DELAY, "delay")
            if action.delay > 0:  # licensing: nothing ships until licences are granted
                state.export_level[np.ix_(goods, buyers, [actor])] = 0.0
                state.licences.append(
                    Licence(
                        due=step + int(action.delay),
                        goods=goods,
                        buyers=buyers,
                        exporter=actor,
                        level=action.level,
                        mineral=action.mineral,
                        stage=action.stage,
                    )
                )
                return t(
                    "news.export_licensing",
                    actor=action.actor,
                    good=what,
                    targets=_targets_label(action.targets),
                    delay=int(action.delay),
                    level=exact_percent(action.level),
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
                level=exact_percent(action.level),
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
                charge(state, world, actor, action.actor, float(cost.sum()), funded)
            state.stock_orders[actor, goods] += per_good
            key = "news.stockpile_buy" if per_good > 0 else "news.stockpile_release"
            return t(key, actor=action.actor, good=what, tonnes=tonnage(abs(action.tonnes)))
        case Subsidy() if action.share is not None or action.strike is not None:
            return _private_subsidy(action, state, world, actor, goods, what, funded)
        case Subsidy():
            _check_range(action.usd, MIN_USD, np.inf, "usd")
            charge(state, world, actor, action.actor, action.usd, funded)
            per_good = action.usd / len(goods)
            # At the actor's own capex (costs.csv): a subsidy buys less where plants cost more.
            new = per_good / world.plant_capex[actor, goods]
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
                when=_calendar(state, step, int(arrival.max())),
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
        case Demand():
            _check_range(action.factor, MIN_DEMAND_FACTOR, MAX_DEMAND_FACTOR, "factor")
            _check_range(action.duration, 1, MAX_SHOCK_DURATION, "duration")
            _check_range(action.ramp, 0, min(MAX_RAMP, action.duration), "ramp")
            countries = economy_indices(world, action.targets)
            state.demand_shifts.append(
                DemandShift(
                    countries,
                    goods,
                    action.factor,
                    step,
                    int(action.ramp),
                    step + int(action.duration) - 1,
                )
            )
            key = "demand.boom" if action.factor >= 1 else "demand.slump"
            return t(
                key,
                good=what,
                targets=t("demand.everywhere")
                if ALL in action.targets
                else ", ".join(action.targets),
                change=f"{abs(action.factor - 1):.0%}",
                ramp=int(action.ramp),
                duration=int(action.duration),
            )
    raise PolicyError(t("news.refused_kind", kind=type(action).__name__))
