"""params.yaml validation: each bad value stops with one line that names the key."""

import copy
from pathlib import Path

import pytest
import yaml

from genbench.config import load_params, parse_params
from genbench.errors import ConfigError

PARAMS = yaml.safe_load((Path(__file__).parents[1] / "params.yaml").read_text())


def test_project_params_load():
    params = load_params(Path(__file__).parents[1] / "params.yaml")
    assert params.seed == 42 and params.batch_size == 128
    assert list(params.models) == list(PARAMS["models"])
    assert params.models["vae"].lr == pytest.approx(1e-3)


def _with(path: str, value):
    raw = copy.deepcopy(PARAMS)
    node = raw
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return raw


@pytest.mark.parametrize("path, value, message", [
    ("models.vae.lr", 0.0, "models.vae.lr: must be > 0"),
    ("models.vae.lr", -1e-3, "models.vae.lr: must be > 0"),
    ("models.vae.lr", "fast", "models.vae.lr: expected a number"),
    ("epochs", 0, "epochs: must be >= 1"),
    ("epochs", 2.5, "epochs: expected an integer"),
    ("models.vae.epochs", 0, "models.vae.epochs: must be >= 1"),
    ("batch_size", 0, "batch_size: must be >= 1"),
    ("batch_size", True, "batch_size: expected an integer"),
    ("seed", "42", "seed: expected an integer"),
    ("models.vae.learning_rate", 1e-3, "models.vae.learning_rate: unknown key"),
    ("evaluator.depth", 3, "evaluator.depth: unknown key"),
    ("colour", "blue", "colour: unknown key"),
    ("models.transformer", {"lr": 1e-3}, "models.transformer: unknown model"),
    ("sample.num_samples", 1005, "sample.num_samples: must be a multiple of 10"),
    ("device", "tpu", "device: must be cpu, cuda or auto"),
    ("models.ddpm.guidance", -1.0, "models.ddpm.guidance: must be >= 0"),
    ("sweep.guidance", [0.0, -0.5], "sweep.guidance: scales must be >= 0"),
    ("sweep.guidance", "strong", "sweep.guidance: expected a list"),
])
def test_bad_value_names_its_key(path, value, message):
    with pytest.raises(ConfigError) as info:
        parse_params(_with(path, value))
    text = str(info.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_missing_top_level_key_is_named():
    raw = copy.deepcopy(PARAMS)
    del raw["batch_size"]
    with pytest.raises(ConfigError, match="^batch_size: missing"):
        parse_params(raw)


def test_model_epochs_falls_back_to_top_level():
    params = parse_params(_with("models.vae.epochs", None))
    assert params.model_epochs("vae") == params.epochs
    params = parse_params(_with("models.vae.epochs", 3))
    assert params.model_epochs("vae") == 3
