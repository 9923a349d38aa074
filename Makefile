# Flux Operations Center. `make run` sets up and serves the app; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Postgres used by `make test` for the second run (skipped when unreachable unless REQUIRE_POSTGRES=1).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

# The first interpreter that runs and is Python >= 3.12: $(PYTHON) if given, then python3.13,
# python3.12, python3, then pyenv's newest 3.12+ (pyenv shims fail when the version is inactive).
PYTHON ?= $(shell \
  for c in python3.13 python3.12 python3; do \
    if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$c; exit; fi; \
  done; \
  if command -v pyenv >/dev/null 2>&1; then \
    for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$$' | sort -rV); do \
      p="$$(pyenv root)/versions/$$v/bin/python3"; \
      if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$p"; exit; fi; \
    done; \
  fi)

.PHONY: help run setup test lint check pytest bench image-check clean

help:
	@echo "make run    - set up .venv, migrate, create the admin account, seed the network, serve on :$(PORT)"
	@echo "make test   - lint (ruff, import-linter, mypy, hadolint), Django checks, tests on SQLite then PostgreSQL"
	@echo "make bench  - benchmarks on the default-size network"
	@echo "make image-check - run the Dockerfile's build steps without Docker and smoke-test the result"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.12 or newer is required (set PYTHON=/path/to/python3.12)" >&2; exit 1; fi
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.requirements

setup: $(VENV)/.requirements
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py bootstrap
	$(BIN)/python manage.py seed_grid --if-empty
	$(BIN)/python manage.py seed_history --if-empty

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/hadolint --failure-threshold info Dockerfile

check: $(VENV)/.requirements-dev
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py collectstatic --no-input -v0

pytest: $(VENV)/.requirements-dev
	@echo "== tests on SQLite"
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)
	@if $(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
	  echo "== tests on PostgreSQL ($(TEST_DATABASE_URL))"; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ -n "$(REQUIRE_POSTGRES)" ]; then \
	  echo "error: PostgreSQL at $(TEST_DATABASE_URL) is unreachable" >&2; exit 1; \
	else \
	  echo "== PostgreSQL at $(TEST_DATABASE_URL) unreachable: skipped the PostgreSQL run"; \
	fi

test: lint check pytest

bench: $(VENV)/.requirements-dev
	$(BIN)/python -m bench.run

# The image's build steps outside Docker (no engine needed): context, venv, collectstatic,
# check --deploy with the service spec's settings, gunicorn serving /healthz and static files.
image-check: $(VENV)/.requirements-dev
	$(BIN)/python scripts/build_without_docker.py --python "$(PYTHON)"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
