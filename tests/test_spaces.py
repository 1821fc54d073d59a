"""The yardstick beyond the evaluator: the corrupted test set is fixed, the shipped reader reads
corrupted digits as well as its floors say, the feature spaces share no weights, the rank
agreement between spaces is computed as Kendall's tau, and `dvc metrics show` stays readable."""

import json
import subprocess

import pytest
import torch

from conftest import ROOT
from genbench.errors import YardstickError
from genbench.files import file_sha256
from genbench.results.agreement import findings, rank_agreement, ranks
from genbench.results.catalogue import METRICS, MULTI_SPACE, SPACES, TRACKED
from genbench.scoring.corruptions import CORRUPTIONS, TEST_SEVERITY, corrupt_batch, corrupted_test_set
from genbench.scoring.evaluator import SHIPPED, SHIPPED_SHA256
from genbench.scoring.reader import FLOORS, meets_floors
from genbench.scoring.shipped import NETWORKS, SHA256, check_shipped_network, shipped_path
from genbench.scoring.scorecard import load_networks


def digits(n=16):
    """Bar-shaped stand-ins for digits: a vertical stroke in the middle of the image."""
    x = torch.zeros(n, 1, 28, 28)
    x[:, :, 6:22, 12:16] = 1.0
    return x


# ------------------------------------------------------------------- the corrupted test set


def test_the_corrupted_test_set_is_the_same_every_time_and_uint8():
    first, second = corrupted_test_set(digits()), corrupted_test_set(digits())
    assert list(first) == list(CORRUPTIONS) == list(TEST_SEVERITY)
    for name in CORRUPTIONS:
        assert first[name].dtype == torch.uint8 and first[name].shape == (16, 28, 28)
        assert torch.equal(first[name], second[name]), name


def test_every_corruption_changes_the_images_and_keeps_them_in_range():
    clean = (digits() * 255).to(torch.uint8)[:, 0]
    for name, corrupted in corrupted_test_set(digits()).items():
        assert not torch.equal(corrupted, clean), f"{name} left the images as they were"


def test_a_corruption_at_severity_zero_leaves_the_image_alone():
    x = digits()
    for name, corrupt in CORRUPTIONS.items():
        if name == "scale":  # 1 +- 0: the identity map, resampled
            continue
        assert torch.allclose(corrupt(x, 0.0, torch.Generator().manual_seed(0)), x, atol=1e-6), name


def test_training_batches_mix_clean_and_corrupted_images_reproducibly():
    x = digits(256)
    a = corrupt_batch(x, torch.Generator().manual_seed(3))
    b = corrupt_batch(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and 0 <= a.min() and a.max() <= 1
    unchanged = (a == x).flatten(1).all(1).float().mean()
    assert 0.15 < unchanged < 0.6  # a quarter kept clean, plus the draws at severity near 0


# ----------------------------------------------------------------------------- the reader


def test_the_committed_reader_meets_its_floors_on_clean_and_every_corruption():
    committed = json.loads((ROOT / "metrics/evaluator.json").read_text())["reader"]
    accuracy = committed["accuracy"]
    assert set(accuracy) == {"clean", *CORRUPTIONS}
    assert accuracy["clean"] >= FLOORS["clean"] == 0.996
    assert all(accuracy[name] >= FLOORS["corrupted"] == 0.98 for name in CORRUPTIONS), accuracy
    assert meets_floors(accuracy) and committed["sha256"] == SHA256["reader"]


def test_the_shipped_reader_reads_the_corrupted_test_set_as_its_record_says(mnist_raw_dir):
    """The evaluator stage reports yardstick/reading.json for the shipped files (reading
    100,000 images each run is not worth it). The record keeps the digit the reader read in
    every image: its accuracies are those digits' own, and here the reader reads every
    tenth image of each set again and reads the same digit, image by image (two images in a
    thousand may move: another thread count sums a convolution in another order)."""
    from genbench.data import load_split
    from genbench.scoring.reader import digits_accuracy, readings
    from genbench.scoring.shipped import load_network, shipped_reading

    xt, yt = load_split(mnist_raw_dir, train=False)
    record = shipped_reading()
    recorded = {name: torch.tensor([int(c) for c in text]) for name, text in record["reader_digits"].items()}
    assert set(recorded) == set(record["reader"]) == {"clean", *CORRUPTIONS}
    for name, digits in recorded.items():
        assert len(digits) == len(yt) and digits_accuracy(digits, yt) == record["reader"][name], name
    every_tenth = torch.arange(0, len(xt), 10)
    read = readings(load_network("reader", shipped_path("reader"), "shipped"), xt, keep=every_tenth)
    for name, digits in read.items():
        moved = int((digits != recorded[name][every_tenth]).sum())
        assert moved <= 2, (name, moved)


def test_the_shipped_record_of_the_reader_is_the_pipelines_measurement():
    record = json.loads(shipped_path("reader").with_suffix(".json").read_text())
    committed = json.loads((ROOT / "metrics/evaluator.json").read_text())["reader"]
    assert record["sha256"] == SHA256["reader"] and record["meets_floors"]
    for name, acc in committed["accuracy"].items():
        assert record["accuracy"][name] == pytest.approx(acc, abs=2e-4), name


# ------------------------------------------------------------------- the shipped networks


@pytest.mark.parametrize("name", NETWORKS)
def test_every_shipped_network_is_its_pinned_file(name):
    assert file_sha256(shipped_path(name)) == SHA256[name]


def test_a_damaged_network_is_refused_with_both_hashes(tmp_path):
    bad = tmp_path / "autoencoder.pt"
    data = bytearray(shipped_path("autoencoder").read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(YardstickError, match=SHA256["autoencoder"]):
        check_shipped_network("autoencoder", bad)


def test_the_feature_spaces_and_the_reader_share_no_weights():
    """No tensor of one network appears in another (no copied layer, no shared init), the
    files differ, and the PCA space has no trained weights at all."""
    networks = load_networks(SHIPPED.parent, "shipped")
    assert set(networks) == {*SPACES, "reader"}
    hashes = {SHIPPED_SHA256, *SHA256.values()}
    assert len(hashes) == len(networks)
    tensors = {name: [t for t in net.state_dict().values() if t.is_floating_point() and t.numel() > 1]
               for name, net in networks.items()}
    names = list(tensors)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for ta in tensors[a]:
                for tb in tensors[b]:
                    assert not (ta.shape == tb.shape and torch.equal(ta, tb)), f"{a} and {b} share a tensor"
    assert sum(p.numel() for p in networks["pca"].parameters()) == 0
    kinds = {name: {type(m).__name__ for m in net.modules()} for name, net in networks.items()}
    assert "BatchNorm2d" in kinds["evaluator"] and not kinds["autoencoder"] & {"BatchNorm2d", "MaxPool2d"}


# ----------------------------------------------------------------------------- agreement


REAL = {m.key: 0.0 for m in METRICS}  # real-data values (density's best is the real data's)


def scorecards(per_space):
    """Model -> scorecard with every multi-space measure's values given per space."""
    out = {}
    for model, values in per_space.items():
        card = {}
        for m in METRICS:
            if m.measure in MULTI_SPACE:
                card[m.key] = values[m.space]
        out[model] = card
    return out


def test_ranks_follow_each_metrics_direction():
    assert ranks({"a": 3.0, "b": 1.0, "c": 2.0}, "lower") == {"a": 3, "b": 1, "c": 2}
    assert ranks({"a": 3.0, "b": 1.0, "c": 2.0}, "higher") == {"a": 1, "b": 3, "c": 2}
    assert ranks({"a": 0.7, "b": 1.1, "c": 1.5}, "nearest_real", real=1.0) == {"a": 2, "b": 1, "c": 3}
    assert ranks({"a": 1.0, "b": 1.0, "c": 2.0}, "lower") == {"a": 1, "b": 1, "c": 3}


def test_spaces_that_agree_give_tau_one_and_an_order():
    cards = scorecards({"a": {"evaluator": 1, "autoencoder": 10, "pca": 5},
                        "b": {"evaluator": 2, "autoencoder": 20, "pca": 6},
                        "c": {"evaluator": 3, "autoencoder": 30, "pca": 7}})
    fid = rank_agreement(cards, REAL)["fid"]
    assert fid["kendall_tau"] == {"evaluator~autoencoder": 1.0, "evaluator~pca": 1.0, "autoencoder~pca": 1.0}
    assert fid["order"] == [["a"], ["b"], ["c"]] and fid["leader"] == "a"
    assert any("one order**, a > b > c" in line for line in findings({"fid": fid}))


def test_spaces_that_disagree_are_reported_as_depending_on_the_space():
    cards = scorecards({"a": {"evaluator": 1, "autoencoder": 30, "pca": 5},
                        "b": {"evaluator": 2, "autoencoder": 20, "pca": 6},
                        "c": {"evaluator": 3, "autoencoder": 10, "pca": 7}})
    fid = rank_agreement(cards, REAL)["fid"]
    assert fid["kendall_tau"]["evaluator~autoencoder"] == -1.0 and fid["min_tau"] == -1.0
    assert fid["order"] is None and fid["leader"] is None
    line = findings({"fid": fid})[0]
    assert "depends on the feature space" in line and "evaluator: a" in line and "autoencoder: c" in line


def test_what_the_spaces_agree_on_first_and_last_is_stated_and_ties_stay_ties():
    cards = scorecards({"a": {"evaluator": 1, "autoencoder": 1, "pca": 1},
                        "b": {"evaluator": 2, "autoencoder": 3, "pca": 2},
                        "c": {"evaluator": 3, "autoencoder": 2, "pca": 3},
                        "d": {"evaluator": 9, "autoencoder": 9, "pca": 9},
                        "e": {"evaluator": 9, "autoencoder": 9, "pca": 9}})
    fid = rank_agreement(cards, REAL)["fid"]
    assert fid["agreed_first"] == [["a"]] and fid["agreed_last"] == [["d", "e"]] and fid["order"] is None
    line = findings({"fid": fid})[0]
    assert "**FID: a leads in all three feature spaces**; d = e last in all three" in line


def test_the_committed_summary_holds_the_rank_agreement_of_every_measure():
    summary = json.loads((ROOT / "metrics/summary.json").read_text())
    assert set(summary["rank_agreement"]) == set(MULTI_SPACE)
    for a in summary["rank_agreement"].values():
        assert all(t is None or -1 <= t <= 1 for t in a["kendall_tau"].values())


# ------------------------------------------------------------------ what DVC tracks


def test_dvc_metrics_show_prints_one_readable_row_per_model():
    out = subprocess.run(["dvc", "metrics", "show"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert max(len(line) for line in lines) <= 300, max(len(line) for line in lines)
    rows = [line.split()[0] for line in lines[1:]]
    expected = []
    for headline in ("metrics/headline", "results/epochs50/metrics/headline"):  # the work tree's run and the full protocol's
        models = json.loads(((ROOT / headline).parent / "summary.json").read_text())["models"]
        expected += [f"{headline}/{m}.json" for m in [*models, "real_data"]]
    assert sorted(rows) == sorted(expected)
    assert sorted(lines[0].split()[1:]) == sorted(TRACKED)  # DVC sorts the columns by name


def test_intervals_over_seeds_back_a_lead_only_when_they_are_clear_and_current():
    cards = scorecards({"a": {"evaluator": 1, "autoencoder": 10, "pca": 5},
                        "b": {"evaluator": 2, "autoencoder": 20, "pca": 6}})
    fid = rank_agreement(cards, REAL)["fid"]

    def interval(low, high):
        return {"ci_low": low, "ci_high": high}
    clear = {m: {k: interval(lo, lo + 1) for k in ("fid", "fid_ae", "fid_pca")} for m, lo in (("a", 0), ("b", 5))}
    overlapping = {m: {k: interval(lo, lo + 1) for k in ("fid", "fid_ae", "fid_pca")} for m, lo in (("a", 0), ("b", 0.5))}
    older = {m: {"fid": interval(lo, lo + 1)} for m, lo in (("a", 0), ("b", 0.5))}  # no spaces: an older yardstick
    assert "clear of every other model's" in findings({"fid": fid}, clear)[0]
    assert "overlaps b's, so the lead is not yet a finding" in findings({"fid": fid}, overlapping)[0]
    assert "over seeds" not in findings({"fid": fid}, older)[0]
