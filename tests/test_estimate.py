"""`genbench estimate`: what N epochs would cost, from the committed run's measured epochs; and
the whole run's progress line while a model trains."""

import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from genbench.errors import ConfigError
from genbench.experiments.estimate import estimate, model_cost, report, run_progress, trained_already


def test_an_epoch_costs_the_median_of_the_epochs_after_the_first_plus_the_quick_fids():
    history = [{"seconds": 30.0}, {"seconds": 10.0}, {"seconds": 12.0}, {"seconds": 11.0}]
    cost = model_cost(history, {"seconds": 5.0}, epochs=50, quick_fids=10)
    assert cost["seconds_per_epoch"] == 11.0
    assert cost["train_seconds"] == 550.0 and cost["total_seconds"] == 555.0
    assert model_cost([{"seconds": 7.0}], {"seconds": 0.0}, 2, 10)["train_seconds"] == 14.0
    timed = [{"seconds": 10.0, "quick_fid_seconds": 4.0}, {"seconds": 10.0, "quick_fid_seconds": None}]
    assert model_cost(timed, {"seconds": 0.0}, 50, 10)["train_seconds"] == 500.0 + 10 * 4.0
    assert model_cost(timed, {"seconds": 0.0}, 2, 10)["train_seconds"] == 20.0 + 2 * 4.0
    with pytest.raises(ConfigError):
        model_cost([], {"seconds": 0.0}, 2, 10)


def test_the_report_sums_every_model_and_names_both_machines():
    costs = {"a": model_cost([{"seconds": 60.0}], {"seconds": 0.0}, 60, 10),
             "b": model_cost([{"seconds": 120.0}], {"seconds": 0.0}, 60, 10)}
    text = report(costs, 60, 10, "CPU X, 2 torch threads", "CPU Y, 2 torch threads")
    assert "3.0 h" in text.splitlines()[-3] and "Another machine" in text
    assert "quick FIDs after 10 of them" in text


def test_the_committed_run_gives_every_models_cost():
    costs = estimate(["vae", "ddpm"], 50, 10, ROOT)
    assert costs["ddpm"]["train_seconds"] > costs["vae"]["train_seconds"] > 0
    run = subprocess.run([sys.executable, "-m", "genbench", "estimate", "--epochs", "50"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0 and len(run.stdout.splitlines()) == 1 + 7 + 3, run.stdout + run.stderr


def project(tmp_path, trained=("vae", "gan"), epochs=2):
    """A work tree whose dvc.lock records train@MODEL for ``trained`` with today's params and code."""
    import hashlib
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    (tmp_path / "params.yaml").write_text(f"seed: 42\nepochs: {epochs}\nmodels:\n  vae: {{train: {{lr: 0.001}}}}\n")
    code = tmp_path / "src" / "vae.py"
    code.parent.mkdir()
    code.write_text("# the model\n")
    entry = {"deps": [{"path": "src/vae.py", "md5": hashlib.md5(code.read_bytes()).hexdigest()},
                      {"path": "data/mnist", "md5": "0123.dir"}],
             "params": {"params.yaml": {"epochs": epochs, "models.vae.train": {"lr": 0.001}}}}
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": {f"train@{m}": entry for m in trained}}))
    (tmp_path / "plots" / "history").mkdir(parents=True)
    for model in ("vae", "gan", "ddpm"):
        (tmp_path / "plots" / "history" / f"{model}.csv").write_text("epoch,seconds\n1,60\n2,60\n")
    return tmp_path


def test_a_model_counts_as_trained_while_its_lock_entry_matches_params_and_code(tmp_path):
    for name in ("code", "params"):
        (tmp_path / name).mkdir()
    root = project(tmp_path / "code")
    assert trained_already("vae", root) and trained_already("gan", root) and not trained_already("ddpm", root)
    (root / "src" / "vae.py").write_text("# changed\n")
    assert not trained_already("vae", root)
    root = project(tmp_path / "params")
    (root / "params.yaml").write_text((root / "params.yaml").read_text().replace("epochs: 2", "epochs: 50"))
    assert not trained_already("vae", root)
    assert not trained_already("vae", tmp_path / "nowhere")


def test_the_progress_line_counts_trained_models_and_the_time_left(tmp_path):
    (tmp_path / "run").mkdir()
    root = project(tmp_path / "run", trained=("vae", "gan"), epochs=50)
    history = [{"seconds": 50.0, "quick_fid_seconds": 10.0}] * 5
    line = run_progress({"vae": 50, "gan": 50, "ddpm": 50}, "ddpm", history, 10, root)
    # vae and gan: 50 x 60 s each, done; ddpm: 5 of 50 epochs at 60 s: 6,300 s of 9,000 done
    assert line == "run: 2 of 3 models trained, ddpm epoch 5/50; about 70 % of the estimated training done, 45.0 min left"
