# Two commands: `make run` (set up and serve) and `make test` (set up and test).
# Both are idempotent: the installs rerun only when the pinned requirements change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# The app defaults to production (fail safe); these targets are for a developer's machine.
export TRACKER_ENV ?= development
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test install bench lint migrate seed clean

install: $(VENV)/.stamp-python node_modules/.stamp-npm

$(VENV)/.stamp-python: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask demo seed --cases 300 --if-empty

# The web server, the scheduler (its own process: it never runs inside the web server) and a
# local SMTP server that keeps every e-mail the demo sends under instance/mail/.
run: seed
	@$(BIN)/flask mail-sink --port 8025 & sink=$$!; \
	$(BIN)/flask scheduler run & scheduler=$$!; \
	trap 'kill $$sink $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(VENV)/.stamp-python
	$(BIN)/python -m bench.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
