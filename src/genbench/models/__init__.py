"""Model registry and checkpoint I/O. Adding a model: its module, a line here, a params section."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from genbench.models.base import GenerativeModel
from genbench.models.ddpm import DDPM
from genbench.models.gan import CGAN, GAN
from genbench.models.vae import VAE
from genbench.utils import load_torch, save_torch

REGISTRY: dict[str, type[GenerativeModel]] = {cls.name: cls for cls in (VAE, GAN, CGAN, DDPM)}


def create(name: str, config) -> GenerativeModel:
    return REGISTRY[name](config)


def save_checkpoint(model: GenerativeModel, path: str | Path) -> None:
    """Weights and config only (plain tensors and numbers), written atomically."""
    save_torch({"model": model.name, "config": dataclasses.asdict(model.config),
                "state_dict": model.state_dict()}, path)


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> GenerativeModel:
    ckpt = load_torch(path, device)
    cls = REGISTRY[ckpt["model"]]
    model = cls(cls.Config(**ckpt["config"]))
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval()
