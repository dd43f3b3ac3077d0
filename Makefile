# prisec: `make run` serves the app, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
PORT ?= 5000
HOST ?= 127.0.0.1
# `make run DEMO=0` (or PRISEC_DEMO=0 in the environment) starts a real site empty, without the demo.
DEMO ?= $(or $(PRISEC_DEMO),1)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
# Tests run in three processes, each test file whole in one of them: on two cores, since the
# browser and server tests spend much of their time waiting on another process, a third
# keeps both cores busy. `make test WORKERS=2` for fewer.
WORKERS ?= 3
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadfile

.PHONY: run test lint format db-upgrade clean

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(FLASK) db upgrade heads
	PRISEC_DEMO=$(DEMO) $(FLASK) seed-demo --if-empty
	@echo "prisec is serving on http://$(HOST):$(PORT)/"
	PRISEC_DEMO=$(DEMO) PRISEC_SETUP_BASE_URL=http://$(HOST):$(PORT) $(BIN)/waitress-serve --listen=$(HOST):$(PORT) --threads=8 app:app

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

db-upgrade: $(VENV)/.installed
	$(FLASK) db upgrade heads

# In one run, each writing its section of bench/RESULTS.md: prisec against the real limits at
# 10,000 talks (a do-nothing Flask app under the same server, nginx serving files of the same
# sizes, static publishing, the mixed row; wrk installed if missing), a site of 50,000 talks
# in 2,000 series, and the dashboard of a 2,500-talk series.
.PHONY: bench bench-limits bench-dashboard bench-sizes
bench: bench-sizes bench-limits bench-scale bench-dashboard

bench-limits: $(VENV)/.installed
	command -v wrk >/dev/null || sudo apt-get install -y wrk
	$(BIN)/python bench/limits.py

bench-dashboard: $(VENV)/.installed
	$(BIN)/python bench/dashboard.py

# 10, 1,000 and 10,000 talks under waitress on 127.0.0.1, against /healthz; bench/RESULTS.md.
bench-sizes: $(VENV)/.installed
	$(BIN)/python bench/site.py

# A site of 50,000 talks in 2,000 series (bulk inserts): every public page and feed cold,
# the archive's gzip size, the site-wide feed's size, the server's memory; bench/RESULTS.md.
.PHONY: bench-scale
bench-scale: $(VENV)/.installed
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Lighthouse scores of the schedule and a talk page (installs lighthouse into bench/.lighthouse/).
.PHONY: lighthouse
lighthouse: $(VENV)/.installed
	$(BIN)/python bench/lighthouse.py

# The whole test suite on a throwaway PostgreSQL server (installed from Debian if missing).
.PHONY: test-postgres
test-postgres: $(VENV)/.installed
	$(BIN)/python -m tests.pgcluster $(PYTEST)

# SQLite under waitress beside PostgreSQL under 2 gunicorn workers; appends to bench/RESULTS.md.
.PHONY: bench-postgres
bench-postgres: $(VENV)/.installed
	$(BIN)/python bench/postgres.py

# Mixed load at rising concurrency and the SIGKILL crash test, long forms; append to bench/RESULTS.md.
.PHONY: bench-load bench-crash
bench-load: $(VENV)/.installed
	$(BIN)/python bench/load.py

bench-crash: $(VENV)/.installed
	$(BIN)/python bench/crash.py --rounds 5 --writers 4 --record
