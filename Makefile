# Two commands on a fresh machine: `make run` (the game in the browser) and `make test`.
# Both create .venv with Python 3.12 (Mesa 3.5 needs it) and install the project first.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || ls $$HOME/.pyenv/versions/3.12*/bin/python3 2>/dev/null | head -n 1)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install assets run headless test test-fast lint bench
# Solara's front-end packages, fetched once from the npm registry so pages load offline.
ASSETS := $(VENV)/share/solara/cdn/axe-core@4.14.1

$(BIN)/minerals: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found: install it or run 'make PYTHON=/path/to/python3.12'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

install: $(BIN)/minerals

$(ASSETS): $(BIN)/minerals ui/fetch-solara-assets.sh
	bash ui/fetch-solara-assets.sh $(BIN)/python

assets: $(ASSETS)

run: install assets
	$(BIN)/minerals ui

headless: install
	$(BIN)/minerals run baseline

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Everything: unit tests, the slow ones and the browser ones (CI runs this).
test: lint assets
	$(BIN)/python -m pytest

# The unit suite in about a minute: no browser, no process pools, clusters or wheel builds.
test-fast: install
	$(BIN)/python -m pytest -m "not browser and not slow"

bench: install
	$(BIN)/python benchmarks/bench_clearing.py
	$(BIN)/python benchmarks/bench_diplomacy.py
	$(BIN)/python benchmarks/bench_sweep.py
