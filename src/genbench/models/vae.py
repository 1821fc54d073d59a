"""Convolutional VAE of the original comparison: BCE + KL divergence, latent 20."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from genbench.models.base import GenerativeModel


@dataclass(frozen=True)
class VAEConfig:
    lr: float = 1e-3
    latent_dim: int = 20
    epochs: int | None = None  # None: the top-level epochs


class VAE(GenerativeModel):
    name = "vae"
    Config = VAEConfig

    def __init__(self, config: VAEConfig):
        super().__init__(config)
        z = config.latent_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.ReLU(),   # 14 x 14
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),  # 7 x 7
            nn.Flatten(), nn.Linear(3136, 256), nn.ReLU(),
            nn.Linear(256, 2 * z),
        )
        self.decoder = nn.Sequential(
            nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, 3136), nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),  # 14 x 14
            nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid(),  # 28 x 28
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def configure_optimizers(self):
        return {"adam": torch.optim.Adam(self.parameters(), lr=self.config.lr)}

    def training_step(self, x, y, optimizers):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        recon = self.decode(z)
        bce = F.binary_cross_entropy(recon, x, reduction="sum") / len(x)
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        loss = bce + kld
        opt = optimizers["adam"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": loss.item(), "bce": bce.item(), "kld": kld.item()}

    def latent_dim(self):
        return self.config.latent_dim

    @torch.no_grad()
    def decode_latent(self, z):
        return self.decode(z)

    @torch.no_grad()
    def generate(self, n, labels=None, generator=None):
        z = torch.randn(n, self.config.latent_dim, generator=generator, device=self.device)
        return self.decode(z)
