"""Studies: the grid a definition makes, which runs are its points, the rows and intervals
collected from them, the committed definitions, and the stage that draws them."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from genbench.errors import ConfigError
from genbench.experiments.runs import Run, differences, flatten
from genbench.experiments.studies import load_study, study_rows
from genbench.results.intervals import study_summary

ROOT = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def write(folder: Path, name: str, **spec) -> Path:
    spec = {"title": "lr", "models": ["gan", "dcgan"], "key": "models.{model}.train.lr",
            "values": [0.0001, 0.0002, 0.0004], "seeds": [42, 43], **spec}
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(spec))
    return folder


def run(rev, rows=("gan", "dcgan", "vae"), fid=100.0, **changes) -> Run:
    params = flatten(PARAMS) | changes
    return Run(rev, rev, params, [{"model": m, "fid": str(fid), "kid": "5.0", "label_accuracy": "",
                                   "precision": "0.5"} for m in rows])


def test_flatten_and_differences():
    flat = flatten({"seed": 1, "models": {"gan": {"train": {"lr": 0.1, "loss": {"name": "x"}}}}, "empty": {}})
    assert flat == {"seed": 1, "models.gan.train.lr": 0.1, "models.gan.train.loss.name": "x", "empty": {}}
    assert differences(flat | {"seed": 2, "new": 0}, flat) == {"seed", "new"}


def test_a_study_is_one_experiment_per_value_and_seed_setting_every_model(tmp_path):
    study = load_study("lr", PARAMS, write(tmp_path, "lr", fixed={"epochs": 1}))
    assert study.points() == [(0.0001, 42), (0.0001, 43), (0.0002, 42), (0.0002, 43), (0.0004, 42), (0.0004, 43)]
    assert study.settings(0.0004, 43) == {"models.gan.train.lr": 0.0004, "models.dcgan.train.lr": 0.0004,
                                          "seed": 43, "epochs": 1}
    assert study.experiment_name(0.0004, 43) == "lr-0.0004-s43"
    assert load_study("sn", PARAMS, write(tmp_path, "sn", values=[False, True])).experiment_name(True, 42) == "sn-true-s42"


@pytest.mark.parametrize("spec, message", [
    ({"models": ["nope"]}, "model 'nope' is not in params.yaml"),
    ({"key": "models.{model}.train.nope"}, "models.gan.train.nope is not a param"),
    ({"fixed": {"sample": {"nope": 1}}}, "sample.nope is not a param"),
    ({"values": [1, 1]}, "listed twice"),
    ({"seeds": []}, "at least one"),
    ({"typo": 1}, "unknown field(s) typo"),
])
def test_a_wrong_definition_is_refused_with_what_is_wrong(tmp_path, spec, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_study("bad", PARAMS, write(tmp_path, "bad", **spec))


def test_an_unknown_study_lists_the_defined_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"no such study \(defined: lr\)"):
        load_study("nope", PARAMS, write(tmp_path, "lr"))


def test_the_runs_that_are_points_and_their_rows(tmp_path):
    study = load_study("lr", PARAMS, write(tmp_path, "lr"))
    base = run("base", fid=1.0)  # lr 2e-4, seed 42: a point
    runs = [base,
            run("a", fid=2.0, **{"models.gan.train.lr": 0.0004, "models.dcgan.train.lr": 0.0004}),
            run("b", fid=3.0, **{"models.gan.train.lr": 0.0004, "models.dcgan.train.lr": 0.0004}),  # same point
            run("c", **{"models.gan.train.lr": 0.0004}),  # one model only: not a point
            run("d", **{"models.gan.train.lr": 0.0001, "models.dcgan.train.lr": 0.0001, "epochs": 9}),
            run("e", **{"models.gan.train.lr": 0.0003, "models.dcgan.train.lr": 0.0003}),  # not a value
            run("f", **{"seed": 44}),  # not a seed of the study
            run("g", fid=4.0, **{"seed": 43})]  # a seed run: the point (2e-4, 43)
    assert [study.point_of(r, base.params) for r in runs] == [
        (0.0002, 42), (0.0004, 42), (0.0004, 42), None, None, None, None, (0.0002, 43)]
    rows = study_rows(study, runs)
    assert [(r["model"], r["lr"], r["seed"], r["rev"]) for r in rows] == [
        ("gan", "0.0002", 42, "base"), ("gan", "0.0002", 43, "g"), ("gan", "0.0004", 42, "a"),
        ("dcgan", "0.0002", 42, "base"), ("dcgan", "0.0002", 43, "g"), ("dcgan", "0.0004", 42, "a")]
    assert [r["fid"] for r in rows[:3]] == ["1.0", "4.0", "2.0"]  # the first run of a point wins


def test_fixed_params_must_match(tmp_path):
    study = load_study("lr", PARAMS, write(tmp_path, "lr", fixed={"epochs": 1}))
    base = run("base")
    assert study.point_of(base, base.params) is None  # the committed run has other epochs
    assert study.point_of(run("x", epochs=1), base.params) == (0.0002, 42)


def test_summary_intervals_per_model_and_value(tmp_path):
    study = load_study("lr", PARAMS, write(tmp_path, "lr"))
    base = run("base", fid=100.0)
    rows = study_rows(study, [base, run("s43", fid=110.0, seed=43),
                              run("a", fid=50.0, **{"models.gan.train.lr": 0.0004, "models.dcgan.train.lr": 0.0004})])
    summary = study_summary(study, rows)
    gan = summary["models"]["gan"]
    assert set(gan) == {"lr=0.0002", "lr=0.0004"}  # 1e-4 has no run yet
    assert gan["lr=0.0002"]["seeds"] == [42, 43] and gan["lr=0.0002"]["fid"]["mean"] == 105.0
    assert gan["lr=0.0002"]["fid"]["ci_low"] < 100.0 < gan["lr=0.0002"]["fid"]["ci_high"]
    assert gan["lr=0.0004"]["fid"]["std"] is None  # one seed: no interval
    assert "label_accuracy" not in gan["lr=0.0002"]  # an empty cell: the model has no such metric
    assert summary["values"] == [0.0001, 0.0002, 0.0004] and summary["key"] == "models.{model}.train.lr"


def test_the_committed_definitions_load():
    names = sorted(p.stem for p in (ROOT / "studies").glob("*.yaml"))
    assert len(names) >= 4
    for name in names:
        study = load_study(name, PARAMS, ROOT / "studies")
        assert study.claim and len(study.values) >= 2


def test_the_stage_summarizes_and_draws_each_collected_study(tmp_path):
    studies = write(tmp_path, "lr")
    write(tmp_path, "later")  # defined, not collected
    study = load_study("lr", PARAMS, studies)
    rows = study_rows(study, [run("base"), run("s43", fid=120.0, seed=43),
                              run("a", fid=50.0, **{"models.gan.train.lr": 0.0001, "models.dcgan.train.lr": 0.0001})])
    (tmp_path / "runs").mkdir()
    with open(tmp_path / "runs" / "lr.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = subprocess.run([sys.executable, str(ROOT / "stages/studies.py"), "--studies", str(studies),
                             "--runs", str(tmp_path / "runs"), "--metrics", str(tmp_path / "metrics"),
                             "--figures", str(tmp_path / "figures")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "later: not collected yet" in result.stdout
    assert json.loads((tmp_path / "metrics/lr.json").read_text())["models"]["dcgan"]["lr=0.0001"]["fid"]["mean"] == 50.0
    assert not (tmp_path / "metrics/later.json").exists()
    with Image.open(tmp_path / "figures/lr.png") as img:
        assert img.size[0] > 1000


def test_the_readme_table_ranks_values_only_where_intervals_separate(tmp_path):
    from genbench.results.tables import markdown_study

    study = load_study("lr", PARAMS, write(tmp_path, "lr", models=["gan"]))
    lr = {"models.gan.train.lr": 0.0004}
    runs = [run("base", fid=100.0), run("s43", fid=102.0, seed=43),
            run("a", fid=50.0, **lr), run("b", fid=51.0, seed=43, **lr),
            run("c", fid=150.0, **{"models.gan.train.lr": 0.0001})]
    table = markdown_study(study_summary(study, study_rows(study, runs)))
    assert "| gan | lr=0.0004 | 2 | 50.5 ± 6.4 |" in table
    assert "| gan | lr=0.0001 | 1 | 150.0 |" in table
    assert "gan by FID (best first): lr=0.0004 > lr=0.0002 ≈ lr=0.0001" in table
