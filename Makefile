# humaneval-x: `make bench` runs the main job, `make test` the tests; each sets itself up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local HumanEval-X files (default: the Hugging Face hub when this is empty).
HUMANEVAL_X_DATA ?= $(wildcard $(CURDIR)/../shared/humaneval-x)
export HUMANEVAL_X_DATA
SANDBOX ?= auto
LANGUAGES ?= python,cpp,java,js,go,rust
TASK ?= generation
RUN ?= reference-$(TASK)
OUT ?= results/$(RUN)

.PHONY: venv host-toolchains bench doctor evaluate test lint clean compare leaderboard

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,codegeex]'
	touch $@

host-toolchains:
	sh sandboxes/host_packages.sh

## The main job: self-check, then the reference run (TASK=translation for all 30 pairs).
bench: venv host-toolchains doctor
	$(BIN)/humaneval-x bench --runner reference --task $(TASK) --languages $(LANGUAGES) \
		--sandbox $(SANDBOX) --out $(OUT)

doctor: venv host-toolchains
	$(BIN)/humaneval-x doctor --languages $(LANGUAGES) --sandbox $(SANDBOX) --out results/doctor

## make evaluate SAMPLES=path/to/samples.jsonl [OUT=results/my-run]
evaluate: venv host-toolchains
	@test -n "$(SAMPLES)" || (echo "usage: make evaluate SAMPLES=samples.jsonl [OUT=dir]" && exit 2)
	$(BIN)/humaneval-x evaluate $(SAMPLES) --out $(OUT) --sandbox $(SANDBOX)

test: venv host-toolchains
	$(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache

## make compare A=results/run-a B=results/run-b [C=…] [OUT=dir]
compare: venv
	@test -n "$(A)" -a -n "$(B)" || (echo "usage: make compare A=run-a B=run-b [C=run-c]" && exit 2)
	$(BIN)/humaneval-x compare $(A) $(B) $(C) $(if $(OUT),--out $(OUT))

RUNS ?= $(wildcard results/*/summary.json)
leaderboard: venv
	$(BIN)/humaneval-x leaderboard $(RUNS) --out results/leaderboard.json \
		--html results/leaderboard.html
