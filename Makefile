# Quick start: `make demo` (set up and run the shipped rule set on example data),
# `make test` (set up with the test extras; ruff, mypy --strict, pytest).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench bench-batch docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo needs spmkit and its four runtime dependencies only (attrs, pint, pyyaml, numpy),
# not the development toolchain: a few seconds, not minutes. `make test` adds the rest.
DEMO_STAMP := $(VENV)/.installed-demo
$(DEMO_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(DEMO_STAMP)

# spmkit evaluate exits 1 when a target is not met (the example misses five): that is the
# demo working, so only exit status 2 and above (bad input, a bug) fail the target.
demo: $(DEMO_STAMP)
	$(BIN)/spmkit evaluate kulon-progo-2011 examples/kulon-progo-2011.yaml; test $$? -le 1

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy --strict src tests/typing

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

# The inner loop (under a minute on 2 cores): lint, types, and the tests not marked slow
# (subprocess, hypothesis-heavy, servers, browsers), on both cores. `make test` runs all.
# Bytecode is written even where the environment turns it off: without it every process
# compiles spmkit and pytest rewrites every test module again (a quarter of the run).
# schemathesis' plugin is left out: it builds the (slow-marked) contract test's cases
# while collecting, in every worker.
.PHONY: check-fast
check-fast: lint typecheck
	PYTHONDONTWRITEBYTECODE= HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -q -m "not slow" -n 2 -p no:schemathesis

# The documentation site (docs/, mkdocs.yml) into site/; --strict turns every warning
# (a broken link, a page missing from the nav, a docstring mkdocstrings cannot read) into a failure.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_units.py
	$(BIN)/python benchmarks/bench_batch.py

bench-batch: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py

clean:
	rm -rf $(VENV) build dist site .mypy_cache .pytest_cache .ruff_cache

# spmkit against OpenFisca, pandas and a hand-written numpy floor (needs the bench extra).
bench-peers: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench_peers.py

# The Indonesian gettext catalogues: edit src/spmkit/locale/id/LC_MESSAGES/*.po, then compile
# the .mo files beside them (committed, so a clone and an install need no build step;
# tests/test_translation.py checks they match the .po files and cover every message).
.PHONY: catalogues
catalogues: $(STAMP)
	$(BIN)/pybabel compile -d src/spmkit/locale -D spmkit -l id
	$(BIN)/pybabel compile -d src/spmkit/locale -D argparse -l id
