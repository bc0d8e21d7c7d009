"""The critical-minerals world and what is built on it, floor by floor (docs/architecture.md).

* ``model.text`` (and ``locales/``): every word a person reads; anyone may import it.
* ``model.data``: world data sets and the scenario format, read and validated.
* ``model.engine``: the Mesa model (World), markets, economy, policies, diplomacy.
* ``model.game``: games with people (replay, class games, archive, debrief, cards).
* ``model.research``: headless uses (sweeps, analysis, the PettingZoo environment).

``agents/`` (the action contract, observation, controllers, strategies) sits below the
engine, as in Mesa: the model creates and imports its agents. ``make lint`` keeps the floors.
"""
