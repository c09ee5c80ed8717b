# ExpoMatch: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test screenshots install install-dev lint translations extract-messages update-messages db demo \
        chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The app alone (no torch: the default embedding model is numpy only) and, for tests and
# benchmarks, every backend and the test tools.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app translations
install-dev: $(VENV)/.installed-dev translations

## Translations: extract (pybabel extract), merge into ko (update), compile the .mo files.
extract-messages: $(VENV)/.installed-app
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 -o translations/messages.pot --no-location --sort-output --project ExpoMatch .

update-messages: extract-messages
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --no-wrap

translations: $(VENV)/.installed-app
	$(BIN)/pybabel compile -d translations --statistics

db: install
	mkdir -p instance
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load
	$(FLASK) match reindex

## The web server and, beside it, the job-queue consumer (Huey on SQLite; Redis with REDIS_URL).
run: demo
	@$(BIN)/huey_consumer app.jobs.queue.huey --workers 1 --quiet --logfile instance/jobs.log & \
	  trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

## Tests on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set; the browser test needs
## Debian's chromium, which is installed here when missing (root or sudo).
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: install-dev chromium
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== again on $$TEST_DATABASE_URL"; $(BIN)/pytest; fi

screenshots: install-dev chromium  # the README's images, taken by the browser journeys
	env -u TEST_DATABASE_URL EXPOMATCH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/e2e/test_journeys.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance translations/*/LC_MESSAGES/*.mo
