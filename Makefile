# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv bench lint

$(BIN)/powerpacks: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/powerpacks

venv: $(BIN)/powerpacks

# The main job against the bundled sandbox account: plan, apply, then plan again (must be empty).
demo: venv
	$(BIN)/powerpacks plan --sandbox
	$(BIN)/powerpacks apply --sandbox --auto-approve
	$(BIN)/powerpacks plan --sandbox --detailed-exitcode

test: venv
	$(BIN)/python -m pytest -q -n 2 -m 'not slow'

# Style, types, and the layer contracts of pyproject.toml (import-linter). CI runs it.
lint: venv
	$(BIN)/ruff check reconciler tests benchmarks
	$(BIN)/ruff format --check reconciler tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: venv
	$(BIN)/python benchmarks/run.py
