# `make repro`: set up .venv if needed and run the whole pipeline.  `make test`: set up, run the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: repro seeds study gpu test report validate clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

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
	PATH="$(BIN):$$PATH" python -m genbench.seeds run $(SEEDS)
	PATH="$(BIN):$$PATH" python -m genbench.seeds collect plots/seeds.csv
	PATH="$(BIN):$$PATH" dvc repro seeds

# a study (studies/$(STUDY).yaml): its missing points as queued DVC experiments, run JOBS at a
# time, collected into plots/studies/$(STUDY).csv and summarized (metrics/studies/, plots/study_figures/)
STUDY ?= gan_lr
JOBS ?= 1
study: $(STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.studies run $(STUDY) --jobs $(JOBS)
	PATH="$(BIN):$$PATH" python -m genbench.studies collect $(STUDY)
	PATH="$(BIN):$$PATH" dvc repro studies

# the whole protocol at 50 epochs on this machine's GPU, every model at once, outside DVC, with the
# committed yardstick (`dvc pull` it first): results/gpu-<GPU>-epochs50/ (benchmarks/gpu.sh)
gpu: $(STAMP)
	PYTHON=$(BIN)/python bash benchmarks/gpu.sh run

test: $(STAMP) $(NODE_STAMP)
	PATH="$(BIN):$$PATH" python -m pytest

report: $(STAMP) $(NODE_STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.report --out report

validate: $(STAMP)
	PATH="$(BIN):$$PATH" python -m genbench.validate

clean-venv:
	rm -rf $(VENV) node_modules
