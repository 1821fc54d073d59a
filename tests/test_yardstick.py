"""The shipped evaluator: its hash is checked before anything is scored, and the real-data
values it gives are the committed ones whatever the thread count or batch size."""

import dataclasses
import json
import math
import subprocess
import sys

import pytest
import torch

from conftest import PARAMS, ROOT
from genbench.data import load_split
from genbench.errors import YardstickError
from genbench.files import file_sha256
from genbench.scoring.evaluator import SHIPPED, SHIPPED_SHA256, check_shipped, load_evaluator
from genbench.scoring.real_features import compute_real_features
from genbench.results.catalogue import METRICS, SPACES
from genbench.scoring.scorecard import COMPUTE, RealTrain, load_networks, yardstick

COMMITTED = json.loads((ROOT / "metrics/reference.json").read_text())
# the feature spaces' and the reader's own numbers (the other metrics' real values reuse these features)
COMPARED = ("fid", "fid_uniform_noise", "fid_ae", "fid_ae_uniform_noise", "fid_pca", "fid_pca_uniform_noise",
            "kid", "kid_ae", "kid_pca", "inception_score", "label_accuracy", "precision", "recall", "precision_ae",
            "recall_ae", "density", "coverage", "density_ae", "coverage_ae", "class_entropy")


def test_the_shipped_evaluator_is_the_pinned_file():
    assert file_sha256(SHIPPED) == SHIPPED_SHA256
    recipe = json.loads(SHIPPED.with_name("recipe.json").read_text())
    assert recipe["sha256"] == SHIPPED_SHA256 and recipe["test_accuracy"] >= 0.996


def test_the_pipeline_uses_the_shipped_evaluator_by_default():
    assert PARAMS.evaluator.source == "shipped"
    committed = json.loads((ROOT / "metrics/evaluator.json").read_text())
    assert committed["source"] == "shipped" and committed["sha256"] == SHIPPED_SHA256
    assert committed["test_accuracy"] >= 0.996


@pytest.mark.parametrize("damage", ["one byte changed", "missing"])
def test_a_wrong_evaluator_file_stops_with_one_line_naming_the_hash(tmp_path, damage):
    bad = tmp_path / "evaluator.pt"
    if damage != "missing":
        data = bytearray(SHIPPED.read_bytes())
        data[len(data) // 2] ^= 0xFF
        bad.write_bytes(bytes(data))
    with pytest.raises(YardstickError, match=SHIPPED_SHA256):
        check_shipped(bad)
    # as a stage reports it: one line, exit 1, nothing loaded
    code = ("from genbench import cli; from genbench.scoring.evaluator import load_evaluator; "
            f"cli.run(lambda: load_evaluator({str(bad)!r}, 'shipped'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and SHIPPED_SHA256 in run.stderr


def test_a_retrained_evaluator_is_loaded_without_the_check(tmp_path):
    """`evaluator.source: train`: the stage's own file, whatever its hash."""
    from genbench.scoring.evaluator import Evaluator, save_evaluator

    save_evaluator(Evaluator(width=4), tmp_path / "own.pt")
    assert load_evaluator(tmp_path / "own.pt", "train").width == 4
    with pytest.raises(YardstickError):
        load_evaluator(tmp_path / "own.pt", "shipped")


def same_to(digits: int, value: float, committed: float) -> bool:
    """``value`` rounds to ``committed`` at ``digits`` significant digits: within half a unit
    of the last of them."""
    unit = 10.0 ** (math.floor(math.log10(abs(committed))) - digits + 1)
    return abs(value - committed) <= unit / 2


def test_the_real_data_values_are_the_committed_ones_to_three_significant_digits(mnist_raw_dir):
    """What differs between machines that one machine can vary, both changed from the reference
    stage's (2 threads on this machine, batches of 1,000): the thread count (the order of a
    convolution's sums) and the batch size the images are embedded in."""
    threads, batch_size = 1, 250
    x, y = load_split(mnist_raw_dir, train=True)
    xt, yt = load_split(mnist_raw_dir, train=False)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        networks = load_networks(SHIPPED.parent, "shipped")
        real = compute_real_features({s: networks[s] for s in SPACES}, networks["reader"], x, x[:1000], xt, yt,
                                     num_real=PARAMS.score.num_real, seed=PARAMS.evaluator.seed,
                                     batch_size=batch_size)
        params = dataclasses.replace(PARAMS, score=dataclasses.replace(PARAMS.score, cas=False))
        ys = yardstick(params, real, xt, yt, networks)
        values = {}
        for m in METRICS:
            if m.key in COMPARED:
                values.update(COMPUTE[m.key][1](ys, RealTrain(x, y, num_samples=PARAMS.sample.num_samples)))
    finally:
        torch.set_num_threads(before)
    for key in COMPARED:
        assert same_to(3, values[key], COMMITTED[key]), (key, values[key], COMMITTED[key])


def test_augmentation_moves_digits_a_little_and_is_seeded():
    from genbench.scoring.evaluator import augment_batch

    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 10:18, 12:16] = 1.0
    a = augment_batch(x, torch.Generator().manual_seed(0))
    b = augment_batch(x, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == x.shape
    assert 0 <= a.min() and a.max() <= 1 and not torch.equal(a, x)
    mass = a.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert ((mass > 0.7) & (mass < 1.3)).all()  # scaled by at most 10 %: the stroke stays


def test_real_features_made_by_an_older_genbench_are_refused_with_the_command_that_remakes_them(tmp_path):
    from genbench.runtime import save_torch
    from genbench.scoring.real_features import RealFeatures

    save_torch({"spaces": {}, "test_labels": torch.zeros(3)}, tmp_path / "real.pt")  # no test_radii, ...
    with pytest.raises(YardstickError, match=r"real.pt: has no test_radii, .*`dvc repro reference`"):
        RealFeatures.load(tmp_path / "real.pt")
