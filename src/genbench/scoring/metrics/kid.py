"""Kernel Inception Distance (Binkowski et al. 2018): the unbiased squared MMD between two
feature sets under the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over
random subsets. Unlike FID it has an unbiased estimator, so it compares sample sets of
different and small sizes (a sweep's 100-300 samples); it can be slightly negative."""

from __future__ import annotations

import numpy as np
import torch

from genbench.results.catalogue import KID_SUBSET_SIZE, KID_SUBSETS


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2: the within-set kernel means leave out the diagonal (i = j)."""
    m, n = len(x), len(y)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kid(features_a: torch.Tensor | np.ndarray, features_b: torch.Tensor | np.ndarray,
        subsets: int = KID_SUBSETS, subset_size: int = KID_SUBSET_SIZE, seed: int = 0) -> tuple[float, float]:
    """Mean and standard deviation of the unbiased MMD^2 over ``subsets`` pairs of random
    subsets (without replacement) of ``subset_size`` rows of each set, or of half the smaller
    set's rows if that is fewer (so that subsets differ and the std says how much the value
    moves with the draw); the subsets are drawn with ``seed``, so the value is deterministic."""
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    size = min(subset_size, len(a) // 2, len(b) // 2)
    if size < 2:
        raise ValueError(f"KID needs at least 4 rows in each set, got {len(a)} and {len(b)}")
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(a[rng.choice(len(a), size, replace=False)],
                            b[rng.choice(len(b), size, replace=False)]) for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))
