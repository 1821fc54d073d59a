"""params.yaml validation: each bad value stops with one line that names the key; the code
holds no defaults of its own, except the sampler settings a bare generate() uses, which a
test keeps equal to params.yaml."""

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml

from genbench.config import load_params, parse_params
from genbench.errors import ConfigError
from genbench.models import available, model_class, model_spec, sweep_config

ROOT = Path(__file__).resolve().parents[1]
RAW = yaml.safe_load((ROOT / "params.yaml").read_text())


def test_project_params_load_and_every_model_types():
    params = load_params(ROOT / "params.yaml")
    assert params.seed == 42 and params.batch_size == 128
    assert list(params.models) == list(RAW["models"])
    for name in params.models:
        spec = model_spec(params, name)
        assert spec.cls.name == name and spec.cls.family == RAW["models"][name]["family"]
    assert model_spec(params, "vae").config.lr == pytest.approx(1e-3)


def _with(path: str, value):
    raw = copy.deepcopy(RAW)
    node = raw
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return raw


def _error(raw, model=None) -> str:
    with pytest.raises(ConfigError) as info:
        params = parse_params(raw)
        if model:
            sweep_config(params, model_spec(params, model)) if model in params.sweep else model_spec(params, model)
    text = str(info.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("path, value, message", [
    ("models.vae.train.lr", 0.0, "models.vae.train.lr: must be > 0, got 0.0"),
    ("models.vae.train.lr", -1e-3, "models.vae.train.lr: must be > 0"),
    ("models.vae.train.lr", "fast", "models.vae.train.lr: expected a number"),
    ("models.vae.train.epochs", 0, "models.vae.train.epochs: must be >= 1"),
    ("models.vae.train.learning_rate", 1e-3, "models.vae.train.learning_rate: unknown key"),
    ("models.vae.train.lr", KeyError, "models.vae.train.lr: missing"),
    ("models.vae.family", "diffusion", "models.vae.family: vae is a variational model"),
    ("models.gan.train.beta1", 1.5, "models.gan.train.beta1: must be >= 0 and < 1, got 1.5"),
    ("models.gan.train.loss.real_label", 5.0, "models.gan.train.loss.real_label: must be > 0 and <= 1, got 5.0"),
    ("models.gan.train.loss.name", "hinge", "models.gan.train.loss.name: must be one of non_saturating, wasserstein_gp"),
    ("models.gan.train.loss", "hinge", "models.gan.train.loss: expected a mapping"),
    ("models.gan.train.loss.gp_weight", 10.0, "models.gan.train.loss.gp_weight: unknown key"),
    ("models.gan.train.d_steps", 0, "models.gan.train.d_steps: must be >= 1"),
    ("models.wgan_gp.train.loss.gp_weight", -1.0, "models.wgan_gp.train.loss.gp_weight: must be >= 0"),
    ("models.wgan_gp.train.loss", {"name": "non_saturating", "real_label": 1.0},
     "models.wgan_gp.train.loss.name: wgan_gp is trained with wasserstein_gp"),
    ("models.cdcgan.train.loss", {"name": "wasserstein_gp", "gp_weight": 10.0},
     "models.cdcgan.train.loss.name: wasserstein_gp is for unconditional models"),
    ("models.dcgan.train.width", 0, "models.dcgan.train.width: must be >= 1"),
    ("models.gan.sample", {"truncation": 0.5}, "models.gan.sample.truncation: unknown key"),
    ("models.ddpm.train.p_uncond", 1.0, "models.ddpm.train.p_uncond: must be >= 0 and < 1"),
    ("models.ddpm.train.width", 12, "models.ddpm.train.width: must be a multiple of 8"),
    ("models.ddpm.train.beta_start", 0.05, "models.ddpm.train.beta_start: must be below beta_end"),
    ("models.ddpm.train.precision", "float16", "models.ddpm.train.precision: must be one of auto"),
    ("models.ddpm.sample.guidance", -1.0, "models.ddpm.sample.guidance: must be >= 0"),
    ("models.ddpm.sample.sampler", "euler", "models.ddpm.sample.sampler: must be one of ddim, ancestral"),
    ("models.ddpm.sample.steps", 2000, "models.ddpm.sample.steps: at most train.timesteps (1000)"),
])
def test_bad_model_value_names_its_key(path, value, message):
    assert _error(_with(path, value), model=path.split(".")[1]).startswith(message)


@pytest.mark.parametrize("path, value, message", [
    ("epochs", 0, "epochs: must be >= 1"),
    ("epochs", 2.5, "epochs: expected an integer"),
    ("batch_size", 0, "batch_size: must be >= 1"),
    ("batch_size", True, "batch_size: expected an integer"),
    ("seed", "42", "seed: expected an integer"),
    ("seed", -1, "seed: must be >= 0"),
    ("seed", 2**33, "seed: must be >= 0 and <= 4.29497e+09, got 8589934592"),
    ("score.is_splits", 20000, "score.is_splits: at most score.num_real (10000), got 20000"),
    ("normalize.stability_worsen_fraction", -3, "normalize.stability_worsen_fraction: must be >= 0"),
    ("normalize.fid_best", -5.0, "normalize.fid_best: must be > 0"),
    ("data.root", "elsewhere", "data.root: unknown key"),
    ("batch_size", KeyError, "batch_size: missing"),
    ("evaluator.depth", 3, "evaluator.depth: unknown key"),
    ("colour", "blue", "colour: unknown key"),
    ("models.transformer", {"family": "adversarial", "train": {}, "sample": {}},
     "models.transformer: unknown model (no module src/genbench/models/transformer.py)"),
    ("models.vae.epochs", 3, "models.vae.epochs: unknown key"),
    ("sample.num_samples", 1005, "sample.num_samples: must be a multiple of 10"),
    ("device", "tpu", "device: must be one of cpu, cuda, auto"),
    ("plot.grid_rows", 0, "plot.grid_rows: must be >= 1"),
    ("score.quick_fid_samples", 5, "score.quick_fid_samples: must be >= 10"),
    ("normalize.fid_best", 20000.0, "normalize.fid_best: must be below fid_worst"),
    ("sweep.transformer", {"batch_size": 10, "series": []}, "sweep.transformer: not a model"),
])
def test_bad_value_names_its_key(path, value, message):
    assert _error(_with(path, value)).startswith(message)


@pytest.mark.parametrize("series, message", [
    ({"setting": "temperature", "values": [1.0], "num_samples": 100},
     "sweep.ddpm.series[0].setting: 'temperature' is not a key of models.ddpm.sample"),
    ({"setting": "guidance", "values": [1.0, -2.0], "num_samples": 100},
     "sweep.ddpm.series[0].values.guidance: must be >= 0"),
    ({"setting": "steps", "values": [10], "num_samples": 5}, "sweep.ddpm.series[0].num_samples: must be >= 10"),
    (None, "sweep.ddpm.series: expected at least one series"),
])
def test_bad_sweep_names_its_key(series, message):
    raw = _with("sweep.ddpm.series", [series] if series else [])
    assert _error(raw, model="ddpm").startswith(message)


def test_yaml_syntax_error_is_one_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 42\nmodels: [unclosed\n")
    with pytest.raises(ConfigError, match=r"params.yaml: line \d+ not valid YAML"):
        load_params(path)


def test_model_epochs_falls_back_to_top_level():
    params = parse_params(_with("models.vae.train.epochs", None))
    assert params.model_epochs(model_spec(params, "vae").config) == params.epochs
    params = parse_params(_with("models.vae.train.epochs", 3))
    assert params.model_epochs(model_spec(params, "vae").config) == 3


def test_code_defaults_equal_params_yaml():
    """The only defaults in code are the Sampling fields of a model (what a bare generate()
    and the per-epoch quick FID use); they must be the committed `sample` values. Every
    params dataclass (config.py, every model's Config) has none but a model's own `epochs`
    (unset: the protocol's)."""
    params = load_params(ROOT / "params.yaml")
    for name in params.models:
        spec = model_spec(params, name)
        assert spec.cls.Sampling() == spec.sampling, name
        assert all(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                   for f in dataclasses.fields(spec.cls.Config) if f.name != "epochs"), name


def test_default_protocol_trains_every_model_the_top_level_epochs():
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert all("epochs" not in section["train"] for section in raw["models"].values())
    params = load_params(ROOT / "params.yaml")
    assert {params.model_epochs(model_spec(params, name).config) for name in params.models} == {params.epochs}


def test_registry_lists_every_model_module_and_loads_lazily():
    import subprocess
    import sys

    assert {"vae", "gan", "cgan", "ddpm"} <= set(available())
    assert "adversarial" not in available() and "base" not in available()
    probe = ("import sys; from genbench.config import load_params; from genbench.models import model_spec; "
             "model_spec(load_params(), 'vae'); "
             "print(sorted(m for m in sys.modules if m.startswith('genbench.models.')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["genbench.models.base", "genbench.models.vae", "genbench.models.variational"])
    probe = "import sys; from genbench.config import load_params; load_params(); print('genbench.models' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # reading params loads no model code
    assert model_class("gan").family == "adversarial"
