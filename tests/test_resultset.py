"""Result sets: a finished run's outputs and provenance kept with the code, and compared with
the work tree's run."""

import json
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from genbench.errors import ConfigError
from genbench.experiments.resultset import compare, save, stage_seconds

LOG = ["2026-12-06T16:00:00Z Running stage 'check_params':",
       "2026-12-06T16:00:02Z Running stage 'train@vae':",
       "2026-12-06T16:10:02Z Running stage 'train@gan':",  # cut at some moment the log does not show ...
       "2026-12-07T09:00:00Z Running stage 'check_params':",  # ... and resumed the next day
       "2026-12-07T09:00:01Z Running stage 'train@gan':",
       "2026-12-07T09:02:01Z Running stage 'sample@vae':",
       "2026-12-07T09:02:31Z Running stage 'score@vae':",  # cut again ...
       "2026-12-07T12:00:00Z Stage 'check_params' didn't change, skipping",  # ... resumed with nothing to check
       "2026-12-07T12:00:00Z Running stage 'score@vae':",
       "2026-12-07T12:00:31Z Running stage 'sample@vae':",  # run again (its lock entry lost): ...
       "2026-12-07T12:00:51Z finished"]


def test_stage_seconds_run_from_one_stamp_to_the_next_and_count_the_last_run():
    seconds = stage_seconds(LOG)
    assert seconds["train@vae"] == 600.0
    assert seconds["train@gan"] == 120.0  # its resumed run only
    assert seconds["sample@vae"] == 20.0  # ... its last run made the outputs kept
    assert seconds["score@vae"] == 31.0  # its resumed run only
    assert seconds["check_params"] == 1.0


def run_tree(root, epochs, fid):
    """A work tree after `dvc repro`: params, lock, headline, train metrics and timings of one model."""
    (root / "metrics/headline").mkdir(parents=True)
    (root / "metrics/train").mkdir()
    (root / "metrics/timings/train").mkdir(parents=True)
    (root / "plots/history").mkdir(parents=True)
    (root / "params.yaml").write_text(yaml.safe_dump({"epochs": epochs, "models": {"vae": {}}}))
    (root / "dvc.lock").write_text("schema: '2.0'\n")
    (root / "metrics/headline/vae.json").write_text(json.dumps({"fid": fid, "inception_score": 7.0}))
    (root / "metrics/headline/real_data.json").write_text(json.dumps({"fid": 6.9, "inception_score": 9.88}))
    (root / "metrics/train/vae.json").write_text(json.dumps(
        {"epochs": epochs, "numerics": {"processor": "CPU X", "threads": 2, "torch": "2.14.1", "precision": "float32"}}))
    (root / "metrics/timings/train/vae.json").write_text(json.dumps({"train_seconds": 123.0}))
    (root / "metrics/seeds.json").write_text("{}")  # another run's collection: not kept
    (root / "plots/history/vae.csv").write_text("epoch,seconds\n1,2.0\n")
    return root


def test_a_saved_result_set_keeps_the_runs_outputs_and_says_how_it_ran(tmp_path):
    run = run_tree(tmp_path / "run", 50, 100.0)
    subprocess.run(["git", "init", "-q"], cwd=run, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
                   cwd=run, check=True)
    out = tmp_path / "results" / "epochs50"
    log = tmp_path / "stages.log"
    log.write_text("\n".join(LOG) + "\n")
    made = subprocess.run([sys.executable, "-m", "genbench.experiments.resultset", "save", str(run), str(out),
                           "--command", "dvc exp run -n epochs50 -S epochs=50", "--stages-log", str(log)],
                          capture_output=True, text=True)
    assert made.returncode == 0 and made.stdout.strip() == f"wrote {out}", made.stderr
    assert (out / "metrics/headline/vae.json").read_text() == (run / "metrics/headline/vae.json").read_text()
    assert (out / "plots/history/vae.csv").is_file() and (out / "dvc.lock").is_file()
    assert not (out / "metrics/seeds.json").exists()
    record = json.loads((out / "provenance.json").read_text())
    assert len(record["commit"]) == 40 and record["epochs"] == 50
    assert record["command"] == "dvc exp run -n epochs50 -S epochs=50"
    assert record["machine"] == ["CPU X, 2 torch threads, torch 2.14.1, float32"]
    assert record["train_seconds"] == {"vae": 123.0} and record["stage_seconds"]["train@vae"] == 600.0
    with pytest.raises(ConfigError, match="not a work tree that ran the pipeline"):
        save(tmp_path / "nothing", out, "x")


def test_compare_puts_each_models_two_runs_one_above_the_other(tmp_path):
    here = run_tree(tmp_path / "here", 2, 875.0)
    there = run_tree(tmp_path / "there", 50, 42.5)
    lines = compare(there, here).splitlines()
    assert lines[1].split()[:4] == ["vae", "(2", "epochs)", "875.0"]
    assert lines[2].split()[:4] == ["vae", "(50", "epochs)", "42.5"]
    assert lines[3].startswith("real data")
    run = subprocess.run([sys.executable, "-m", "genbench", "compare", str(there)], cwd=here, capture_output=True,
                         text=True)
    assert run.returncode == 0 and "(50 epochs)" in run.stdout, run.stderr
    missing = subprocess.run([sys.executable, "-m", "genbench", "compare", str(tmp_path / "nowhere")], cwd=here,
                             capture_output=True, text=True)
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1, missing.stderr
    assert "not a run's work tree or result set" in missing.stderr


def test_a_result_set_of_the_committed_run_redraws_every_figure_with_this_checkouts_code(tmp_path):
    out = tmp_path / "committed"
    save(ROOT, out, "dvc repro")
    drawn = {p.name for p in (out / "plots/figures").glob("*.png")}
    assert drawn == {p.name for p in (ROOT / "plots/figures").glob("*.png")} and "quality_over_time.png" in drawn
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    record = json.loads((out / "provenance.json").read_text())
    assert record["commit"] == head and record["stage_seconds"] is None
    assert set(record["train_seconds"]) == set(yaml.safe_load((ROOT / "params.yaml").read_text())["models"])


def test_the_committed_full_protocol_trained_every_model_50_epochs_and_says_how_it_ran():
    full = ROOT / "results" / "epochs50"
    params = yaml.safe_load((full / "params.yaml").read_text())
    models = set(yaml.safe_load((ROOT / "params.yaml").read_text())["models"])
    assert params["epochs"] == 50 and params["seed"] == 42 and set(params["models"]) == models
    assert {p.stem for p in (full / "metrics/headline").glob("*.json")} == models | {"real_data"}
    for model in models:
        trained = json.loads((full / f"metrics/train/{model}.json").read_text())
        assert trained["epochs"] == 50, model
    record = json.loads((full / "provenance.json").read_text())
    assert record["epochs"] == 50 and len(record["commit"]) == 40 and record["machine"]
    assert set(record["train_seconds"]) == models
    assert {f"train@{m}" for m in models} | {f"score@{m}" for m in models} <= set(record["stage_seconds"])


def test_the_committed_guidance_run_changed_the_ddpms_sampler_and_nothing_else():
    """results/epochs50-ddpm-guidance0: the 50-epoch run with the DDPM sampled without guidance,
    from the same checkpoints: every other model's numbers are the full protocol's."""
    full, unguided = ROOT / "results" / "epochs50", ROOT / "results" / "epochs50-ddpm-guidance0"
    params, changed = (yaml.safe_load((run / "params.yaml").read_text()) for run in (full, unguided))
    assert changed["models"]["ddpm"]["sample"].pop("guidance") == 0.0
    assert params["models"]["ddpm"]["sample"].pop("guidance") == 2.0
    assert changed == params
    locks = [yaml.safe_load((run / "dvc.lock").read_text())["stages"] for run in (full, unguided)]
    for model in params["models"]:
        assert locks[0][f"train@{model}"]["outs"] == locks[1][f"train@{model}"]["outs"], model  # the same checkpoints
        headlines = [json.loads((run / f"metrics/headline/{model}.json").read_text()) for run in (full, unguided)]
        assert (headlines[0] == headlines[1]) == (model != "ddpm"), model
