"""Model registry and checkpoint I/O.

A model named NAME is the ``GenerativeModel`` subclass with ``name = "NAME"`` in
``genbench/models/NAME.py``; it is imported only when asked for, so code working on one
model never loads another. Adding a model: that module and its section in params.yaml.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import torch

from genbench.config import Params, SweepConfig, build
from genbench.errors import ConfigError
from genbench.models.base import GenerativeModel
from genbench.utils import load_torch, save_torch


def model_class(name: str) -> type[GenerativeModel]:
    """The model class of module ``genbench.models.<name>``."""
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise ConfigError(f"models.{name}: unknown model (no module src/genbench/models/{name}.py)") from None
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and issubclass(obj, GenerativeModel)
             and getattr(obj, "name", None) == name]
    if len(found) != 1:
        raise ConfigError(f"models.{name}: src/genbench/models/{name}.py defines no model named {name!r}")
    return found[0]


@dataclass(frozen=True)
class ModelSpec:
    """A model's class and its typed params sections."""
    name: str
    cls: type[GenerativeModel]
    config: object  # cls.Config: the `train` section
    sampling: object  # cls.Sampling: the `sample` section, the keyword arguments of generate()


def model_spec(params: Params, name: str) -> ModelSpec:
    """Import model ``name``'s module and type its params sections (one-line errors)."""
    if name not in params.models:
        raise ConfigError(f"models.{name}: not in params.yaml (listed: {', '.join(params.models)})")
    section, prefix = params.models[name], f"models.{name}"
    cls = model_class(name)
    if cls.family != section.family:
        raise ConfigError(f"{prefix}.family: {name} is a {cls.family} model "
                          f"(its class in src/genbench/models/{name}.py), got {section.family!r}")
    config = build(cls.Config, section.train, f"{prefix}.train")
    sampling = build(cls.Sampling, section.sample or {}, f"{prefix}.sample")
    cls.check_settings(config, sampling, prefix)
    return ModelSpec(name, cls, config, sampling)


def sweep_config(params: Params, spec: ModelSpec) -> SweepConfig:
    """The model's sweep, each value checked against its `sample` section."""
    prefix = f"sweep.{spec.name}"
    sweep = build(SweepConfig, params.sweep[spec.name], prefix)
    defaults = dataclasses.asdict(spec.sampling)
    for i, series in enumerate(sweep.series):
        if series.setting not in defaults:
            raise ConfigError(f"{prefix}.series[{i}].setting: {series.setting!r} is not a key of "
                              f"models.{spec.name}.sample ({', '.join(defaults) or 'none'})")
        for value in series.values:
            build(spec.cls.Sampling, {**defaults, series.setting: value}, f"{prefix}.series[{i}].values")
    return sweep


def available() -> list[str]:
    """Every model this package defines (imports every module: for listings and tests)."""
    names = []
    for info in pkgutil.iter_modules(__path__):
        try:
            model_class(info.name)
        except ConfigError:
            continue  # a shared module (base, a family), not a model
        names.append(info.name)
    return names


def save_checkpoint(model: GenerativeModel, path: str | Path) -> None:
    """Weights and config only (plain tensors and numbers), written atomically."""
    save_torch({"model": model.name, "config": dataclasses.asdict(model.config),
                "state_dict": model.state_dict()}, path)


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> GenerativeModel:
    ckpt = load_torch(path, device)
    cls = model_class(ckpt["model"])
    model = cls(cls.Config(**ckpt["config"]))
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval()
