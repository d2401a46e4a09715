# Two entry points: `make demo` (the main job) and `make test` (the whole suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,tantivy]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/paperboy demo

lint: $(VENV)/.installed
	$(BIN)/ruff check server tests bench build.py
	$(BIN)/ruff format --check server tests bench build.py

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py
