"""`genbench score`: anyone's samples (.npz, .npy, a folder of PNGs) scored through the score
stage's own scorecard, beside the committed rows; every bad input refused in one line, exit 2."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from genbench.__main__ import main
from genbench.errors import InputError
from genbench.scoring.submitted import read_submitted


def digits(n=60, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


def save_pngs(folder, images, labels=None, mode="L"):
    for i, image in enumerate(images):
        where = folder if labels is None else folder / str(labels[i])
        where.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).convert(mode).save(where / f"{i:05d}.png")


# ------------------------------------------------------------------ reading what is given


def test_the_three_formats_read_the_same_images(tmp_path):
    images, labels = digits(), np.arange(60) % 10
    np.savez(tmp_path / "s.npz", images=images, labels=labels)
    np.save(tmp_path / "s.npy", images)
    save_pngs(tmp_path / "pngs", images, labels)
    from_npz = read_submitted(tmp_path / "s.npz")
    from_npy = read_submitted(tmp_path / "s.npy")
    from_pngs = read_submitted(tmp_path / "pngs")
    assert from_npz.images.shape == (60, 1, 28, 28) and from_npz.labels.tolist() == labels.tolist()
    assert (from_npy.images == from_npz.images).all() and (from_npy.labels == -1).all()
    order = np.argsort(labels, kind="stable")  # the folder reads 0/ first, then 1/, ...
    assert (from_pngs.images == from_npz.images[order]).all()
    assert from_pngs.labels.tolist() == labels[order].tolist()


def test_labels_from_a_file_and_unit_floats_with_a_note(tmp_path):
    images = digits()
    np.save(tmp_path / "f.npy", images.astype(np.float32) / 255)
    (tmp_path / "labels.txt").write_text(" ".join(str(i % 10) for i in range(60)))
    read = read_submitted(tmp_path / "f.npy", tmp_path / "labels.txt")
    assert (read.images.mul(255).round().squeeze(1).numpy().astype(np.uint8) == images).all()
    assert read.labels.tolist() == [i % 10 for i in range(60)]
    assert any("rounded to 256 grey levels" in note for note in read.notes)


def bad_inputs(tmp_path):
    """(the input, a labels file or None, what the one line must say)."""
    cases = []

    def case(name, array, expected, labels=None):
        path = tmp_path / name
        np.save(path, array) if name.endswith(".npy") else np.savez(path, **array)
        cases.append((path, labels, expected))

    case("small.npy", np.zeros((60, 32, 32), np.uint8), "images are 32 x 32; MNIST is 28 x 28")
    case("rgb.npy", np.zeros((60, 28, 28, 3), np.uint8), "RGB images")
    case("tanh.npy", np.full((60, 28, 28), -0.5, np.float32), "float pixels must lie in [0, 1], found [-0.5, -0.5]")
    nan = np.zeros((60, 28, 28), np.float32)
    nan[3, 0, 0] = np.nan
    case("nan.npy", nan, "1 image(s) contain NaN or infinite values")
    inf = np.zeros((60, 28, 28), np.float64)
    inf[:2, 5, 5] = np.inf
    case("inf.npy", inf, "2 image(s) contain NaN or infinite values")
    case("labels.npz", {"images": digits(), "labels": np.full(60, 12)}, "labels must be digits 0-9")
    case("count.npz", {"images": digits(), "labels": np.zeros(59, np.int64)}, "59 labels for 60 images")
    case("noimages.npz", {"pixels": digits()}, "no 'images' array")
    case("empty_array.npy", np.zeros((0, 28, 28), np.uint8), "no images")
    (tmp_path / "empty.npz").write_bytes(b"")
    cases.append((tmp_path / "empty.npz", None, "empty file"))
    (tmp_path / "text.npy").write_text("not an array\n")
    cases.append((tmp_path / "text.npy", None, "cannot read it as a NumPy .npy file"))
    (tmp_path / "nopngs").mkdir()
    (tmp_path / "nopngs" / "readme.txt").write_text("x")
    cases.append((tmp_path / "nopngs", None, "no PNG files"))
    save_pngs(tmp_path / "rgbpngs", digits(3), mode="RGB")
    cases.append((tmp_path / "rgbpngs", None, "RGB image"))
    (tmp_path / "bigpngs").mkdir()
    Image.new("L", (64, 64)).save(tmp_path / "bigpngs" / "a.png")
    cases.append((tmp_path / "bigpngs", None, "64 x 64 pixels; MNIST is 28 x 28"))
    np.save(tmp_path / "ok.npy", digits())
    (tmp_path / "few.txt").write_text("1 2 3")
    cases.append((tmp_path / "ok.npy", tmp_path / "few.txt", "3 labels for 60 images"))
    (tmp_path / "ten.txt").write_text(" ".join(["10"] * 60))
    cases.append((tmp_path / "ok.npy", tmp_path / "ten.txt", "labels must be digits 0-9 (or -1 for every image: none), found 10"))
    return cases


def test_every_bad_input_is_refused_in_one_line_with_exit_code_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the project's params: the protocol's sample count
    for path, labels, expected in bad_inputs(tmp_path):
        with pytest.raises(InputError, match=None) as raised:
            read_submitted(path, labels)
        assert expected in str(raised.value), (path, str(raised.value))
        argv = ["score", str(path), "--min-samples", "50", "--out", str(tmp_path / "out.json")]
        with pytest.raises(SystemExit) as exited:
            main(argv + (["--labels", str(labels)] if labels else []))
        err = capsys.readouterr().err
        assert exited.value.code == 2 and err.count("\n") == 1 and expected in err, (path, err)
        assert not (tmp_path / "out.json").exists()  # never a partial scorecard


def test_too_few_samples_names_the_minimum_and_why(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    np.save(tmp_path / "s.npy", digits(60))
    with pytest.raises(SystemExit) as exited:
        main(["score", str(tmp_path / "s.npy")])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1
    assert "60 samples; at least 5,000 are needed" in err and "--min-samples" in err
    with pytest.raises(SystemExit) as exited:
        main(["score", str(tmp_path / "s.npy"), "--min-samples", "10"])
    assert exited.value.code == 2 and "--min-samples 10: at least 50" in capsys.readouterr().err


def test_a_traceback_never_reaches_the_user(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"PK\x03\x04 truncated zip")
    run = subprocess.run([sys.executable, "-m", "genbench", "score", str(tmp_path / "x.npz")], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr and run.stderr.count("\n") == 1, run.stderr


# ------------------------------------------------------------- the same numbers as score@MODEL


def test_a_models_own_samples_score_its_committed_numbers(project):
    """`genbench score` on a model's samples file gives the score stage's file, key for key,
    and prints that row beside the committed models and the real data."""
    project, env, _ = project
    for model in ("cgan", "vae"):  # with labels (label accuracy, CAS) and without
        run = subprocess.run([sys.executable, "-m", "genbench", "score", f"data/samples/{model}.npz",
                              "--name", f"mine_{model}", "--out", f"{model}.json"],
                             cwd=project, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert json.loads((project / f"{model}.json").read_text()) == \
            json.loads((project / f"metrics/scores/{model}.json").read_text())
        lines = run.stdout.splitlines()
        mine = next(line for line in lines if line.startswith(f"mine_{model}"))
        committed = next(line for line in lines if line.startswith(f"{model} "))
        assert mine.split()[1:] == committed.split()[1:]  # the same cells
        assert any(line.startswith("real data") for line in lines)


def test_an_npy_and_a_png_folder_of_the_same_samples(project, tmp_path):
    project, env, _ = project
    with np.load(project / "data/samples/cgan.npz") as data:
        images, labels = data["images"], data["labels"]
    np.save(tmp_path / "images.npy", images)
    save_pngs(tmp_path / "pngs", images, labels)
    committed = json.loads((project / "metrics/scores/cgan.json").read_text())
    for source in (tmp_path / "images.npy", tmp_path / "pngs"):
        out = tmp_path / f"{source.stem}.json"
        run = subprocess.run([sys.executable, "-m", "genbench", "score", str(source), "--out", str(out)],
                             cwd=project, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        scores = json.loads(out.read_text())
        assert scores["fid"] == pytest.approx(committed["fid"], rel=1e-6)  # the order of images aside
        assert scores["precision"] == committed["precision"] and scores["recall"] == committed["recall"]
        if source.is_dir():
            assert scores["label_accuracy"] == committed["label_accuracy"]  # labels from the sub-folders
        else:
            assert scores["label_accuracy"] is None and scores["cas"] is None  # no labels, no control
