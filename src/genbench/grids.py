"""Sample grids drawn from a samples file: a random grid, the digit grid of a conditional
model (row d: ten samples requested as digit d), and the latent interpolation strip; and the
memorization pairs (the samples nearest the training set over their nearest training images)."""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import save_image


def draw_grids(samples: dict[str, torch.Tensor], out: Path, rows: int) -> list[Path]:
    """Write grid.png (rows x rows samples, a fixed random pick), digits.png and
    interpolation.png where the samples have them; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    images, labels = samples["images"], samples["labels"]
    pick = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:rows * rows]
    grids = {"grid.png": (images[pick], rows)}
    if samples["conditional"]:
        per_digit = [images[labels == d][:10] for d in range(10)]
        grids["digits.png"] = (torch.cat(per_digit), 10)
    if "interpolation" in samples:
        grids["interpolation.png"] = (samples["interpolation"], 10)
    for name, (tensor, nrow) in grids.items():
        save_image(tensor, out / name, nrow=nrow, padding=2, pad_value=1.0)
    return [out / name for name in grids]


def draw_nearest_pairs(samples: torch.Tensor, train: torch.Tensor, closest: list, path: Path) -> None:
    """Two rows: the samples ``closest`` names (``[sample index, training index, distance]``,
    nearest first), and under each its nearest training image."""
    top = samples[[i for i, _, _ in closest]]
    bottom = train[[j for _, j, _ in closest]]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(torch.cat([top, bottom]), path, nrow=len(closest), padding=2, pad_value=1.0)


def draw_corruptions(clean: torch.Tensor, corrupted: dict[str, torch.Tensor], path: Path, count: int = 12) -> None:
    """One row per corruption (the first row clean): the first ``count`` test digits of each."""
    rows = [clean[:count].float()] + [c[:count].unsqueeze(1).float() / 255 for c in corrupted.values()]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(torch.cat(rows), path, nrow=count, padding=2, pad_value=1.0)
