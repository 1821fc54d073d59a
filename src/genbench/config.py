"""Typed view of params.yaml: load once, validate, and fail with one line naming the key.

Every section is a frozen dataclass; unknown keys, wrong types and impossible values
(lr <= 0, epochs < 1, batch size < 1, an unknown model name) raise ConfigError.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml


from genbench.errors import ConfigError  # noqa: F401  (re-exported)


_POSITIVE = {"lr", "batch_size", "epochs", "num_samples", "quick_fid_samples", "num_real",
             "is_splits", "latent_dim", "noise_dim", "width", "timesteps",
             "sample_steps", "train_subset", "ancestral_samples", "ddim_steps"}


def _check_type(key: str, value, annotation):
    """Check ``value`` against a simple annotation (int/float/str/bool/list[...]/X | None)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _check_type(key, value, inner[0])
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return [_check_type(f"{key}[{i}]", v, args[0]) for i, v in enumerate(value)]
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if annotation is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return value
    if annotation in (str, bool):
        if not isinstance(value, annotation):
            raise ConfigError(f"{key}: expected {annotation.__name__}, got {value!r}")
        return value
    if dataclasses.is_dataclass(annotation):
        return build(annotation, value, key)
    raise TypeError(f"unsupported annotation {annotation!r} for {key}")


def build(cls, raw, prefix: str = ""):
    """Build dataclass ``cls`` from a dict, validating keys, types and ranges."""
    where = prefix or "params"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise ConfigError(f"{key}: unknown key (allowed in {where}: {', '.join(sorted(names))})")
    values = {}
    for f in dataclasses.fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{key}: missing")
            continue
        value = _check_type(key, raw[f.name], hints[f.name])
        if f.name in _POSITIVE and value is not None:
            for item in value if isinstance(value, list) else [value]:
                if f.name == "lr" and item <= 0:
                    raise ConfigError(f"{key}: must be > 0, got {item}")
                if f.name != "lr" and item < 1:
                    raise ConfigError(f"{key}: must be >= 1, got {item}")
        values[f.name] = value
    obj = cls(**values)
    check = getattr(obj, "validate", None)
    if check is not None:
        check(prefix)
    return obj


@dataclass(frozen=True)
class DataConfig:
    root: str = "data/mnist"
    local_dir: str | None = None  # a folder of IDX files tried before the PyPI wheel
    train_subset: int | None = None  # use only the first N training images (tests, quick looks)


@dataclass(frozen=True)
class EvaluatorConfig:
    epochs: int = 3
    lr: float = 1e-3
    width: int = 32
    mixed_precision: bool = True  # bfloat16 autocast in training (2x on CPU); features in float32


@dataclass(frozen=True)
class SampleConfig:
    num_samples: int = 10_000
    grid_rows: int = 8
    batch_size: int = 100  # images per generate() call: ~100 is fastest for the U-Net on CPU

    def validate(self, prefix):
        if self.num_samples % 10:
            raise ConfigError(f"{prefix}.num_samples: must be a multiple of 10 (equal digits), "
                              f"got {self.num_samples}")


@dataclass(frozen=True)
class ScoreConfig:
    num_real: int = 10_000  # real test images for FID (all 10,000 by default)
    quick_fid_samples: int = 2_000  # per-epoch FID during training
    is_splits: int = 10
    cas: bool = True  # train the CAS classifier on each conditional model's samples
    stability_worsen_fraction: float = 0.1  # a quick-FID rise larger than this counts as worse


@dataclass(frozen=True)
class SweepConfig:
    """The DDPM sampler sweep: DDIM step counts, the 1,000-step ancestral sampler, and
    guidance scales (with the default sampler)."""
    ddim_steps: list[int] = field(default_factory=lambda: [10, 20, 50, 100])
    num_samples: int = 300
    ancestral_samples: int = 100
    guidance: list[float] = field(default_factory=lambda: [0.0, 1.0, 2.0, 3.0])
    batch_size: int = 100

    def validate(self, prefix):
        if any(w < 0 for w in self.guidance):
            raise ConfigError(f"{prefix}.guidance: scales must be >= 0, got {self.guidance}")


@dataclass(frozen=True)
class NormalizeConfig:
    """Fixed constants that map raw metrics to [0, 1]; see README 'Normalization'.

    No defaults here: params.yaml is the one place these numbers live.
    """
    fid_best: float
    fid_worst: float
    sample_seconds_best: float  # seconds per 1,000 samples
    sample_seconds_worst: float
    train_seconds_best: float
    train_seconds_worst: float
    stability_fid_spread_worst: float


@dataclass(frozen=True)
class Params:
    seed: int
    batch_size: int
    epochs: int
    models: dict
    device: str = "cpu"
    data: DataConfig = field(default_factory=DataConfig)
    evaluator: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    normalize: NormalizeConfig | None = None

    def model_epochs(self, name: str) -> int:
        """A model's epoch count: its own ``epochs`` if set, else the top-level one."""
        return getattr(self.models[name], "epochs", None) or self.epochs


def _build_models(raw) -> dict:
    from genbench.models import REGISTRY

    if not isinstance(raw, dict) or not raw:
        raise ConfigError("models: expected a mapping of model name to its section")
    models = {}
    for name, section in raw.items():
        if name not in REGISTRY:
            raise ConfigError(f"models.{name}: unknown model (known: {', '.join(sorted(REGISTRY))})")
        models[name] = build(REGISTRY[name].Config, section, f"models.{name}")
    return models


def parse_params(raw: dict) -> Params:
    if not isinstance(raw, dict):
        raise ConfigError("params: expected a mapping at the top level")
    raw = dict(raw)
    models = _build_models(raw.pop("models", None))
    params = build(Params, {**raw, "models": {}}, "")
    if params.normalize is None:
        raise ConfigError("normalize: missing")
    if params.device not in ("cpu", "cuda", "auto"):
        raise ConfigError(f"device: must be cpu, cuda or auto, got {params.device!r}")
    return dataclasses.replace(params, models=models)


def load_params(path: str | Path = "params.yaml") -> Params:
    with open(path) as fh:
        return parse_params(yaml.safe_load(fh))
