"""`genbench estimate`: what N epochs would cost, from the committed run's measured epochs."""

import subprocess
import sys

import pytest

from conftest import ROOT
from genbench.errors import ConfigError
from genbench.experiments.estimate import estimate, model_cost, report


def test_an_epoch_costs_the_median_of_the_epochs_after_the_first():
    history = [{"seconds": 30.0}, {"seconds": 10.0}, {"seconds": 12.0}, {"seconds": 11.0}]
    cost = model_cost(history, {"seconds": 5.0}, epochs=50)
    assert cost["seconds_per_epoch"] == 11.0
    assert cost["train_seconds"] == 550.0 and cost["total_seconds"] == 555.0
    assert model_cost([{"seconds": 7.0}], {"seconds": 0.0}, 2)["train_seconds"] == 14.0
    with pytest.raises(ConfigError):
        model_cost([], {"seconds": 0.0}, 2)


def test_the_report_sums_every_model_and_names_both_machines():
    costs = {"a": model_cost([{"seconds": 60.0}], {"seconds": 0.0}, 60),
             "b": model_cost([{"seconds": 120.0}], {"seconds": 0.0}, 60)}
    text = report(costs, 60, "CPU X, 2 torch threads", "CPU Y, 2 torch threads")
    assert "3.0 h" in text.splitlines()[-3] and "Another machine" in text


def test_the_committed_run_gives_every_models_cost():
    costs = estimate(["vae", "ddpm"], 50, ROOT)
    assert costs["ddpm"]["train_seconds"] > costs["vae"]["train_seconds"] > 0
    run = subprocess.run([sys.executable, "-m", "genbench", "estimate", "--epochs", "50"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0 and len(run.stdout.splitlines()) == 1 + 7 + 3, run.stdout + run.stderr
