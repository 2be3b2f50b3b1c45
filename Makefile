# A newcomer's commands: `make run` (set up and serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install setup run test lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# A local .env from the example, with fresh random keys in place of the placeholders.
.env:
	$(PYTHON) -c "import re, secrets; t = open('.env.example').read(); \
	t = re.sub(r'(?m)^(DJANGO_SECRET_KEY|JWT_SIGNING_KEY)=.*$$', lambda m: m[1] + '=' + secrets.token_urlsafe(50), t); \
	open('.env', 'w').write(t)"

setup: install .env
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo
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

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
