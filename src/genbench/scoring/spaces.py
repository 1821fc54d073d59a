"""The feature spaces beside the evaluator's that FID, KID and the other distances are measured
in, sharing no weights with it or with each other:

- ``autoencoder``: the 64-number code of a convolutional autoencoder trained to reconstruct
  MNIST train (another architecture: strided convolutions, no pooling, no normalization;
  another objective: reconstruction, no labels);
- ``pca``: no network at all, the first 64 principal components of MNIST train's pixels.

A ranking that holds in the evaluator's space and in these two is a property of the models;
one that holds in a single space may be a property of that space.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genbench.runtime import progress_bar

CODE_DIM = 64  # numbers per image in both spaces
DEVICE = torch.device("cpu")


class Autoencoder(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        self.width = w = width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.GELU(),  # 14 x 14
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.GELU(),  # 7 x 7
            nn.Flatten(), nn.Linear(2 * w * 49, CODE_DIM))
        self.decoder = nn.Sequential(
            nn.Linear(CODE_DIM, 2 * w * 49), nn.GELU(), nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.GELU(),
            nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1))  # logits of the 28 x 28 pixels

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def train_autoencoder(x: torch.Tensor, *, seed: int, epochs: int, batch_size: int = 128, lr: float = 1e-3,
                      width: int = 32) -> Autoencoder:
    """An autoencoder trained on ``x`` (N x 1 x 28 x 28 in [0, 1]) to reconstruct each pixel
    (binary cross-entropy), Adam; everything random from ``seed``, on the CPU."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Autoencoder(width).to(DEVICE).train()
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        for epoch in range(epochs):
            order = torch.randperm(len(x), generator=gen)
            bar = progress_bar(order.split(batch_size), desc=f"autoencoder epoch {epoch + 1}/{epochs}", leave=False)
            for idx in bar:
                xb = x[idx].to(DEVICE)
                loss = F.binary_cross_entropy_with_logits(model(xb), xb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        return model.eval()


class PixelPCA(nn.Module):
    """Projection of the centred pixels on fixed principal axes."""

    def __init__(self, mean: torch.Tensor, axes: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean)  # 784
        self.register_buffer("axes", axes)  # CODE_DIM x 784, orthonormal rows

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) - self.mean) @ self.axes.T


def fit_pca(x: torch.Tensor, components: int = CODE_DIM) -> PixelPCA:
    """The first ``components`` principal axes of ``x``'s pixels (float64 eigendecomposition
    of the covariance, each axis' sign fixed so its largest entry is positive)."""
    flat = x.flatten(1).double()
    mean = flat.mean(0)
    centred = flat - mean
    values, vectors = torch.linalg.eigh(centred.T @ centred / (len(flat) - 1))
    axes = vectors[:, values.argsort(descending=True)[:components]].T
    axes = axes * torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
    return PixelPCA(mean.float(), axes.float().contiguous())


@torch.no_grad()
def embed_features(net: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``net.features`` of images in [0, 1], float32 on the CPU, ``batch_size`` at a time."""
    net.eval()
    return torch.cat([net.features(x[i:i + batch_size].to(DEVICE, torch.float32))
                      for i in range(0, len(x), batch_size)])
