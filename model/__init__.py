"""The critical-minerals world and what is built on it, floor by floor (docs/architecture.md).

* ``model.text`` (and ``locales/``): every word a person reads; anyone may import it.
* ``model.data``: world data sets and the scenario format, read and validated.
* ``model.engine``: the Mesa model (World), markets, economy, policies, diplomacy.
* ``model.game``: games with people (replay, class games, archive, debrief, cards).
* ``model.research``: headless uses (sweeps, analysis, the PettingZoo environment).

``agents/`` (the action contract, observation, controllers, strategies) sits below the
engine, as in Mesa: the model creates and imports its agents. ``make lint`` keeps the floors.


For researchers driving the model from their own code (docs/research.md)::

    from model import World, outcomes

    world = World("baseline", seed=3, trade_cost=0.1).run()
    outcomes(world, ["mean_price_index", "final_score_CHN"])

These names are imported on first use, so ``import model.text`` stays light.
"""

import importlib

PUBLIC = {
    "World": "model.engine.world",
    "outcomes": "model.research.outcomes",
    "catalogue": "model.research.outcomes",
}
__all__ = list(PUBLIC)


def __getattr__(name: str):
    if name not in PUBLIC:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    return getattr(importlib.import_module(PUBLIC[name]), name)
