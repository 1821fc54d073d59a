"""The adversarial family: a generator G and a discriminator (critic) D trained against each
other, one D step then one G step per batch, with the loss as a choice.

A model of this family supplies two networks: ``generator(z, y)`` mapping noise (and, for a
conditional model, digits y) to images in [-1, 1], and ``discriminator(x, y)`` mapping images
in [-1, 1] (and digits) to one score per image. Each has its own Adam optimizer over its own
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from genbench.config import param
from genbench.models.base import GenerativeModel


class NonSaturating:
    """The non-saturating GAN loss (Goodfellow et al. 2014) on logits, with one-sided label
    smoothing: D's target for real images is ``real_label``."""

    def __init__(self, config):
        self.real_label = config.real_label

    def discriminator(self, d, real, y_real, fake, y_fake):
        d_real, d_fake = d(real, y_real), d(fake, y_fake)
        loss = (F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, self.real_label))
                + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        return loss, {"d_real": torch.sigmoid(d_real).mean(), "d_fake": torch.sigmoid(d_fake).mean()}

    def generator(self, d, fake, y_fake):
        d_fake = d(fake, y_fake)
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))


LOSSES = {"non_saturating": NonSaturating}


@dataclass(frozen=True)
class AdversarialConfig:
    lr: float = param(gt=0)
    beta1: float = param(ge=0, lt=1)
    beta2: float = param(ge=0, lt=1)
    noise_dim: int = param(ge=1)
    loss: str = param(choices=LOSSES)
    real_label: float = param(gt=0, le=1)  # D's target for real images (< 1: label smoothing)
    epochs: int | None = param(ge=1)  # null: the top-level epochs


class AdversarialModel(GenerativeModel):
    family = "adversarial"

    def __init__(self, config, generator: torch.nn.Module, discriminator: torch.nn.Module):
        super().__init__(config)
        self.generator, self.discriminator = generator, discriminator
        self.loss = LOSSES[config.loss](config)

    def configure_optimizers(self):
        betas = (self.config.beta1, self.config.beta2)
        return {"g": torch.optim.Adam(self.generator.parameters(), lr=self.config.lr, betas=betas),
                "d": torch.optim.Adam(self.discriminator.parameters(), lr=self.config.lr, betas=betas)}

    def training_step(self, x, y, optimizers):
        real = x * 2 - 1  # the generator's Tanh range
        n = len(real)
        z = torch.randn(n, self.config.noise_dim, device=real.device)
        y_fake = torch.randint(0, 10, (n,), device=real.device) if self.conditional else None
        y_real = y if self.conditional else None
        fake = self.generator(z, y_fake)

        d_loss, logs = self.loss.discriminator(self.discriminator, real, y_real, fake.detach(), y_fake)
        optimizers["d"].zero_grad(set_to_none=True)
        d_loss.backward()
        optimizers["d"].step()

        g_loss = self.loss.generator(self.discriminator, fake, y_fake)
        optimizers["g"].zero_grad(set_to_none=True)
        g_loss.backward()
        optimizers["g"].step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(),
                **{k: v.detach() for k, v in logs.items()}}

    def latent_dim(self):
        return None if self.conditional else self.config.noise_dim

    @torch.no_grad()
    def decode_latent(self, z):
        return (self.generator(z, None) + 1) / 2

    @torch.no_grad()
    def generate(self, n, labels=None, generator=None):
        z = torch.randn(n, self.config.noise_dim, generator=generator, device=self.device)
        y = labels.to(self.device) if self.conditional else None
        return (self.generator(z, y) + 1) / 2
