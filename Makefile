# The two commands of the README: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall when the dependency list changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Without SECRET_KEY the app keeps a generated one here (one machine only; set SECRET_KEY on several nodes).
FLASK  := SECRET_KEY_FILE=$${SECRET_KEY_FILE:-$(CURDIR)/instance/secret_key} $(BIN)/flask --app app

.PHONY: run test lint format lock bench bench-sla bench-web bench-studio bench-figures bench-all screenshots clean frontend

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "cannot create a virtualenv: on Debian/Ubuntu run 'apt-get install python3-venv'"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[redis,s3,test,bench]'
	@rm -f $(VENV)/.installed-* && touch $@

# The studio's scripts and styles (web/frontend/ -> web/static/build/), from the npm registry by the lock file.
# npm ci runs when the lock file changes; the bundle is rebuilt when a source changes.
NODE_STAMP     := node_modules/.installed
FRONTEND_STAMP := web/static/build/.built
FRONTEND_SRC   := $(shell find web/frontend -type f 2>/dev/null)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to build the studio (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(FRONTEND_STAMP): $(NODE_STAMP) $(FRONTEND_SRC)
	npm run --silent build
	@touch $@

frontend: $(FRONTEND_STAMP)

run: $(STAMP) frontend
	$(FLASK) init-db
	@if ls processes/*.bpmn >/dev/null 2>&1; then $(FLASK) deploy processes/; fi
	$(FLASK) seed-demo
	SCHEDULER_ENABLED=1 DEMO_MODE=1 $(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) frontend
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "== the suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		$(BIN)/pytest -q -p no:cacheprovider; \
	else \
		echo "PostgreSQL run skipped: TEST_DATABASE_URL is not set (see README, 'PostgreSQL')."; \
	fi

# The production lock file: exact versions with hashes of the app's dependencies (README: installing).
lock: $(STAMP)
	$(BIN)/pip install --quiet "uv==0.13.8"
	$(BIN)/uv pip compile pyproject.toml --extra redis --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -o requirements.lock

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The benchmarks (results in bench/RESULTS.md). Each takes minutes; bench-all runs every one.
bench: $(STAMP)
	$(BIN)/python -m bench.engine_steps

bench-sla: $(STAMP)
	$(BIN)/python -m bench.sla_timers

bench-web: $(STAMP)
	$(BIN)/python -m bench.inbox
	$(BIN)/python -m bench.intake_http --configs 2x1,4x1,2x4 --count 1500

bench-studio: $(STAMP)
	$(BIN)/python -m bench.try_draft

# The figures at 1,000,000 cases on PostgreSQL (fills the database bench_figures first; several minutes).
bench-figures: $(STAMP)
	$(BIN)/python -m bench.figures --fill

bench-all: bench bench-sla bench-web bench-studio

# The README's pictures: the main pages from the demo data, in Debian's Chromium (apt-get install chromium).
screenshots: $(STAMP) frontend
	$(BIN)/python -m tests.e2e.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache node_modules web/static/build
