"""How the suite is organised (read this before adding a test).

* ``tests/test_*.py`` are the tests, one file per area; they never import each other.
* ``tests/support/`` holds what they share (builders of tiny worlds and scenarios, a
  scripted seat, synthetic markets, the reference clearing, the browser helpers).
* ``tests/worlds/`` holds purpose-made world data (the four-economy ``tiny`` world).
* Markers (registered in pyproject.toml): ``browser`` for the end-to-end tests in a real
  Chromium, ``slow`` for tests that start process pools, clusters, many threads, a wheel
  build or a killed server. ``make test-fast`` leaves both out; ``make test`` (and CI)
  runs everything.
* Hypothesis draws the same examples every run (same code, same verdict: CI once met a
  case no run before had drawn, now tests/test_invariants.py's xfail); explore new ones
  with ``pytest --hypothesis-profile=default``.
"""

import pytest
from hypothesis import settings

settings.register_profile("same_every_run", derandomize=True)
settings.load_profile("same_every_run")


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Tests read the English catalogues, whatever language the person running them uses."""
    monkeypatch.setenv("MINERALS_LANG", "en")


@pytest.fixture
def stacked_runs(monkeypatch):
    """How many runs each clearing held: more than one where runs stepped in lockstep
    cleared their markets together (model/engine/markets.clear_together)."""
    import model.engine.markets

    sizes = []
    real = model.engine.markets._solve

    def solve(market, price, tolerance, runs=1):
        sizes.append(runs)
        return real(market, price, tolerance, runs)

    monkeypatch.setattr(model.engine.markets, "_solve", solve)
    return sizes
