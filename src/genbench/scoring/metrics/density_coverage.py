"""Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for
Generative Models"), with the k-NN balls of the real features only.

Density: how many real-sample balls hold each generated sample, on average, divided by k
(about 1 for samples distributed like the real data; above 1 where samples crowd dense
regions). Coverage: the share of real samples whose ball holds at least one generated sample.
The definitions of the authors' ``prdc`` package (strict inequalities), in chunks.
"""

from __future__ import annotations

import numpy as np
import torch

from genbench.results.catalogue import DC_NEIGHBOURS
from genbench.scoring.metrics.neighbours import kth_neighbour_radii


def _tensor(x) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x), dtype=torch.float32)


def density_coverage(real, fake, k: int = DC_NEIGHBOURS, chunk: int = 1000) -> tuple[float, float]:
    """(density, coverage) of ``fake`` features against ``real`` ones."""
    real, fake = _tensor(real), _tensor(fake)
    radii = kth_neighbour_radii(real, k)
    inside_count = torch.zeros(len(fake))
    covered = torch.zeros(len(real), dtype=torch.bool)
    for i in range(0, len(fake), chunk):
        inside = torch.cdist(fake[i:i + chunk], real) < radii[None, :]  # fake x real
        inside_count[i:i + chunk] = inside.sum(1).float()
        covered |= inside.any(0)
    return float(inside_count.mean() / k), float(covered.float().mean())
