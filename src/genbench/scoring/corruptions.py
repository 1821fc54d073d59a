"""Label-preserving corruptions of digit images, in the spirit of MNIST-C (Mu & Gilmer 2019):
the corrupted copy of MNIST test that the reader is checked on, and the random corruptions
it is trained with.

Each corruption takes images in [0, 1] (N x 1 x 28 x 28), a severity and a generator, and
returns images in [0, 1]. ``TEST_SEVERITY`` is the fixed severity of the corrupted test set:
strong, but a person still reads every digit (``plots/evaluator/corruptions.png`` shows them).
The set is built from its seed alone and stored as uint8, so it is the same on every machine.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def impulse_noise(x, severity, gen):
    """Salt and pepper: a ``severity`` share of the pixels set to black or white."""
    hit = torch.rand(x.shape, generator=gen) < severity
    salt = torch.rand(x.shape, generator=gen) < 0.5
    return torch.where(hit, salt.to(x.dtype), x)


def speckle_noise(x, severity, gen):
    """Scattered grey-to-white dots on the background (a ``severity`` share of its pixels),
    the speckle a diffusion model leaves when it stops early."""
    hit = torch.rand(x.shape, generator=gen) < severity
    return torch.where(hit, torch.maximum(x, 0.3 + 0.7 * torch.rand(x.shape, generator=gen)), x)


def gaussian_noise(x, severity, gen):
    """Additive Gaussian noise of standard deviation ``severity``, clipped to [0, 1]."""
    return (x + severity * torch.randn(x.shape, generator=gen)).clamp(0, 1)


def blur(x, severity, gen):
    """Gaussian blur of standard deviation ``severity`` pixels."""
    if severity <= 0:
        return x
    # imported here: importing torchvision costs every process that only reads digits 1.5 s
    from torchvision.transforms.functional import gaussian_blur
    return gaussian_blur(x, kernel_size=2 * math.ceil(3 * severity) + 1, sigma=severity)


def _affine(x, angle, scale, shift):
    """Rotate by ``angle`` (radians), scale by ``scale``, shift by ``shift`` (N x 2 pixels)."""
    n, _, h, w = x.shape
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0] * 2 / w], 1),
                         torch.stack([sin, cos, shift[:, 1] * 2 / h], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _signs(n, gen):
    return torch.randint(0, 2, (n,), generator=gen).float() * 2 - 1


def shift(x, severity, gen):
    """Moved ``severity`` pixels along each axis, each direction at random."""
    n = len(x)
    ones = torch.ones(n)
    return _affine(x, torch.zeros(n), ones, severity * torch.stack([_signs(n, gen), _signs(n, gen)], 1))


def rotation(x, severity, gen):
    """Rotated ``severity`` degrees, clockwise or anticlockwise at random."""
    n = len(x)
    return _affine(x, math.radians(severity) * _signs(n, gen), torch.ones(n), torch.zeros(n, 2))


def scale(x, severity, gen):
    """Enlarged or shrunk by the factor 1 +- ``severity``, at random."""
    n = len(x)
    return _affine(x, torch.zeros(n), 1 + severity * _signs(n, gen), torch.zeros(n, 2))


def thick_strokes(x, severity, gen):
    """Strokes widened by a 3 x 3 dilation, blended in with weight ``severity``."""
    return torch.maximum(x, severity * F.max_pool2d(x, 3, stride=1, padding=1))


def thin_strokes(x, severity, gen):
    """Strokes narrowed by a 2 x 2 erosion, blended in with weight ``severity``."""
    eroded = -F.max_pool2d(F.pad(-x, (0, 1, 0, 1), value=0.0), 2, stride=1)
    return (1 - severity) * x + severity * eroded


CORRUPTIONS = {f.__name__: f for f in (impulse_noise, speckle_noise, gaussian_noise, blur, shift, rotation, scale,
                                       thick_strokes, thin_strokes)}
TEST_SEVERITY = {"impulse_noise": 0.1, "speckle_noise": 0.1, "gaussian_noise": 0.3, "blur": 1.0, "shift": 3.0,
                 "rotation": 20.0, "scale": 0.2, "thick_strokes": 1.0, "thin_strokes": 1.0}
TEST_SEED = 2019  # of the corrupted test set (MNIST-C's year): fixed, never a param


def corrupted_test_set(images: torch.Tensor, seed: int = TEST_SEED) -> dict[str, torch.Tensor]:
    """Every corruption of ``images`` (N x 1 x 28 x 28 in [0, 1]) at its test severity, as
    uint8 N x 28 x 28, each drawn from its own generator (``seed`` + its position)."""
    out = {}
    for i, (name, corrupt) in enumerate(CORRUPTIONS.items()):
        gen = torch.Generator().manual_seed(seed + i)
        out[name] = (corrupt(images.float(), TEST_SEVERITY[name], gen) * 255).round().clamp(0, 255).to(torch.uint8)[:, 0]
    return out


def corrupt_batch(x: torch.Tensor, gen: torch.Generator, clean_share: float = 0.25,
                  overshoot: float = 1.25) -> torch.Tensor:
    """A training batch with every corruption applied to a random share of it, each at a
    random severity up to ``overshoot`` times its test severity; ``clean_share`` stays as is."""
    groups = torch.randint(0, len(CORRUPTIONS) + 1, (len(x),), generator=gen)
    groups[torch.rand(len(x), generator=gen) < clean_share] = len(CORRUPTIONS)
    out = x.clone()
    for i, (name, corrupt) in enumerate(CORRUPTIONS.items()):
        members = torch.nonzero(groups == i)[:, 0]
        if len(members):
            severity = float(torch.rand((), generator=gen)) * overshoot * TEST_SEVERITY[name]
            out[members] = corrupt(x[members], severity, gen)
    return out
