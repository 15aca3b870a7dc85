# 校外培训监管平台 — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed

.PHONY: run test install lint check-migrations pytest messages demo bench bench-scale clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements-dev.lock pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

## make run: SQLite and a filesystem broker unless DATABASE_URL / REDIS_URL are set.
run: install
	bash bin/run-dev

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_calendar
	$(PY) manage.py load_demo

## make test: ruff, the import layers, mypy, makemigrations --check, pytest on PostgreSQL and
## Redis in parallel (pytest-xdist, one worker per core).
test: install lint check-migrations pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

check-migrations: install
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -q -n auto $(PYTEST_ARGS)

## Regenerate and compile translations (needs gettext's msgfmt).
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

bench: install
	$(PY) bench/run.py

## make bench-scale: the city-scale run (PostgreSQL; see bench/README.md).
bench-scale: install
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3
