# Threadbook: `make run` to try it, `make test` to check it. `make help` lists the rest.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP   := $(VENV)/.installed
DEV_STAMP  := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
export THREADBOOK_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: help install install-dev build db run demo test test-python test-js check format lint bench fuzz bench-load bench-scaled openapi-contract clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Settings for make run (environment or make arguments), e.g. make run THREADBOOK_BIND=127.0.0.1:8000:"
	@echo "  THREADBOOK_BIND=host:port   where the backend listens (default 127.0.0.1:5000; another port: set the extension's Options -> Backend URL)"
	@echo "  THREADBOOK_DEV_SIGNIN=0     no development sign-in (make run turns it on; loopback only)"
	@echo "  GOOGLE_CLIENT_ID=...        Google sign-in, logging, sending, mail sync: docs/google-setup.md; every setting: README.md"

install: $(PY_STAMP) $(NODE_STAMP) ## Install what running needs: Python packages (a virtualenv in .venv) and npm's build tools

install-dev: install $(DEV_STAMP) ## Install also what tests, checks, the demo and benchmarks need (requirements-dev.txt)

$(DEV_STAMP): requirements-dev.txt requirements.txt $(PY_STAMP)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(PY_STAMP): requirements.txt backend/pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "Python's venv module is missing: apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e backend
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p node_modules && touch $@

build: $(NODE_STAMP) ## Build the extension into dist/
	npm run --silent build

db: $(PY_STAMP) ## Create or upgrade the SQLite database and seed the demo organisation
	$(BIN)/threadbook init-db
	$(BIN)/threadbook seed-demo

# `make run` is for trying Threadbook on this machine: the development sign-in is on
# (loopback only, marked as such everywhere) unless THREADBOOK_DEV_SIGNIN=0 is given.
run: export THREADBOOK_DEV_SIGNIN ?= 1
run: install build db ## Install, build, seed and serve on THREADBOOK_BIND (default 127.0.0.1:5000) with a mail-sync worker
	@scripts/run.sh $(BIN)

demo: install-dev build ## Try everything without Google: the backend, the tests' fake Google and a demo Gmail page (DEMO_OPEN=1 opens Chromium)
	@$(BIN)/python scripts/demo.py $(if $(filter 1 true yes on,$(DEMO_OPEN)),--open)

test: install-dev build test-js test-python ## Install, build and run every test (browser tests included)

test-js: $(NODE_STAMP)
	npm test

test-python: $(DEV_STAMP)
	$(BIN)/pytest

check: install-dev ## Lint, format and import-contract checks (ruff, ruff format, import-linter, ESLint, Prettier); CI runs it
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	npm run --silent check

format: install-dev ## Format and autofix Python and JavaScript in place (ruff, Prettier)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	npm run --silent format

lint: check ## Same as make check

bench: $(DEV_STAMP) ## Print performance figures: lookup (1M contacts, built once under /tmp), over HTTP on SQLite and PostgreSQL, thread logging, a 100,000-row import, Gmail push against polling (1,000 mailboxes)
	$(BIN)/python -m bench.lookup
	$(BIN)/python -m bench.lookup_http --database both
	$(BIN)/python -m bench.log_thread
	$(BIN)/python -m bench.import_contacts
	$(BIN)/python -m bench.imap_sync
	$(BIN)/python -m bench.push_vs_poll

fuzz: $(DEV_STAMP) ## Fuzz the API longer than `make test` does (THREADBOOK_FUZZ_EXAMPLES, default 100; THREADBOOK_FUZZ_HOSTILE_EXAMPLES, default 50)
	THREADBOOK_FUZZ_EXAMPLES=$${THREADBOOK_FUZZ_EXAMPLES:-100} THREADBOOK_FUZZ_HOSTILE_EXAMPLES=$${THREADBOOK_FUZZ_HOSTILE_EXAMPLES:-50} \
		$(BIN)/pytest tests/backend/api/test_fuzz_api.py -k "every_operation or hostile"

openapi-contract: $(DEV_STAMP) ## Rewrite tests/backend/api/openapi_contract.json after a deliberate API change (review the diff)
	$(BIN)/python scripts/openapi_contract.py

bench-load: $(DEV_STAMP) ## Load-test gunicorn for 60 s with locust (lookups, logs, notes; 100,000 contacts)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.load

bench-scaled: $(DEV_STAMP) ## Load-test the multi-host shape on this machine: PostgreSQL + Redis, 4 gunicorn workers, 64 locust users at a rep's pace, then without pause (60 s each)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.load --scaled --pause 1
	$(BIN)/python -m bench.load --scaled

clean: ## Remove built and installed files (keeps instance/)
	rm -rf dist node_modules $(VENV)
