# Everything a developer or CI runs. `make run` serves the API locally; `make test` runs it all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python 3.12 interpreter, matching the Lambda runtime in template.yaml.
PYTHON ?= $(shell for c in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$c"; break; }; done)
VENV := .venv
SAM_VENV := .venv-sam
BIN := $(VENV)/bin
SAM_CLI_VERSION := 1.170.0
ASL_VALIDATOR_VERSION := 4.0.0
PORT ?= 3000

.PHONY: help install run reset token backfill test lint template-lint openapi bench clean

help:
	@echo "make run      serve the API on http://127.0.0.1:$(PORT) (embedded DynamoDB emulator, data in .local/)"
	@echo "make reset    forget the local data"
	@echo "make token    print a bearer token for a local account: make -s token ROLE=admin (or customer, delivery_person, ...)"
	@echo "make backfill DIR=./export [DRY_RUN=1]   import a legacy export into the local data (state machine on moto)"
	@echo "make test     lint, template checks, OpenAPI drift check and the whole test suite"
	@echo "make openapi  regenerate docs/openapi.json"
	@echo "make bench    run the benchmarks (bench/benchmark.py, bench/backfill_bench.py)"

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

install: $(BIN)/.installed

run: install
	PORT=$(PORT) $(BIN)/python -m devserver.server

reset:
	rm -rf .local

ROLE ?= admin
token: install
	@$(BIN)/python -m devserver.token --role $(ROLE)

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

test: lint template-lint
	$(BIN)/python -m devserver.openapi --check
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/benchmark.py
	$(BIN)/python bench/backfill_bench.py --persons 20000

clean:
	rm -rf $(VENV) $(SAM_VENV) .pytest_cache .ruff_cache .aws-sam .asl
