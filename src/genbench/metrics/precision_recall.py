"""Improved precision and recall (Kynkaanniemi et al. 2019) with k-NN manifolds of features.

Precision: share of generated samples inside the real manifold (quality). Recall: share of
real samples inside the generated manifold (coverage of the data).
"""

from __future__ import annotations

import numpy as np
import torch

NEIGHBOURS = 3  # k


def _kth_neighbour_radii(feats: torch.Tensor, k: int, chunk: int = 1000) -> torch.Tensor:
    """Distance from each row to its k-th nearest other row."""
    radii = []
    for i in range(0, len(feats), chunk):
        d = torch.cdist(feats[i:i + chunk], feats)
        radii.append(d.kthvalue(k + 1, dim=1).values)  # +1: the row itself is at distance 0
    return torch.cat(radii)


def _share_inside(queries, support, k: int = NEIGHBOURS, chunk: int = 1000) -> float:
    """Share of ``queries`` within the k-NN ball of at least one ``support`` point."""
    queries = torch.as_tensor(np.asarray(queries), dtype=torch.float32)
    support = torch.as_tensor(np.asarray(support), dtype=torch.float32)
    radii = _kth_neighbour_radii(support, k)
    inside = []
    for i in range(0, len(queries), chunk):
        d = torch.cdist(queries[i:i + chunk], support)
        inside.append((d <= radii[None, :]).any(dim=1))
    return torch.cat(inside).float().mean().item()


def precision(real, fake, k: int = NEIGHBOURS) -> float:
    return _share_inside(fake, real, k)


def recall(real, fake, k: int = NEIGHBOURS) -> float:
    return _share_inside(real, fake, k)
