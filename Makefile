# The project's verbs. Every target runs inside .venv/, which `make setup` creates.
# Training needs only the package (RUN); tests, benchmarks and the notebook add the dev and
# spark extras (pyspark: `imr-ml score --engine spark`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-dev
CONFIG ?= configs/default.yaml

.PHONY: setup test bench train data samples experiments select ui notebook lint clean report

setup: $(STAMP)

# pip byte-compiles what it installs one file at a time; compileall -j 0 does it on every core
# (a fresh `make train` ~30 s sooner). Like pip, a file that will not compile is no error.
INSTALL := $(BIN)/python -m pip install --quiet --no-compile
COMPILE := $(BIN)/python -m compileall -q -j 0 $(VENV)/lib

$(RUN): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(INSTALL) -e .
	-$(COMPILE)
	touch $(RUN)

$(STAMP): $(RUN)
	$(INSTALL) -e ".[dev,spark]"
	-$(COMPILE)
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_segment.py
	$(BIN)/python benchmarks/bench_pdf.py
	$(BIN)/python benchmarks/bench_score.py
	$(BIN)/python benchmarks/bench_spark.py
	$(BIN)/python benchmarks/eval_roles.py
	$(BIN)/python benchmarks/realism.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

SYNTH := data/raw/synth
SYNTH_LETTERS ?= 3000
SYNTH_SEED ?= 0

data: $(SYNTH)/labels.jsonl

$(SYNTH)/labels.jsonl: $(RUN) $(wildcard src/imr_ml/corpus/synth/*.py)
	$(BIN)/imr-ml synth --letters $(SYNTH_LETTERS) --seed $(SYNTH_SEED) --out $(SYNTH)

samples: $(RUN)
	$(BIN)/imr-ml synth --letters 50 --seed $(SYNTH_SEED) --out data/samples

train: data
	$(BIN)/imr-ml train --config $(CONFIG)

# The real letters scored by the default model (MODEL=DIR for another) and their report, in
# reports/ (generated, git-ignored): real_letters.jsonl, real_letters.html, real_letters/*.csv.
REAL ?= ../shared/real
MODEL ?=
report: $(RUN)
	$(BIN)/imr-ml score $(REAL)/letters $(if $(MODEL),--model $(MODEL)) -q \
		--out reports/real_letters.jsonl
	$(BIN)/imr-ml report reports/real_letters.jsonl --out reports/real_letters.html \
		--tables reports/real_letters --title "IMR letters of $(REAL)"

ui: $(RUN)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db

experiments: data
	$(BIN)/python -m imr_ml.training.experiments experiments/*.yaml --out experiments/RESULTS.md

select: data
	$(BIN)/python -m imr_ml.training.experiments --select experiments/*.yaml --out experiments/SELECTION.md

notebook: $(STAMP)
	$(BIN)/jupyter lab notebooks/inspect_feature_weights.ipynb

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist src/*.egg-info
