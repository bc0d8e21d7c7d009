"""Build what one country may see (agents/observation.py) from the world's arrays."""

import numpy as np

from agents.observation import Observation
from model.engine.policies import budget_left


def observation(world, code: str, offers=(), evaluate=None) -> Observation:
    data, state, outcome = world.data, world.state, world.outcome
    c = data.country(code)
    G, C = len(data.goods), len(data.codes)
    if outcome is None:
        flows = world.calibration.flows
        index, producer = world.calibration.index0, np.ones((G, C))
        production = data.production0[c]
    else:
        flows, index, producer = outcome.flows, outcome.index, outcome.price
        production = outcome.production[c]
    imports = flows[:, c, :].copy()  # (G, J)
    bought = imports.sum(axis=1, keepdims=True)
    use_per_day = data.demand0[c] * data.steps_per_year / 365.0
    previous = world.previous_measures
    effective = state.effective_tariff()
    supply = flows.sum(axis=2)  # (G, I) each economy's supply from every source
    metrics = world.last_metrics
    return Observation(
        step=world.steps,
        date=world.quarter_label(),
        country=code,
        role=data.roles[c],
        strategy=world.country_agent(code).strategy,
        codes=list(data.codes),
        goods=list(data.goods),
        imports=imports,
        exports=flows[:, :, c].copy(),
        dependence=np.divide(imports, bought, out=np.zeros_like(imports), where=bought > 0),
        price_index=index[:, c] / world.calibration.index0[:, c],
        producer_price=producer[:, c].copy(),
        production=np.array(production, dtype=float),
        capacity=state.capacity[c].copy(),
        capacity_coming=sum((arriving[c] for arriving in state.pipeline.values()), np.zeros(G)),
        stock_days=np.divide(state.stock[c], use_per_day, out=np.zeros(G), where=use_per_day > 0),
        shortage_share=float(metrics["shortage_share"][c]) if metrics else 0.0,
        score=float(metrics["score"][c]) if metrics else 0.0,
        budget_usd=budget_left(data, c, state),
        my_tariffs=state.tariff[:, c, :].copy(),
        tariffs_on_me=effective[:, :, c].copy(),
        my_controls=state.export_level[:, :, c].copy(),
        controls_on_me=state.export_level[:, c, :].copy(),
        new_tariffs_on_me=np.maximum(effective[:, :, c] - previous[0][:, :, c], 0.0),
        new_controls_on_me=np.maximum(previous[1][:, c, :] - state.export_level[:, c, :], 0.0),
        trust=state.trust[c].copy(),
        coalitions={name: list(club.members) for name, club in state.coalitions.items()},
        coalition_names=world.club_names(),
        deals=[
            {
                "deal_id": d.deal_id,
                "deal": d.deal,
                "parties": d.parties,
                "terms": dict(d.terms),
                "until": d.until,
            }
            for d in state.deals
            if code in d.parties
        ],
        offers=list(offers),
        evaluate=evaluate,
        alignment=data.alignment[c].copy() if data.alignment is not None else None,
        others_tariffs=_typical(effective, c, across=2),
        others_controls=_typical(state.export_level, c, across=1),
        buyers_dependence=np.divide(
            flows[:, :, c], supply, out=np.zeros_like(supply), where=supply > 0
        ),
        refused={
            (partner, deal): when
            for (proposer, partner, deal), when in state.refusals.items()
            if proposer == code
        },
        floor_tariffs_on_me=(
            None if state.floor_tariff is None else state.floor_tariff[:, :, c].copy()
        ),
    )


def _typical(measures: np.ndarray, me: int, across: int) -> np.ndarray:
    """Median of (G, I, J) ``measures`` over the partners other than ``me`` and the setter.

    ``across`` = 2: each importer's typical tariff on exporters (G, I); ``across`` = 1:
    each exporter's typical allowed share to importers (G, J).
    """
    G, C, _ = measures.shape
    empty = 1.0 if across == 1 else 0.0  # what a row with no partner left reads
    # Most goods carry one value everywhere (no tariff, no control): its median is that
    # value, so only the goods whose measures differ are sorted (42 observations of one
    # quarter sorted every good's C × C measures twice each).
    flat = measures.reshape(G, -1)
    uniform = (flat == flat[:, :1]).all(axis=1) if C > 2 else np.zeros(G, bool)
    typical = np.broadcast_to(flat[:, :1].astype(float), (G, C)).copy()
    varying = np.flatnonzero(~uniform)
    if varying.size == 0:
        return typical
    values = measures[varying].astype(float)  # a copy
    others = np.ones((C, C), dtype=bool)
    np.fill_diagonal(others, False)  # nobody taxes or controls itself
    if across == 2:
        others[:, me] = False
    else:
        others[me, :] = False
    values[:, ~others] = np.nan
    # np.nanmedian, without its per-row Python loop: sorting puts the NaNs last, so the
    # median of the n values left is the mean of the two middle ones (exactly the same).
    ordered = np.sort(values, axis=across)
    n = np.expand_dims(np.sum(~np.isnan(values), axis=across), across)
    low = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0), axis=across)
    high = np.take_along_axis(ordered, n // 2, axis=across)
    median = np.where(n > 0, (low + high) / 2, np.nan).squeeze(axis=across)
    typical[varying] = np.nan_to_num(median, nan=empty)
    return typical
