"""Typed view of params.yaml: load once, validate, and fail with one line naming the key.

Every section is a frozen dataclass without defaults: params.yaml is the one place values
live. A field declares its own constraint (``param(gt=0)``, ``param(ge=0, lt=1)``,
``param(choices=...)``); unknown keys, missing keys, wrong types and values outside the
constraint raise ConfigError. A model's sections are checked for shape here and typed by
the model's own module (``genbench.models.model_spec``), imported only when a stage asks for
that model, so a stage never loads another model's code and this module loads none.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from genbench.errors import ConfigError


@dataclass(frozen=True)
class Check:
    """The constraint of a numeric field (each bound optional) or its allowed values."""
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    choices: tuple | None = None

    def problem(self, value) -> str | None:
        if self.choices is not None:
            return None if value in self.choices else f"must be one of {', '.join(map(str, self.choices))}"
        bounds = [(self.gt, ">", lambda v, b: v > b), (self.ge, ">=", lambda v, b: v >= b),
                  (self.lt, "<", lambda v, b: v < b), (self.le, "<=", lambda v, b: v <= b)]
        failed = [f"{op} {bound:g}" for bound, op, ok in bounds if bound is not None and not ok(value, bound)]
        if not failed:
            return None
        wanted = " and ".join(f"{op} {bound:g}" for bound, op, _ in bounds if bound is not None)
        return f"must be {wanted}"


def param(*, gt=None, ge=None, lt=None, le=None, choices=None, default=dataclasses.MISSING):
    """A dataclass field with its constraint (checked for every item of a list)."""
    check = Check(gt, ge, lt, le, tuple(choices) if choices is not None else None)
    return field(default=default, metadata={"check": check})


def _check_type(key: str, value, annotation):
    """Check ``value`` against a simple annotation (int/float/str/bool/list/X | None/dataclass)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _check_type(key, value, inner[0])
    if origin is list or annotation is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        item = args[0] if args else typing.Any
        return [_check_type(f"{key}[{i}]", v, item) for i, v in enumerate(value)]
    if annotation is typing.Any:
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{key}: must be a finite number, got {value!r}")
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
    """Build dataclass ``cls`` from a mapping, checking keys, types and each field's constraint."""
    where = prefix or "params"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(raw) - set(names))
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise ConfigError(f"{key}: unknown key (allowed in {where}: {', '.join(names) or 'none'})")
    values = {}
    for f in dataclasses.fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{key}: missing")
            continue
        value = _check_type(key, raw[f.name], hints[f.name])
        check = f.metadata.get("check")
        if check is not None and value is not None:
            for item in value if isinstance(value, list) else [value]:
                problem = check.problem(item)
                if problem:
                    raise ConfigError(f"{key}: {problem}, got {item!r}")
        values[f.name] = value
    obj = cls(**values)
    validate = getattr(obj, "validate", None)
    if validate is not None:
        validate(prefix)
    return obj


MAX_SEED = 2**32 - 1  # torch and numpy seeds are 32-bit: the range of every seed the project takes

# ------------------------------------------------------------------------------ sections


@dataclass(frozen=True)
class DataConfig:
    local_dir: str | None  # a folder with the four MNIST IDX files, tried before the PyPI wheel
    train_subset: int | None = param(ge=1)  # train on the first N images only (tests, quick looks)


@dataclass(frozen=True)
class EvaluatorConfig:
    """Where the yardstick comes from, and the recipe of CAS's classifier (and of the
    evaluator under ``source: train``): its own seed and batch size, always on the CPU, so the
    models' seed, batch size and device never move it."""
    source: str = param(choices=("shipped", "train"))  # shipped: the frozen file (genbench.scoring.evaluator.SHIPPED)
    seed: int = param(ge=0, le=MAX_SEED)
    batch_size: int = param(ge=1)
    epochs: int = param(ge=1)
    lr: float = param(gt=0)
    width: int = param(ge=1)
    precision: str = param(choices=("float32", "bfloat16"))  # of training; features are float32


@dataclass(frozen=True)
class SampleConfig:
    num_samples: int = param(ge=10)
    batch_size: int = param(ge=1)  # images per generate() call; part of the random stream

    def validate(self, prefix):
        if self.num_samples % 10:
            raise ConfigError(f"{prefix}.num_samples: must be a multiple of 10 (equal digits), "
                              f"got {self.num_samples}")


@dataclass(frozen=True)
class ScoreConfig:
    num_real: int = param(ge=2)  # MNIST test images FID compares against
    quick_fid_samples: int = param(ge=10)  # per-epoch FID in the training history
    quick_fids: int = param(ge=1)  # quick FIDs per training run, evenly spaced (quick_fid_epochs)
    is_splits: int = param(ge=1)
    cas: bool  # train the CAS classifier on each conditional model's samples


def quick_fid_epochs(epochs: int, count: int) -> set[int]:
    """The epochs (1-based) after which training takes its quick FID: about ``count``, evenly
    spaced, the last always; every epoch of a run of up to ``count`` epochs, every 5th of 50 at 10."""
    every = -(-epochs // count)
    return {epoch for epoch in range(1, epochs + 1) if epoch % every == 0 or epoch == epochs}


@dataclass(frozen=True)
class PlotConfig:
    grid_rows: int = param(ge=1)  # sample grids are grid_rows x grid_rows


@dataclass(frozen=True)
class NormalizeConfig:
    """Fixed constants that map raw metrics to [0, 1]; see README 'Normalization'."""
    fid_best: float = param(gt=0)
    fid_worst: float = param(gt=0)
    sample_seconds_best: float = param(gt=0)  # seconds per 1,000 samples
    sample_seconds_worst: float = param(gt=0)
    train_seconds_best: float = param(gt=0)
    train_seconds_worst: float = param(gt=0)
    stability_cv_worst: float = param(gt=0)  # seeds: a final-FID spread (std / mean) scoring 0
    stability_worsen_fraction: float = param(ge=0)  # a quick-FID rise larger than this counts as worse

    def validate(self, prefix):
        for name in ("fid", "sample_seconds", "train_seconds"):
            if getattr(self, f"{name}_best") >= getattr(self, f"{name}_worst"):
                raise ConfigError(f"{prefix}.{name}_best: must be below {name}_worst")


@dataclass(frozen=True)
class ModelSection:
    """One entry under ``models:``: the family whose training process the model uses,
    its ``train`` keys (typed by the model's Config) and its ``sample`` keys (the
    keyword arguments of its generate(), typed by the model's Sampling)."""
    family: str
    train: dict
    sample: dict | None


@dataclass(frozen=True)
class SweepSeries:
    setting: str  # a key of the model's `sample` section
    values: list
    num_samples: int = param(ge=10)


@dataclass(frozen=True)
class SweepConfig:
    """Sampler settings tried one at a time, each from the model's `sample` section."""
    batch_size: int = param(ge=1)
    series: list[SweepSeries]

    def validate(self, prefix):
        if not self.series:
            raise ConfigError(f"{prefix}.series: expected at least one series")


@dataclass(frozen=True)
class Params:
    seed: int = param(ge=0, le=MAX_SEED)
    batch_size: int = param(ge=1)
    epochs: int = param(ge=1)
    checkpoint: str = param(choices=("last", "best"))  # the weights kept: last epoch or lowest quick FID
    device: str = param(choices=("cpu", "cuda", "auto"))
    data: DataConfig
    evaluator: EvaluatorConfig
    models: dict
    sample: SampleConfig
    score: ScoreConfig
    sweep: dict
    plot: PlotConfig
    normalize: NormalizeConfig

    def validate(self, prefix):
        for size, key in [(self.score.num_real, "score.num_real"), (self.sample.num_samples, "sample.num_samples")]:
            if self.score.is_splits > size:
                raise ConfigError(f"score.is_splits: at most {key} ({size}), got {self.score.is_splits}")

    def model_epochs(self, config) -> int:
        """A model's epoch count: its own ``epochs`` (in its typed `train` section) if set,
        else the top-level one."""
        return getattr(config, "epochs", None) or self.epochs


def _module_exists(name: str) -> bool:
    """Whether genbench/models/NAME.py exists (looked up without importing the package)."""
    return (Path(__file__).parent / "models" / f"{name}.py").is_file()


def parse_params(raw) -> Params:
    """Check every section; model sections are checked for shape here and typed by ``model``."""
    if not isinstance(raw, dict):
        raise ConfigError("params: expected a mapping at the top level")
    params = build(Params, raw)
    if not params.models:
        raise ConfigError("models: expected at least one model")
    models = {}
    for name, section in params.models.items():
        if not isinstance(name, str) or not name.isidentifier() or not _module_exists(name):
            raise ConfigError(f"models.{name}: unknown model (no module src/genbench/models/{name}.py)")
        models[name] = build(ModelSection, section, f"models.{name}")
    for name in params.sweep:
        if name not in models:
            raise ConfigError(f"sweep.{name}: not a model under models:")
    return dataclasses.replace(params, models=models)


def load_params(path: str | Path = "params.yaml") -> Params:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (run from the project root)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_params(raw)
