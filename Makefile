# Member Audit — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
DEMO_CHARACTERS ?= 50
DEMO_PORT ?= 8000
DEMO_ARGS ?=
export PYTHONPATH := $(CURDIR):$(CURDIR)/tests
export DJANGO_SETTINGS_MODULE ?= testauth.settings.local

.PHONY: help setup test test-fast lint format demo screenshots layout-check wheel-check bench soak clean system-deps

help:
	@echo "make demo   - set up and run Member Audit on http://127.0.0.1:8000 (SQLite + fakeredis)"
	@echo "             DEMO_PORT=8000       port of the site"
	@echo "             DEMO_CHARACTERS=50   emulator characters registered for the demo users"
	@echo "             DEMO_ARGS='...'      more options of tests/demo.py (--help lists them: --workers,"
	@echo "                                  --interval, --tick, --esi-port, --no-serve, --data-dir)"
	@echo "make test   - set up and run the test suite with coverage"
	@echo "make lint   - ruff lint + format check"
	@echo "make wheel-check - build the wheel and install it into a fresh AA project"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make screenshots - demo + headless Chromium: every check of make layout-check, and the README's docs/screenshots/"
	@echo "make layout-check - demo + headless Chromium: styling, overflow, contrast, raw names, links (as .ci/run; about 8 min)"
	@echo "make soak   - 20 characters on a real worker, Redis and MariaDB under ESI faults and SIGKILLs (about 25 min)"

# Debian's client headers are needed to build mysqlclient (pulled in by allianceauth).
system-deps:
	@dpkg -s libmariadb-dev >/dev/null 2>&1 || { \
		echo "Installing libmariadb-dev from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmariadb-dev >/dev/null; }

$(STAMP): setup.py
	@$(MAKE) --no-print-directory system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	cd $(CURDIR) && $(PY) -m pytest --cov=memberaudit --cov-report=term:skip-covered -q --durations=25 $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -q -x $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check memberaudit tests bench
	$(VENV)/bin/ruff format --check memberaudit tests bench

format: $(STAMP)
	$(VENV)/bin/ruff check --fix memberaudit tests bench
	$(VENV)/bin/ruff format memberaudit tests bench

# DEMO_T0: when `make demo` started (before any setup), so the demo can print its time-to-ready.
demo: export DEMO_T0 := $(shell date +%s.%N)
demo: $(STAMP)
	$(PY) tests/demo.py --characters $(DEMO_CHARACTERS) --port $(DEMO_PORT) $(DEMO_ARGS)

# Start a small demo, sign in as every role in headless Chromium, run every check of layout-check
# and save the README's screenshots (light and dark, 1440 and 390 px) in docs/screenshots/.
screenshots: $(STAMP)
	$(PY) tests/e2e/screenshots.py --characters 12 --out docs/screenshots --layout-checks

# What .ci/run's browser stage checks: styling, and overflow, contrast (WCAG AA), raw section names
# and links for every role, page and tab at 1440/390 px in both themes (PNGs go to .demo/).
layout-check: $(STAMP)
	$(PY) tests/e2e/screenshots.py --characters 12 --out .demo/layout-check --layout-checks

soak: $(STAMP)
	bash .ci/soak

wheel-check: $(STAMP)
	bash .ci/wheel-check

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build dist *.egg-info .static .coverage
