# Ungehub: `make run` to use it, `make test` to prove it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PIP := $(BIN)/pip
LINTED := hub tests migrations bench
CATALOGS := $(wildcard hub/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install install-test lock wheel migrate demo vapid scheduler translations compile-translations clean

# The scheduler runs beside the web server, as in production (reminders, push, housekeeping);
# it stops when the server does.
run: install $(COMPILED) migrate demo vapid
	$(BIN)/flask --app hub scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app hub run --host $(HOST) --port $(PORT)

# Two pytest workers by default (this machine and CI have two cores); JOBS=0 runs in one process.
JOBS ?= 2
test: install-test $(COMPILED)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
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

# Exactly the locked, hash-checked releases (requirements/*.txt, made by `make lock`), then Ungehub
# itself without touching them. Whatever is built here (Ungehub; http-ece, which PyPI has only as
# source) is built by the locked setuptools, not one fetched unchecked. A changed lock installs again.
$(STAMP): pyproject.toml setup.py requirements/build.txt requirements/runtime.txt | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements/build.txt
	$(PIP) install --quiet --require-hashes --no-build-isolation -r requirements/runtime.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(TEST_STAMP): requirements/test.txt $(STAMP)
	$(PIP) install --quiet --require-hashes -r requirements/test.txt
	touch $@

# After a change to the dependencies in pyproject.toml: pins what is new, drops what is gone, keeps
# every other pin. `make lock UPGRADE=1` moves every pin to the newest release pyproject.toml allows.
# The test lock is made within the runtime lock, so both install the same release of each package.
# pip's own settings are left out (this machine's point at local mirrors): the hashes are PyPI's.
PIP_COMPILE = PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock: install-test
	$(PIP_COMPILE) -o requirements/build.txt requirements/build.in
	$(PIP_COMPILE) -c requirements/build.txt -o requirements/runtime.txt pyproject.toml
	$(PIP_COMPILE) -c requirements/build.txt -c requirements/runtime.txt --extra test -o requirements/test.txt pyproject.toml

# The app as one file for a server (dist/ungehub-*.whl): templates, static files, compiled
# translations and migrations inside; install it with the runtime lock (README, Production).
wheel: install
	rm -rf build dist
	$(PIP) wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .

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
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache build dist
