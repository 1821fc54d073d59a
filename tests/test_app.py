"""Digits on demand: the web app's API (every bad input, every model's happy path,
determinism, the bounded queue, a missing checkpoint) and the `genbench generate` command."""

import base64
import dataclasses
import io
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import model_spec
from genbench.__main__ import main
from genbench.serving.app import Catalog, ServedModel, create_app
from genbench.models import available, save_checkpoint
from genbench.serving.ondemand import grid_size

ROOT = Path(__file__).resolve().parents[1]


def tiny(name):
    torch.manual_seed(0)
    spec = model_spec(name)
    return spec, spec.cls(spec.config).eval()


def served(name, **changes):
    spec, model = tiny(name)
    return ServedModel(name, lambda: model, spec.cls.conditional, dataclasses.asdict(spec.sampling),
                       {"fid": 100.0, "label_accuracy": None, "sample_seconds_per_1000": 1.0}, **changes)


@pytest.fixture(scope="module")
def client():
    models = [served(name) for name in available()]
    models.append(dataclasses.replace(served("vae"), name="untrained",
                                      missing="untrained: `dvc repro train@untrained` trains it"))
    return create_app(Catalog(models)).test_client()


def png_of(response):
    assert response.status_code == 200, response.text
    assert response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data))


@pytest.mark.parametrize("name", available())
def test_every_model_draws_a_grid_of_the_requested_size(client, name):
    image = png_of(client.get(f"/api/generate.png?model={name}&count=12&seed=1"))
    assert image.size == grid_size(12) == (302, 62)
    assert float(client.get(f"/api/generate.png?model={name}&count=2").headers["X-Generation-Seconds"]) >= 0


def test_same_seed_same_png_bytes_other_seed_other_bytes(client):
    first = client.get("/api/generate.png?model=cgan&count=8&seed=5&digit=2").data
    assert client.get("/api/generate.png?model=cgan&count=8&seed=5&digit=2").data == first
    assert client.get("/api/generate.png?model=cgan&count=8&seed=6&digit=2").data != first


def test_json_api_reports_digits_settings_and_the_png(client):
    body = client.get("/api/generate?model=ddpm&count=3&digit=7&steps=2&guidance=1").get_json()
    assert body["digits"] == [7, 7, 7] and body["settings"]["steps"] == 2 and body["settings"]["guidance"] == 1.0
    assert Image.open(io.BytesIO(base64.b64decode(body["png_base64"]))).size == grid_size(3)
    random_digits = client.get("/api/generate?model=cgan&count=20&seed=3").get_json()["digits"]
    assert len(set(random_digits)) > 3
    assert client.get("/api/generate?model=gan&count=2").get_json()["digits"] == [-1, -1]


@pytest.mark.parametrize("query, reason", [
    ("model=transformer", "model: unknown 'transformer'"),
    ("count=2", "model: unknown ''"),
    ("model=cgan&digit=10", "digit: must be between 0 and 9, got 10"),
    ("model=cgan&digit=-1", "digit: must be between 0 and 9, got -1"),
    ("model=cgan&digit=seven", "digit: expected an integer, got 'seven'"),
    ("model=gan&digit=3", "digit: gan is unconditional, leave the digit blank"),
    ("model=gan&count=0", "count: must be between 1 and 256, got 0"),
    ("model=gan&count=100000", "count: must be between 1 and 256, got 100000"),
    ("model=gan&count=ten", "count: expected an integer, got 'ten'"),
    ("model=gan&seed=-5", "seed: must be between 0 and 4294967295, got -5"),
    ("model=gan&seed=1.5", "seed: expected an integer, got '1.5'"),
    ("model=gan&steps=10", "steps: not a setting of gan"),
    ("model=ddpm&steps=0", "steps: must be >= 1, got 0"),
    ("model=ddpm&steps=51", "ddpm.sample.steps: at most train.timesteps (50), got 51"),
    ("model=ddpm&steps=many", "steps: expected an integer, got 'many'"),
    ("model=ddpm&guidance=lots", "guidance: expected a number, got 'lots'"),
    ("model=ddpm&guidance=-1", "guidance: must be >= 0, got -1.0"),
    ("model=ddpm&guidance=inf", "guidance: must be a finite number, got inf"),
    ("model=ddpm&guidance=1e400", "guidance: must be a finite number, got inf"),
    ("model=ddpm&count=256&steps=50", "count x network passes per image = 256 x 100 = 25,600; at most 5,120"),
    ("model=ddpm&sampler=euler", "sampler: must be one of ddim, ancestral, got 'euler'"),
    ("model=ddpm&colour=red", "colour: not a setting of ddpm"),
])
def test_bad_input_is_a_400_with_one_line(client, query, reason):
    response = client.get(f"/api/generate.png?{query}")
    assert response.status_code == 400
    assert response.text.startswith(reason) and response.text.count("\n") == 1, response.text


def test_missing_checkpoint_names_the_command_that_makes_it(client):
    response = client.get("/api/generate.png?model=untrained")
    assert response.status_code == 404 and "dvc repro train@untrained" in response.text
    page = client.get("/").text
    assert "dvc repro train@untrained" in page and "Generate images" in page
    listing = {m["name"]: m for m in client.get("/api/models").get_json()}
    assert not listing["untrained"]["available"] and listing["ddpm"]["settings"]["steps"] == 10


def test_a_burst_beyond_the_queue_gets_503():
    """One generation running, one waiting: a third request is refused at once."""
    started, release = threading.Event(), threading.Event()

    class Slow(torch.nn.Module):
        name, conditional, Sampling, config = "slow", False, dataclasses.make_dataclass("S", []), None
        device = torch.device("cpu")

        @staticmethod
        def check_settings(config, sampling, prefix):
            pass

        def network_evaluations(self):
            return 1

        def generate(self, n, labels, generator):
            started.set()
            release.wait(10)
            return torch.zeros(n, 1, 28, 28)

    app = create_app(Catalog([ServedModel("slow", Slow, False, {})]), workers=1, queue=1)
    statuses = []

    def request():
        statuses.append(app.test_client().get("/api/generate.png?model=slow&count=1").status_code)

    gate = app.extensions["genbench.gates"]["slow"]
    running = threading.Thread(target=request)
    running.start()
    assert started.wait(10)
    waiting = threading.Thread(target=request)
    waiting.start()
    for _ in range(1000):  # until the second request holds the queue place
        if gate.admitted_count() == 2:
            break
        threading.Event().wait(0.01)
    refused = app.test_client().get("/api/generate.png?model=slow&count=1")
    release.set()
    running.join(10), waiting.join(10)
    assert refused.status_code == 503 and refused.text.startswith("busy:")
    assert statuses == [200, 200]


def test_generate_command_writes_png_and_npz_deterministically(tmp_path, monkeypatch, capsys):
    _, model = tiny("cgan")
    save_checkpoint(model, tmp_path / "cgan.pt")
    monkeypatch.chdir(ROOT)  # params.yaml gives the sampler settings
    args = ["generate", "cgan", "--checkpoint", str(tmp_path / "cgan.pt"), "--digits", "4,5", "--count", "6"]
    main(args + ["--out", str(tmp_path / "a.png")])
    main(args + ["--out", str(tmp_path / "b.png")])
    main(args + ["--out", str(tmp_path / "c.npz")])
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert Image.open(tmp_path / "a.png").size == grid_size(6)
    with np.load(tmp_path / "c.npz") as samples:
        assert samples["images"].shape == (6, 28, 28) and samples["images"].dtype == np.uint8
        assert samples["labels"].tolist() == [4, 5, 4, 5, 4, 5]
    assert "cgan: 6 images in" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["generate", "gan", "--digits", "3"], "digits: this model is unconditional"),
    (["generate", "cgan", "--digits", "12"], "digits: must be 0-9, got 12"),
    (["generate", "ddpm", "--steps", "0"], "steps: must be >= 1, got 0"),
    (["generate", "cgan", "--count", "0"], "--count: must be between 1 and 10,000, got 0"),
    (["generate", "cgan", "--out", "x.txt"], "--out: x.txt must end in .png or .npz"),
    (["generate", "transformer"], "models.transformer: not in params.yaml"),
])
def test_generate_command_errors_are_one_line(tmp_path, monkeypatch, args, message):
    name = args[1]
    if name in available():
        _, model = tiny(name)
        save_checkpoint(model, tmp_path / "m.pt")
        args = args + ["--checkpoint", str(tmp_path / "m.pt")]
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(args)
    assert str(info.value).startswith(f"error: {message}")


def test_generate_command_without_checkpoint_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(["generate", "cgan", "--checkpoint", str(tmp_path / "none.pt")])
    assert "dvc repro train@cgan" in str(info.value) and "dvc pull" in str(info.value)
