# `make repro`: set up .venv if needed and run the whole pipeline.  `make test`: set up, run the tests.
# The set-up installs requirements.lock (every Python package, pinned, hash-checked), then the
# project itself; `make lock` regenerates the lock from pyproject.toml's ranges.
PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
LOCK := requirements.lock
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: repro seeds study gpu test lock report validate clean-venv

$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

# pip-tools resolves pyproject.toml (test extra and build requirements included) on this
# machine's Python and writes every pin with the hashes of its files
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra test --all-build-deps \
	  --strip-extras --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml

# vega, vega-lite and vega-embed for the offline report (versions pinned in package-lock.json)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

repro: $(STAMP)
	PATH="$(BIN):$$PATH" dvc repro

# the committed run's seed and SEEDS more as DVC experiments (the yardstick stays cached), collected
# into plots/seeds.csv and summarized with intervals (metrics/seeds.json, plots/seeds/)
SEEDS ?= 43 44
seeds: $(STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.experiments.seeds run $(SEEDS)
	PATH="$(BIN):$$PATH" python -m genbench.experiments.seeds collect plots/seeds.csv
	PATH="$(BIN):$$PATH" dvc repro seeds

# a study (studies/$(STUDY).yaml): its missing points as queued DVC experiments, run JOBS at a
# time, collected into plots/studies/$(STUDY).csv and summarized (metrics/studies/, plots/study_figures/)
STUDY ?= gan_lr
JOBS ?= 1
study: $(STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.experiments.studies run $(STUDY) --jobs $(JOBS)
	PATH="$(BIN):$$PATH" python -m genbench.experiments.studies collect $(STUDY)
	PATH="$(BIN):$$PATH" dvc repro studies

# the whole protocol at 50 epochs on this machine's GPU, every model at once, outside DVC, with the
# committed yardstick (the shipped evaluator and `dvc repro reference`'s features):
# results/gpu-<GPU>-epochs50/ (benchmarks/gpu.sh)
gpu: $(STAMP)
	PYTHON=$(BIN)/python bash benchmarks/gpu.sh run

test: $(STAMP) $(NODE_STAMP)
	PATH="$(BIN):$$PATH" python -m pytest -n auto --dist loadfile --durations=25

report: $(STAMP) $(NODE_STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.experiments.report --out report

validate: $(STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.experiments.validate

clean-venv:
	rm -rf $(VENV) node_modules
