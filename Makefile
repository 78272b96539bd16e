# Ungehub: `make run` to use it, `make test` to prove it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CATALOGS := $(wildcard hub/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install install-test migrate demo vapid scheduler translations compile-translations clean

# The scheduler runs beside the web server, as in production (reminders, push, housekeeping);
# it stops when the server does.
run: install $(COMPILED) migrate demo vapid
	$(BIN)/flask --app hub scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app hub run --host $(HOST) --port $(PORT)

# Two pytest workers by default (this machine and CI have two cores); JOBS=0 runs in one process.
JOBS ?= 2
test: install-test $(COMPILED)
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

# Every benchmark in one run (server load, page weight, Lighthouse, queries per page, reminder
# sweep, push fan-out) on PostgreSQL (ungehub_bench, made afresh); results in
# bench/results/latest.{json,md}. BENCH_ARGS="--small" is the quick check, "--only push" one part.
bench: install-test $(COMPILED)
	$(BIN)/python -m bench $(BENCH_ARGS)

install: $(STAMP)
install-test: $(TEST_STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

migrate: install
	$(BIN)/alembic upgrade head

demo: install
	$(BIN)/flask --app hub demo

# The scheduler alone (production runs exactly this, once, beside the web workers).
scheduler: install $(COMPILED) migrate vapid
	$(BIN)/flask --app hub scheduler

# A VAPID key pair for Web Push, made once in instance/ (production sets HUB_VAPID_PRIVATE_KEY).
vapid: install
	$(BIN)/flask --app hub vapid --if-missing

# Extract every gettext string and merge it into the catalogues (da is the default language).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -o hub/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i hub/translations/messages.pot -d hub/translations --no-fuzzy-matching --ignore-obsolete

hub/translations/%/LC_MESSAGES/messages.mo: hub/translations/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -d hub/translations -l $*

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache
