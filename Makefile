# `make run` and `make test` both create and use .venv/ at the repo root.
# Installs are stamped on pyproject.toml, so a second run does not reinstall.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch (pip finds it on this machine's disk); override for other machines.
TORCH ?= torch==2.13.0

# The referenced instruments (issue 6): ../shared/corpus when it exists, unless
# ASSISTANT_SOURCES_DIR is set; `make run SOURCES=` leaves them out.
SOURCES ?= $(wildcard ../shared/corpus)
WITH_SOURCES = $(if $(SOURCES),ASSISTANT_SOURCES_DIR="$${ASSISTANT_SOURCES_DIR:-$(abspath $(SOURCES))}")

.PHONY: run test lint ingest eval bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[st,dev]"
	touch $@

$(VENV)/.installed-eval: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install -q -e ".[eval]"
	touch $@

ingest: $(VENV)/.installed-run
	$(WITH_SOURCES) $(BIN)/assistant ingest

# The evaluation set through our pipeline and the naive baseline: a table, and
# evals/report/latest.json + latest.html. Exits 1 when the gate fails.
eval: ingest $(VENV)/.installed-eval
	$(WITH_SOURCES) $(BIN)/python -m evals

# Speed and quality beside the naive baseline (bench/latest.json, bench/latest.md), then
# 20 users asking 500 questions through the app (bench/load.json). Not part of `make test`.
bench: $(VENV)/.installed-eval
	$(WITH_SOURCES) $(BIN)/python -m evals.bench
	$(WITH_SOURCES) $(BIN)/python -m evals.bench.load

# The screenshots of each user group's entry point (docs/screenshots/*.png), from
# the real app in headless Chromium (apt-get install chromium).
screenshots: ingest $(VENV)/.installed-test
	$(WITH_SOURCES) $(BIN)/python -m evals.bench.screenshots

run: ingest
	$(WITH_SOURCES) $(BIN)/python app.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy assistant ingest evals app.py

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .data
