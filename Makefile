# ZeroCity. `make demo` serves the Kranj demo on http://127.0.0.1:8000 (PORT overrides);
# `make test` runs the whole suite (SQLite, then PostgreSQL). Both set up .venv when needed.

PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo serve test bench lint format check-deploy clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "ZeroCity needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench,dev]"
	@touch $(STAMP)

# axe-core, which the browser tests run inside each page (from the npm registry, pinned by
# package-lock.json); without npm the accessibility checks skip (and fail when CI=true).
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $(NODE_STAMP); \
	else echo "npm not found: the accessibility checks will skip"; fi

demo: $(STAMP)
	$(BIN)/zerocity demo

serve: $(STAMP)
	$(BIN)/zerocity serve

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python tests/run.py $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
