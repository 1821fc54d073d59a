"""Model registry and checkpoint I/O.

A model named NAME is the ``GenerativeModel`` subclass with ``name = "NAME"`` in
``genbench/models/NAME.py``; it is imported only when asked for, so code working on one
model never loads another. Adding a model: that module and its section in params.yaml.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import pkgutil
import typing
from dataclasses import dataclass
from pathlib import Path

import torch

from genbench.config import Params, SweepConfig, build
from genbench.errors import ConfigError, DataError
from genbench.models.base import GenerativeModel
from genbench.runtime import load_torch, save_torch


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


def setting_types(sampling_cls: type) -> dict[str, type]:
    """A ``Sampling`` dataclass's settings: name -> type (int, float, str)."""
    hints = typing.get_type_hints(sampling_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(sampling_cls)}


def every_setting() -> dict[str, type]:
    """The sampler settings of every model this package defines, name -> type (the
    command line's options)."""
    types = {}
    for name in available():
        types |= setting_types(model_class(name).Sampling)
    return types


def weights_sha256(state_dict: dict) -> str:
    """SHA-256 over every tensor's name, dtype, shape and bytes, in order: what a checkpoint's
    weights are, however the file around them is laid out."""
    digest = hashlib.sha256()
    for name, tensor in state_dict.items():
        if not isinstance(tensor, torch.Tensor):  # a module's extra state (plain numbers)
            digest.update(f"{name}={tensor!r};".encode())
            continue
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_checkpoint(model: GenerativeModel, path: str | Path) -> None:
    """Which model the weights belong to (name, family, config), the weights and their SHA-256,
    as plain tensors and numbers, written atomically."""
    state = model.state_dict()
    save_torch({"model": model.name, "family": model.family, "config": dataclasses.asdict(model.config),
                "weights_sha256": weights_sha256(state), "state_dict": state}, path)


CHECKPOINT_KEYS = {"model", "family", "config", "weights_sha256", "state_dict"}


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu", expect: str | None = None) -> GenerativeModel:
    """The model a checkpoint holds, checked: a file that is not a checkpoint (empty, truncated,
    another format) is a DataError, and so are weights whose SHA-256 is not the recorded one;
    a checkpoint of another model than ``expect`` is a ConfigError naming both. Loading never
    executes code from the file (weights_only)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise DataError(f"{path}: cannot read the checkpoint ({exc.strerror})") from None
    if not head:
        raise DataError(f"{path}: empty file, not a checkpoint")
    if head != b"PK\x03\x04":  # torch.save writes a zip archive
        raise DataError(f"{path}: not a PyTorch checkpoint (a genbench checkpoint is a torch.save zip file)")
    try:
        ckpt = load_torch(path, "cpu")
    except Exception as exc:  # torch.load raises many kinds for a damaged archive
        reason = str(exc).strip().split(". ")[0].splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: not a readable checkpoint, truncated or damaged ({reason})") from None
    if isinstance(ckpt, dict) and {"model", "config", "state_dict"} <= set(ckpt) and "weights_sha256" not in ckpt:
        raise DataError(f"{path}: a checkpoint of {ckpt['model']} from an older genbench, without the SHA-256 of "
                        f"its weights; `dvc repro train@{ckpt['model']}` makes it again")
    if not isinstance(ckpt, dict) or not CHECKPOINT_KEYS <= set(ckpt):
        found = ", ".join(sorted(map(str, ckpt))) if isinstance(ckpt, dict) else type(ckpt).__name__
        raise DataError(f"{path}: not a genbench model checkpoint (has {found or 'nothing'}; expected "
                        f"{', '.join(sorted(CHECKPOINT_KEYS))})")
    if expect is not None and ckpt["model"] != expect:
        raise ConfigError(f"{path}: a checkpoint of {ckpt['model']} ({ckpt['family']}), not of {expect}")
    found = weights_sha256(ckpt["state_dict"])
    if found != ckpt["weights_sha256"]:
        raise DataError(f"{path}: damaged: its weights' SHA-256 {found} is not the recorded {ckpt['weights_sha256']}")
    cls = model_class(ckpt["model"])
    if cls.family != ckpt["family"]:
        raise ConfigError(f"{path}: a {ckpt['family']} checkpoint of {ckpt['model']}, now a {cls.family} model")
    try:
        model = cls(build(cls.Config, ckpt["config"], f"{path}: config"))
        model.load_state_dict(ckpt["state_dict"])
    except (ConfigError, RuntimeError) as exc:
        raise DataError(f"{path}: its weights do not fit {ckpt['model']}'s code ({str(exc).splitlines()[0]})") from None
    return model.to(device).eval()
