"""Improved precision and recall (Kynkaanniemi et al. 2019) with k-NN manifolds of features.

Precision: share of generated samples inside the real manifold (quality). Recall: share of
real samples inside the generated manifold (coverage of the data).
"""

from __future__ import annotations

import numpy as np
import torch

from genbench.results.catalogue import PR_NEIGHBOURS
from genbench.scoring.metrics.neighbours import kth_neighbour_radii


def _share_inside(queries, support, k: int = PR_NEIGHBOURS, chunk: int = 1000) -> float:
    """Share of ``queries`` within the k-NN ball of at least one ``support`` point."""
    queries = torch.as_tensor(np.asarray(queries), dtype=torch.float32)
    support = torch.as_tensor(np.asarray(support), dtype=torch.float32)
    radii = kth_neighbour_radii(support, k)
    inside = []
    for i in range(0, len(queries), chunk):
        d = torch.cdist(queries[i:i + chunk], support)
        inside.append((d <= radii[None, :]).any(dim=1))
    return torch.cat(inside).float().mean().item()


def precision(real, fake, k: int = PR_NEIGHBOURS) -> float:
    return _share_inside(fake, real, k)


def recall(real, fake, k: int = PR_NEIGHBOURS) -> float:
    return _share_inside(real, fake, k)
