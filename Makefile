# framing: every command a developer, an analyst or CI needs. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL_DIR ?= models/default
SEEDS := $(shell find seeds -name '*.jsonl' 2>/dev/null | sort)
# The code that defines the features, the model and the bundle format: a change retrains, so
# `make serve` never stops at a bundle the new code cannot read.
MODEL_CODE := $(wildcard training/*.py training/cues.toml scoring/*.py scoring/*.pyx)
SERVE_ARGS ?=

.PHONY: help venv train serve test lint format typecheck pytest protos clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

venv: $(STAMP) ## create .venv and install the project with its pinned dependencies

$(MODEL_DIR)/manifest.json: $(STAMP) $(SEEDS) $(MODEL_CODE)
	$(BIN)/framing-train fit seeds --out $(MODEL_DIR)

train: $(MODEL_DIR)/manifest.json ## train the default model from seeds/ (only if the seeds or the training code changed)

serve: train ## set up everything, then serve the default model (gRPC :50051, metrics :9464)
	exec $(BIN)/framing-serve --model $(MODEL_DIR) $(SERVE_ARGS)

test: lint typecheck pytest ## run every check: lint, types, the whole test suite

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy, strict
	$(BIN)/mypy

pytest: $(STAMP) ## the test suite only
	$(BIN)/pytest

protos: $(STAMP) ## regenerate framing/v1 from protos/
	$(BIN)/python scripts/gen_protos.py

clean: ## remove the virtualenv, trained models and caches
	rm -rf $(VENV) models .mypy_cache .pytest_cache .ruff_cache .hypothesis build scoring/_kernel.c scoring/*.so

.PHONY: eval-external
eval-external: train ## measure the default model on ../shared/eval (when present)
	$(BIN)/framing-train evaluate --model $(MODEL_DIR) --json models/external_eval.json

.PHONY: learning-curve
learning-curve: $(STAMP) ## real-text scores against seed corpus size (needs ../shared/eval)
	$(BIN)/framing-train curve seeds

.PHONY: soak
SOAK_SECONDS ?= 600
soak: train ## 16 clients on loopback for SOAK_SECONDS (default 600) with a model swap half-way
	$(BIN)/python scripts/soak.py --model $(MODEL_DIR) --duration $(SOAK_SECONDS)

.PHONY: bench
BENCH_ARGS ?=
bench: $(STAMP) ## throughput, latency, RSS, start time against the in-process limit (BENCH_ARGS=--mlserver: also MLServer)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python scripts/bench.py $(BENCH_ARGS)

.PHONY: bench-train
BENCH_TRAIN_ARGS ?=
bench-train: $(STAMP) ## training time against corpus size: seeds/ and 10k/30k/100k synthetic texts
	$(BIN)/python scripts/bench_train.py $(BENCH_TRAIN_ARGS)
