# warmfleet — every target creates the project environment (.venv) first when it is missing or stale.
# `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# sam build needs python3.13 for the Lambda runtime; pyenv holds it on the development machines.
export PYENV_VERSION ?= 3.11.7:3.12.1:3.13.0
export MOTO_EC2_LOAD_DEFAULT_AMIS := false
export AWS_DEFAULT_REGION ?= us-east-1
STACK ?= warmfleet
# The Lambda functions' interpreter and packages (template.yaml: python3.13; the layer's requirements.txt),
# for the benchmarks of the code the functions run.
LAMBDA_PYTHON ?= python3.13
LAMBDA_VENV := .venv-lambda
LAMBDA_STAMP := $(LAMBDA_VENV)/.installed

.PHONY: help venv lambda-venv test demo lint typecheck build deploy publish simulate bench bench-decide lock clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create or update the project environment in .venv (safe to run twice)

$(LAMBDA_STAMP): layers/warmfleet/requirements.txt constraints.txt
	@command -v $(LAMBDA_PYTHON) >/dev/null || { echo "error: $(LAMBDA_PYTHON) not found (the Lambda runtime's Python)" >&2; exit 1; }
	@test -x $(LAMBDA_VENV)/bin/python || $(LAMBDA_PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r layers/warmfleet/requirements.txt
	@touch $(LAMBDA_STAMP)

lambda-venv: $(LAMBDA_STAMP) ## The Lambda layer's environment in .venv-lambda: python3.13 and the layer's packages only

test: $(STAMP) ## Run the whole test suite (the README's test command)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP) ## Run the whole system on this machine: moto, a local fleet of real processes, trace A (out/demo)
	$(BIN)/warmfleet demo

lint: $(STAMP) ## ruff, and cfn-lint on template.yaml when it exists
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -f template.yaml ]; then $(BIN)/cfn-lint template.yaml; fi

typecheck: $(STAMP) ## mypy --strict over the packages and functions
	$(BIN)/mypy

build: $(STAMP) ## sam build (the layer and every function)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build

deploy: build ## sam deploy --guided to real AWS (see the README)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam deploy --guided

publish: $(STAMP) ## Publish an instance artifact version: make publish BUCKET=b VERSION=v [MODEL=m.onnx] [STACK=name]
	@test -n "$(BUCKET)" && test -n "$(VERSION)" || { echo "usage: make publish BUCKET=... VERSION=... [MODEL=...] [STACK=...]" >&2; exit 2; }
	$(BIN)/warmfleet-inference publish --bucket "$(BUCKET)" --version "$(VERSION)" --stack-name "$(STACK)" $(if $(MODEL),--model "$(MODEL)")

simulate: $(STAMP) ## Replay trace A against warmfleet, the peers and the oracle (writes out/sim)
	$(BIN)/warmfleet simulate --trace tests/data/traces/AzureLLMInferenceTrace_code.csv \
		--trace tests/data/traces/AzureLLMInferenceTrace_conv.csv --out out/sim

bench: $(STAMP) ## Run every benchmark in bench/ (prints ratios against in-process baselines)
	@for b in bench/bench_*.py; do [ $$b = bench/bench_decide.py ] || { echo "== $$b"; $(BIN)/python $$b || exit 1; }; done
	@$(MAKE) --no-print-directory bench-decide

bench-decide: $(STAMP) $(LAMBDA_STAMP) ## decide() per second on the dev Python and on the Lambda runtime's (the goal's figure)
	$(BIN)/python bench/bench_decide.py
	PYTHONPATH=layers/warmfleet $(LAMBDA_VENV)/bin/python bench/bench_decide.py

lock: ## Re-resolve the dependency ranges and rewrite constraints.txt
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^warmfleet'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

clean: ## Remove build outputs (keeps .venv)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
