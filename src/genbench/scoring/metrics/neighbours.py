"""k-nearest-neighbour balls of a feature set, shared by precision / recall and density / coverage."""

from __future__ import annotations

import torch


def kth_neighbour_radii(feats: torch.Tensor, k: int, chunk: int = 1000) -> torch.Tensor:
    """Distance from each row to its k-th nearest other row (the row itself, at distance 0,
    is not counted)."""
    return torch.cat([torch.cdist(feats[i:i + chunk], feats).kthvalue(k + 1, dim=1).values
                      for i in range(0, len(feats), chunk)])
