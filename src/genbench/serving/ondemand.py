"""Digits on demand from a trained model: the digits asked for (one, a list, or random), any
count, a seed and the model's sampler settings; as a PNG grid or a samples file. Used by
``genbench generate`` and the web app; the same arguments give the same images."""

from __future__ import annotations

import dataclasses
import io

import torch
from PIL import Image
from torchvision.utils import make_grid

from genbench.config import build
from genbench.errors import ConfigError
from genbench.models.base import GenerativeModel
from genbench.sampling import generate

CHUNK = 100  # images per generate() call
COLUMNS = 10  # of a PNG grid


def requested_digits(count: int, digits: list[int] | None, seed: int,
                     conditional: bool) -> torch.Tensor | None:
    """The digit asked of each image: ``digits`` in turn, or random digits drawn with
    ``seed``; None for an unconditional model, which cannot be asked for one."""
    if not conditional:
        if digits:
            raise ConfigError("digits: this model is unconditional, it draws no requested digit")
        return None
    if not digits:
        return torch.randint(0, 10, (count,), generator=torch.Generator().manual_seed(seed))
    bad = [d for d in digits if not 0 <= d <= 9]
    if bad:
        raise ConfigError(f"digits: must be 0-9, got {bad[0]}")
    return torch.tensor(digits)[torch.arange(count) % len(digits)]


def sampler_settings(model: GenerativeModel, defaults: dict, changes: dict) -> dict:
    """``defaults`` (the model's `sample` section) with ``changes``, checked against the
    model's Sampling fields and constraints (ConfigError naming the bad one)."""
    known = [f.name for f in dataclasses.fields(model.Sampling)]
    for key in changes:
        if key not in known:
            raise ConfigError(f"{key}: {model.name} has no such sampler setting "
                              f"({', '.join(known) or 'it takes none'})")
    settings = build(model.Sampling, {**defaults, **changes}, "")
    model.check_settings(model.config, settings, model.name)
    return dataclasses.asdict(settings)


@torch.no_grad()
def draw(model: GenerativeModel, count: int, seed: int, digits: list[int] | None = None,
         progress: bool = False, **settings) -> tuple[torch.Tensor, torch.Tensor, float]:
    """``count`` images (N x 1 x 28 x 28 in [0, 1]), the digit asked of each (-1: none) and
    the seconds the generation took."""
    if count < 1:
        raise ConfigError(f"count: must be >= 1, got {count}")
    labels = requested_digits(count, digits, seed, model.conditional)
    return generate(model, count, seed, CHUNK, progress=progress, labels=labels, **settings)


def png_grid(images: torch.Tensor, columns: int = COLUMNS) -> bytes:
    """The images as one PNG, ``columns`` to a row with 2 px white padding."""
    grid = make_grid(images, nrow=min(columns, len(images)), padding=2, pad_value=1.0)
    pixels = grid[0].mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8).numpy()
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def grid_size(count: int, columns: int = COLUMNS) -> tuple[int, int]:
    """(width, height) in pixels of ``png_grid`` for ``count`` images."""
    cols = min(columns, count)
    rows = -(-count // cols)
    return cols * 30 + 2, rows * 30 + 2
