"""Bad inputs and faults outside training end in one clear line and leave nothing partial:
samples files, files written by a kill, non-numbers in metrics, OS errors, the report's
inlined scripts, and an evaluator that cannot read digits."""

import errno
import os
import re
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from genbench import cli
from genbench.errors import DataError, DivergenceError
from genbench.scoring.evaluator import check_reads_digits
from genbench.experiments.report import inline_script
from genbench.sampling import load_samples, save_samples
from genbench.files import TEMP_SUFFIX, atomic_write_bytes, write_json

ROOT = Path(__file__).resolve().parents[1]


def npz(path, **arrays):
    np.savez(path, **arrays)
    return path


GOOD = {"images": np.zeros((4, 28, 28), np.uint8), "labels": np.full(4, -1, np.int64), "conditional": np.array(False)}


@pytest.mark.parametrize("changes, message", [
    ({"images": np.zeros((4, 28, 28), np.float32)}, "images must be uint8 N x 28 x 28, got float32"),
    ({"images": np.zeros((4, 32, 32), np.uint8)}, "images must be uint8 N x 28 x 28, got uint8 (4, 32, 32)"),
    ({"labels": np.array([1, 2, 3, 4])}, "labels on an unconditional model's samples"),
    ({"labels": np.zeros(3, np.int64)}, "labels must be int64, one per image"),
    ({"conditional": np.array(True)}, "a conditional model's labels must be digits 0-9"),
])
def test_a_bad_samples_file_is_refused(tmp_path, changes, message):
    with pytest.raises(DataError, match=re.escape(message)):
        load_samples(npz(tmp_path / "s.npz", **{**GOOD, **changes}))


def test_a_samples_file_without_its_model_kind_or_not_npz_is_refused(tmp_path):
    with pytest.raises(DataError, match="no 'conditional' array"):
        load_samples(npz(tmp_path / "s.npz", images=GOOD["images"], labels=GOOD["labels"]))
    (tmp_path / "t.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a samples file"):
        load_samples(tmp_path / "t.npz")


def test_samples_round_trip(tmp_path):
    images, labels = torch.rand(10, 1, 28, 28), torch.arange(10)
    save_samples(tmp_path / "s.npz", images, labels, conditional=True)
    back = load_samples(tmp_path / "s.npz")
    assert back["conditional"] and torch.equal(back["labels"], labels)
    assert (back["images"] - images).abs().max() <= 0.5 / 255 + 1e-6


def test_outputs_get_the_usual_permissions_and_temp_files_are_ignored(tmp_path):
    atomic_write_bytes(tmp_path / "out.json", b"{}")
    mode = stat.S_IMODE((tmp_path / "out.json").stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask and mode & 0o044  # readable by others, unlike mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    for path in (f"metrics/.summary.json.x1y2{TEMP_SUFFIX}", "plots/figures/.radar.png.abc.partial"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path
    assert "*.partial" in (ROOT / ".dvcignore").read_text()


def test_a_nan_never_reaches_a_metrics_file(tmp_path):
    with pytest.raises(DataError, match=r"scores.json: inception_score_std is nan"):
        write_json(tmp_path / "scores.json", {"fid": 1.0, "inception_score_std": float("nan")})
    with pytest.raises(DataError, match=r"per_digit.3 is inf"):
        write_json(tmp_path / "scores.json", {"per_digit": [0.1, 0.2, 0.3, float("inf")]})
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("error, line", [
    (OSError(errno.ENOSPC, "No space left on device", "metrics/summary.json"),
     "error: metrics/summary.json: No space left on device"),
    (PermissionError(errno.EACCES, "Permission denied", "data/checkpoints/vae.pt"),
     "error: data/checkpoints/vae.pt: Permission denied"),
    (DivergenceError("gan: d_loss became 1e+16 at epoch 3 (step 7)"), "error: gan: d_loss became 1e+16"),
])
def test_os_errors_and_failures_end_in_one_line(capsys, error, line):
    def main():
        raise error
    with pytest.raises(SystemExit) as info:
        cli.run(main)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1 and "Traceback" not in err


def test_the_report_escapes_what_it_inlines():
    js = 'const a = "</script><script>alert(1)</script>"; const b = "</SCRIPT >";'
    safe = inline_script(js)
    assert "</script" not in safe.lower()
    assert safe.replace("<\\/", "</") == js  # the same program


def test_an_evaluator_at_chance_is_not_a_yardstick():
    check_reads_digits(0.5)
    with pytest.raises(DivergenceError, match="evaluator: test accuracy 0.098 .* near chance"):
        check_reads_digits(0.098)
