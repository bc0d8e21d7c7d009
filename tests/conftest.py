"""How the suite is organised (read this before adding a test).

* ``tests/test_*.py`` are the tests, one file per area; they never import each other.
* ``tests/support/`` holds what they share (builders of tiny worlds and scenarios, a
  scripted seat, synthetic markets, the reference clearing, the browser helpers).
* ``tests/worlds/`` holds purpose-made world data (the four-economy ``tiny`` world).
* Markers (registered in pyproject.toml): ``browser`` for the end-to-end tests in a real
  Chromium, ``slow`` for tests that start process pools, clusters, many threads, a wheel
  build or a killed server. ``make test-fast`` leaves both out; ``make test`` (and CI)
  runs everything.
"""

import pytest


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Tests read the English catalogues, whatever language the person running them uses."""
    monkeypatch.setenv("MINERALS_LANG", "en")
