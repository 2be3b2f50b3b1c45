# A newcomer's commands: `make run` (set up and serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install setup run test lint clean bench .env

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# A local .env from the example when there is none, in development mode (the example is
# production's: DEBUG off); then, every time, a fresh random key for each secret of
# config/secrets.py that .env lacks or holds a placeholder of (set ones are kept).
.env: | $(STAMP)
	@if [ -f .env ]; then $(BIN)/python -m config.secrets .env .env.example; \
	else $(BIN)/python -m config.secrets .env .env.example \
	&& sed -i 's/^DJANGO_DEBUG=.*/DJANGO_DEBUG=True/' .env; fi

# Demo data (published passwords): setup_demo refuses when DJANGO_DEBUG is False unless
# DEMO_FLAGS=--force (.ci/fuzz.sh serves the demo with production settings).
DEMO_FLAGS ?=

setup: install .env
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo $(DEMO_FLAGS)
	$(BIN)/python manage.py train --if-none-active
	@echo ""
	@echo "Demo users: admin / admin-demo-pass (staff), demo / demo-pass (requester),"
	@echo "            alice, bruno, chiara, dieter, emma, farid, gina / agent-demo-pass (agents)"

run: setup
	@echo "API docs: http://$(HOST):$(PORT)/api/docs/   admin: http://$(HOST):$(PORT)/admin/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The benchmark (docs/performance.md): PostgreSQL on 127.0.0.1 (BENCH_PG_HOST), databases bench_<N>.
BENCH_STAMP := $(VENV)/.bench-stamp
SIZES ?= 10000
WORKERS ?= 2
DURATION ?= 20
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --sizes $(SIZES) --workers $(WORKERS) --duration $(DURATION) $(BENCH_ARGS)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
