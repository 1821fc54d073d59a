"""The variational family: an encoder to a diagonal Gaussian, a decoder to Bernoulli pixel
means, trained on the evidence lower bound (BCE + KL divergence to the N(0, I) prior).

A model of this family supplies ``encoder`` (image -> 2 x latent_dim: mean, log-variance)
and ``decoder`` (latent -> image in [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from genbench.config import param
from genbench.models.base import GenerativeModel


@dataclass(frozen=True, kw_only=True)
class VariationalConfig:
    lr: float = param(gt=0)
    latent_dim: int = param(ge=1)
    epochs: int | None = param(ge=1, default=None)  # unset: the top-level epochs


class VariationalModel(GenerativeModel):
    family = "variational"

    def __init__(self, config, encoder: torch.nn.Module, decoder: torch.nn.Module):
        super().__init__(config)
        self.encoder, self.decoder = encoder, decoder

    def configure_optimizers(self):
        # fused: one kernel for every parameter's update, 1.07x the VAE's step on a 2-core Xeon
        # (the other models' steps gain nothing: their time is in the networks, benchmarks/results/)
        return {"adam": torch.optim.Adam(self.parameters(), lr=self.config.lr, fused=True)}

    def training_step(self, x, y, optimizers):
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        recon = self.decoder(z)
        bce = F.binary_cross_entropy(recon, x, reduction="sum") / len(x)
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        loss = bce + kld
        opt = optimizers["adam"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": loss.detach(), "bce": bce.detach(), "kld": kld.detach()}

    def latent_dim(self):
        return self.config.latent_dim

    @torch.no_grad()
    def decode_latent(self, z):
        return self.decoder(z)

    @torch.no_grad()
    def generate(self, n, labels=None, generator=None):
        z = torch.randn(n, self.config.latent_dim, generator=generator, device=self.device)
        return self.decoder(z)
