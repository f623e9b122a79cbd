# humaneval-x: `make bench` runs the main job, `make test` the tests; each sets itself up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local HumanEval-X files (default: the Hugging Face hub when this is empty) and the CodeGeeX
# tokenizer folder; both are found beside the checkout when it sits in the standard layout.
HUMANEVAL_X_DATA ?= $(wildcard $(CURDIR)/../shared/humaneval-x)
CODEGEEX_TOKENIZER ?= $(wildcard $(CURDIR)/../shared/codegeex-tokenizer)
export HUMANEVAL_X_DATA CODEGEEX_TOKENIZER
SANDBOX ?= auto
LANGUAGES ?= python,cpp,java,js,go,rust
TASK ?= generation
# LIMIT=N: only the first N problems of each language (bench, generate, translate, bench-codegeex)
LIMIT ?=
RUN ?= reference-$(TASK)
OUT ?= results/$(RUN)

.PHONY: venv host-toolchains bench doctor evaluate test lint clean compare leaderboard codegeex-tiny generate translate bench-codegeex decode-speed base-image sandboxes perf perf-before ray-overhead cluster-up cluster-down need-data need-tokenizer

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,codegeex,openai,transformers,ray]'
	touch $@

host-toolchains:
	sh sandboxes/host_packages.sh

## The main job: self-check, then the reference run (TASK=translation for all 30 pairs).
bench: venv host-toolchains doctor
	$(BIN)/humaneval-x bench --runner reference --task $(TASK) --languages $(LANGUAGES) \
		--sandbox $(SANDBOX) --out $(OUT) $(if $(LIMIT),--limit $(LIMIT))

doctor: venv host-toolchains
	$(BIN)/humaneval-x doctor --languages $(LANGUAGES) --sandbox $(SANDBOX) --out results/doctor

## make evaluate SAMPLES=path/to/samples.jsonl(.gz) [OUT=results/my-run] [MODEL=name
##   CHECKPOINT_LABEL=label SAMPLING=temperature=0.8,top_p=0.95,n=200 POSTPROCESS=codegeex
##   SOURCE_LANGUAGE=python RUN_NAME=name]; without OUT the run folder is named after the samples
##   file (results/NAME). MODEL (and the others) make the run publishable: make leaderboard.
evaluate: venv host-toolchains
	@test -n "$(SAMPLES)" || (echo "usage: make evaluate SAMPLES=samples.jsonl [OUT=dir] [MODEL=name]" && exit 2)
	$(BIN)/humaneval-x evaluate $(SAMPLES) $(if $(filter file,$(origin OUT)),,--out $(OUT)) \
		--sandbox $(SANDBOX) $(if $(MODEL),--model '$(MODEL)') \
		$(if $(CHECKPOINT_LABEL),--checkpoint '$(CHECKPOINT_LABEL)') \
		$(if $(SAMPLING),--sampling '$(SAMPLING)') $(if $(POSTPROCESS),--postprocess $(POSTPROCESS)) \
		$(if $(SOURCE_LANGUAGE),--source-language $(SOURCE_LANGUAGE)) \
		$(if $(RUN_NAME),--run-name '$(RUN_NAME)')

test: need-data need-tokenizer venv host-toolchains
	$(BIN)/pytest -q

need-data:
	@test -n "$(HUMANEVAL_X_DATA)" || { echo "make $(MAKECMDGOALS): set HUMANEVAL_X_DATA to the \
	folder of humaneval_<lang>.jsonl(.gz) files (README.md, Quick start)" >&2; exit 2; }

need-tokenizer:
	@test -n "$(CODEGEEX_TOKENIZER)" || { echo "make $(MAKECMDGOALS): set CODEGEEX_TOKENIZER to \
	the CodeGeeX tokenizer folder (vocab.json, merges.txt, added_tokens.json; README.md, Quick start)" >&2; \
	exit 2; }

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache

## make compare A=results/run-a B=results/run-b [C=…] [OUT=dir] [FORCE=1: runs of other settings]
compare: venv
	@test -n "$(A)" -a -n "$(B)" || (echo "usage: make compare A=run-a B=run-b [C=run-c] [FORCE=1]" && exit 2)
	$(BIN)/humaneval-x compare $(A) $(B) $(C) $(if $(filter-out file,$(origin OUT)),--out $(OUT)) \
		$(if $(FORCE),--force)

RUNS ?= $(wildcard results/*/summary.json)
leaderboard: venv
	$(BIN)/humaneval-x leaderboard $(RUNS) --out results/leaderboard.json \
		--html results/leaderboard.html

## CodeGeeX on MindSpore. Defaults: a tiny random-weight checkpoint on the best device here (a smoke
## run whose pass@k is 0); for real runs: CHECKPOINT=… N=200. The model configuration comes from
## the checkpoint and the device is found (MODEL_CONFIG=…, DEVICE=… to choose); the tokenizer is
## $(CODEGEEX_TOKENIZER).
TINY_CHECKPOINT := build/codegeex-tiny.ckpt
CHECKPOINT ?= $(TINY_CHECKPOINT)
MODEL_CONFIG ?=
DEVICE ?= auto
N ?= 1
MAX_NEW_TOKENS ?= 64
PAIRS ?= all
CODEGEEX_ARGS = --runner codegeex --checkpoint $(CHECKPOINT) \
	$(if $(MODEL_CONFIG),--model-config $(MODEL_CONFIG)) --device $(DEVICE) --n $(N) \
	--max-new-tokens $(MAX_NEW_TOKENS) --languages $(LANGUAGES) $(if $(LIMIT),--limit $(LIMIT))

codegeex-tiny: venv $(TINY_CHECKPOINT)

$(TINY_CHECKPOINT):
	$(BIN)/python -m runners.codegeex.random_checkpoint --config tiny --out $@

## make generate / make translate: samples only; make bench-codegeex: samples, then evaluation.
generate: need-tokenizer venv $(if $(filter $(TINY_CHECKPOINT),$(CHECKPOINT)),$(TINY_CHECKPOINT))
	$(BIN)/humaneval-x generate $(CODEGEEX_ARGS) --out results/codegeex-generation/samples.jsonl

translate: need-tokenizer venv $(if $(filter $(TINY_CHECKPOINT),$(CHECKPOINT)),$(TINY_CHECKPOINT))
	$(BIN)/humaneval-x translate $(CODEGEEX_ARGS) --pairs $(PAIRS) \
		--out results/codegeex-translation/samples.jsonl

bench-codegeex: need-tokenizer venv host-toolchains $(if $(filter $(TINY_CHECKPOINT),$(CHECKPOINT)),$(TINY_CHECKPOINT))
	$(BIN)/humaneval-x bench $(CODEGEEX_ARGS) --task $(TASK) --pairs $(PAIRS) \
		--sandbox $(SANDBOX) --out results/codegeex-$(TASK)

## Decode tokens per second: cached vs recomputed, batch sizes 1, 8, 32 (small config).
decode-speed: venv
	$(BIN)/python bench/decode_speed.py

## Docker sandboxes: an offline base image (debootstrap + docker import), then one image per language.
base-image:
	sh sandboxes/base_image.sh

sandboxes: venv base-image
	$(BIN)/python -m sandboxes.images build

## Execution speed: per-sample baseline vs local, Docker and Ray backends (docs/performance.md).
PERF_BACKENDS ?= local,docker
perf: venv host-toolchains
	$(BIN)/python bench/perf.py --backends $(PERF_BACKENDS) --languages $(LANGUAGES)

## The Ray backend against Docker: interleaved canonical sweeps, dispatch cost, job costs.
ray-overhead: venv
	$(BIN)/python bench/ray_overhead.py --languages $(LANGUAGES)

## A Ray cluster for --sandbox ray: this machine as its head (CPUS=N: cores it offers, default
## all). Other machines join with `ray start --address HEAD_IP:$(RAY_PORT)` (the package and the
## sandbox images installed there too); `make cluster-down` stops this machine's Ray processes.
RAY_PORT ?= 6379
CPUS ?=
cluster-up: venv
	$(BIN)/ray start --head --port $(RAY_PORT) --include-dashboard=false --disable-usage-stats \
		$(if $(CPUS),--num-cpus $(CPUS))
	@echo "cluster up: humaneval-x bench|evaluate|doctor ... --sandbox ray (--ray-address auto)"

cluster-down: venv
	$(BIN)/ray stop

## What a change cost: the canonical sweep of BEFORE (a git ref, checked out into build/before)
## and of this checkout, alternated ROUNDS times on one backend (bench/before_after.py).
BEFORE ?= main
ROUNDS ?= 3
PERF_BACKEND ?= local
perf-before: venv host-toolchains
	rm -rf build/before && git worktree prune && git worktree add --detach build/before $(BEFORE)
	$(BIN)/python bench/before_after.py --before build/before --backend $(PERF_BACKEND) \
		--languages $(LANGUAGES) --rounds $(ROUNDS) --per-language
