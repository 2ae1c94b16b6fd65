# crpv — every command a person or CI runs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run demo-data test test-pg test-browser quality format bench clean-db node

help:
	@echo "make run           installe, charge les données de démonstration et sert http://127.0.0.1:$(PORT)"
	@echo "make test          toute la suite sur SQLite (DATABASE_URL=postgres://… pour PostgreSQL)"
	@echo "make test-browser  tests de bout en bout dans Chromium, avec axe-core"
	@echo "make quality       ruff, djlint, migrations à jour"
	@echo "make bench         mesures de performance (bench/)"

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 est requis ($(PYTHON) introuvable)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: node_modules/.installed

demo-data: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

run: demo-data
	@echo "Serveur sur http://127.0.0.1:$(PORT) — espace équipe : http://127.0.0.1:$(PORT)/connexion/ (Ctrl+C pour arrêter)"
	@mkdir -p var; trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py db_worker --queue-name '*' >var/worker.log 2>&1 & \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	CRPV_URL_COVERAGE=1 $(BIN)/pytest -m "not browser" -q $(PYTEST_ARGS)

test-pg: install
	CRPV_URL_COVERAGE=1 DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crpv_test} $(BIN)/pytest -m "not browser" -q $(PYTEST_ARGS)

test-browser: install node
	$(BIN)/pytest -m browser -q $(PYTEST_ARGS)

quality: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djlint --lint --check crpv/templates
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run --noinput

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint --reformat crpv/templates || true

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean-db:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm
