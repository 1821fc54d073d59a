"""The k-nearest-neighbour manifold metrics of samples against real data, computed together
from one pass over the samples x real distances:

- improved precision and recall (Kynkaanniemi et al. 2019, k = ``PR_NEIGHBOURS``; a point is
  inside a ball when its distance is at most the radius): precision, the share of samples
  inside the k-NN manifold of the real features (quality); recall, the share of real points
  inside the k-NN manifold of the samples (coverage of the data);
- density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for
  Generative Models", k = ``DC_NEIGHBOURS``, with the real points' balls only and strict
  inequalities, as the authors' ``prdc`` package): density, how many real balls hold each
  sample, on average, divided by k (about 1 for samples spread like the real data; above 1
  where samples crowd dense regions); coverage, the share of real points whose ball holds at
  least one sample.

The real points' radii depend on the real features alone: the reference stage computes them
once (``real_radii``) for every score.
"""

from __future__ import annotations

import numpy as np
import torch

from genbench.results.catalogue import DC_NEIGHBOURS, PR_NEIGHBOURS

NEIGHBOURS = (PR_NEIGHBOURS, DC_NEIGHBOURS)


def _tensor(x) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x), dtype=torch.float32)


def kth_neighbour_radii(feats, ks: tuple[int, ...], chunk: int = 1000) -> dict[int, torch.Tensor]:
    """{k: distance from each row to its k-th nearest other row} for each k in ``ks`` (the
    row itself, at distance 0, is not counted), from one pass over the distances."""
    feats = _tensor(feats)
    nearest = torch.cat([torch.cdist(feats[i:i + chunk], feats).topk(max(ks) + 1, dim=1, largest=False).values
                         for i in range(0, len(feats), chunk)])  # sorted, the row itself first
    return {k: nearest[:, k].contiguous() for k in ks}


def real_radii(real) -> dict[int, torch.Tensor]:
    """The radii of the real points' balls that ``manifold_metrics`` needs."""
    return kth_neighbour_radii(real, NEIGHBOURS)


def manifold_metrics(real, fake, radii: dict[int, torch.Tensor] | None = None, chunk: int = 1000,
                     pr_k: int = PR_NEIGHBOURS, dc_k: int = DC_NEIGHBOURS) -> dict[str, float]:
    """{precision, recall, density, coverage} of the ``fake`` features against the ``real``
    ones; ``radii``: ``real_radii(real)``, if computed already."""
    real, fake = _tensor(real), _tensor(fake)
    radii = radii if radii is not None else kth_neighbour_radii(real, (pr_k, dc_k))
    real_pr, real_dc = radii[pr_k][None, :], radii[dc_k][None, :]
    fake_pr = kth_neighbour_radii(fake, (pr_k,))[pr_k]
    precise, crowding = [], []
    recalled = torch.zeros(len(real), dtype=torch.bool)
    covered = torch.zeros(len(real), dtype=torch.bool)
    for i in range(0, len(fake), chunk):
        d = torch.cdist(fake[i:i + chunk], real)  # fake x real
        precise.append((d <= real_pr).any(1))
        recalled |= (d <= fake_pr[i:i + chunk, None]).any(0)
        inside = d < real_dc
        crowding.append(inside.sum(1).float())
        covered |= inside.any(0)
    return {"precision": torch.cat(precise).float().mean().item(), "recall": recalled.float().mean().item(),
            "density": float(torch.cat(crowding).mean() / dc_k), "coverage": float(covered.float().mean())}
