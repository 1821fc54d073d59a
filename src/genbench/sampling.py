"""Fixed-seed sample sets: the one chunked generation loop (every caller draws through
``generate``), and the samples file, uint8 images plus the requested digits in an ``.npz``.
``model`` is any ``genbench.models.base.GenerativeModel``."""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import torch

from genbench.errors import DataError, DivergenceError
from genbench.files import atomic_write_bytes
from genbench.runtime import progress_bar


def requested_labels(n: int, conditional: bool) -> torch.Tensor:
    """Equal counts of each digit (0, 0, ..., 1, 1, ...) for conditional models, else -1."""
    if not conditional:
        return torch.full((n,), -1, dtype=torch.int64)
    if n % 10:
        raise ValueError(f"a conditional sample set needs a multiple of 10 images, got {n}")
    return torch.arange(10).repeat_interleave(n // 10)


@torch.no_grad()
def generate(model, n: int, seed: int, batch_size: int, progress: bool = False,
             labels: torch.Tensor | None = None, **settings) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Return (images N x 1 x 28 x 28 float in [0, 1] on CPU, labels, seconds spent), drawn
    ``batch_size`` at a time with one generator seeded ``seed``; ``labels``: the digit asked
    of each image (default: equal counts of each digit, or -1 for an unconditional model);
    ``settings`` go to the model's generate() (its Sampling fields). NaN or infinite images
    are a DivergenceError."""
    model.eval()
    device = model.device
    gen = torch.Generator(device=device).manual_seed(seed)
    if labels is None:
        labels = requested_labels(n, model.conditional)
    chunks = []
    start = time.perf_counter()
    for i in progress_bar(range(0, n, batch_size), desc=f"sampling {model.name}", disable=not progress, leave=False):
        y = labels[i:i + batch_size].to(device) if model.conditional else None
        chunks.append(model.generate(len(labels[i:i + batch_size]), y, gen, **settings).float().cpu())
    seconds = time.perf_counter() - start
    images = torch.cat(chunks).clamp_(0, 1)
    if not torch.isfinite(images).all():
        raise DivergenceError(f"{model.name}: generated images contain NaN or inf")
    return images, labels, seconds


@torch.no_grad()
def interpolation_strip(model, rows: int, steps: int, seed: int) -> torch.Tensor | None:
    """``rows`` straight-line walks of ``steps`` images between random latent codes, or None
    for models without a latent code to walk in."""
    dim = model.latent_dim()
    if dim is None:
        return None
    model.eval()
    gen = torch.Generator(device=model.device).manual_seed(seed)
    z0 = torch.randn(rows, 1, dim, generator=gen, device=model.device)
    z1 = torch.randn(rows, 1, dim, generator=gen, device=model.device)
    t = torch.linspace(0, 1, steps, device=model.device).view(1, steps, 1)
    return model.decode_latent((z0 + t * (z1 - z0)).view(rows * steps, dim)).float().cpu()


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """N x 1 x 28 x 28 floats in [0, 1] to N x 28 x 28 uint8."""
    return images.mul(255).round().clamp(0, 255).to(torch.uint8).squeeze(1).numpy()


def from_uint8(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(images)).float().div(255).unsqueeze(1)


def save_samples(path, images: torch.Tensor, labels: torch.Tensor, conditional: bool,
                 interpolation: torch.Tensor | None = None) -> None:
    """``images`` (uint8 N x 28 x 28), ``labels`` (int64: the requested digit, or -1),
    ``conditional`` (whether the model draws requested digits) and, for models with a latent
    code, ``interpolation`` (uint8 rows*steps x 28 x 28), atomically."""
    arrays = {"images": to_uint8(images), "labels": labels.numpy().astype(np.int64),
              "conditional": np.array(conditional)}
    if interpolation is not None:
        arrays["interpolation"] = to_uint8(interpolation)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def load_samples(path) -> dict[str, torch.Tensor]:
    """A samples file, checked: images as floats in [0, 1] (N x 1 x 28 x 28), labels, and
    the interpolation strip if any. A file of another shape or type, or whose labels do not
    fit the model (digits 0-9 for a conditional one, -1 otherwise), is a DataError."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a samples file ({exc})") from None
    missing = {"images", "labels", "conditional"} - set(arrays)
    if missing:
        raise DataError(f"{path}: no {sorted(missing)[0]!r} array (not written by the sample stage)")
    images, labels, conditional = arrays["images"], arrays["labels"], bool(arrays["conditional"])
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28) or not len(images):
        raise DataError(f"{path}: images must be uint8 N x 28 x 28, got {images.dtype} {images.shape}")
    if labels.dtype != np.int64 or labels.shape != (len(images),):
        raise DataError(f"{path}: labels must be int64, one per image, got {labels.dtype} {labels.shape}")
    if conditional and not ((labels >= 0) & (labels <= 9)).all():
        raise DataError(f"{path}: a conditional model's labels must be digits 0-9")
    if not conditional and (labels != -1).any():
        raise DataError(f"{path}: labels on an unconditional model's samples (expected -1 for every image)")
    out = {"images": from_uint8(images), "labels": torch.from_numpy(labels), "conditional": conditional}
    if "interpolation" in arrays:
        out["interpolation"] = from_uint8(arrays["interpolation"])
    return out
