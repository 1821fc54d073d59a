"""The adversarial family: a generator G and a discriminator (critic) D trained against each
other: a D step on every batch, a G step after every ``d_steps``-th, the loss as a choice,
spectral normalization of D as an option; and the DCGAN networks its convolutional models
share.

A model of this family supplies two networks: ``generator(z, y)`` mapping noise (and, for a
conditional model, digits y) to images in [-1, 1], and ``discriminator(x, y)`` mapping images
in [-1, 1] (and digits) to one score per image. Each has its own Adam optimizer over its own
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from genbench.config import build, param
from genbench.errors import ConfigError
from genbench.models.base import GenerativeModel

# ------------------------------------------------------------------------------ losses


@dataclass(frozen=True)
class NonSaturatingSettings:
    real_label: float = param(gt=0, le=1)  # D's target for real images (< 1: label smoothing)


class NonSaturating:
    """The non-saturating GAN loss (Goodfellow et al. 2014) on logits, with one-sided label
    smoothing: D's target for real images is ``real_label``."""
    Settings = NonSaturatingSettings

    def __init__(self, settings: NonSaturatingSettings):
        self.real_label = settings.real_label

    def discriminator(self, d, real, y_real, fake, y_fake):
        d_real, d_fake = d(real, y_real).float(), d(fake, y_fake).float()
        loss = (F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, self.real_label))
                + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        return loss, {"d_real": torch.sigmoid(d_real).mean(), "d_fake": torch.sigmoid(d_fake).mean()}

    def generator(self, d, fake, y_fake):
        d_fake = d(fake, y_fake).float()
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))


@dataclass(frozen=True)
class WassersteinSettings:
    gp_weight: float = param(ge=0)  # lambda of the gradient penalty (10 in Gulrajani et al.)


def gradient_penalty(d, real, fake, y):
    """Mean of (||grad_x D(x)|| - 1)^2 at random interpolates of real and fake images."""
    eps = torch.rand(len(real), *([1] * (real.dim() - 1)), device=real.device)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(d(x, y).float().sum(), x, create_graph=True)
    return ((grad.float().flatten(1).norm(dim=1) - 1) ** 2).mean()


class WassersteinGP:
    """The Wasserstein loss with a gradient penalty (Gulrajani et al. 2017): the critic
    maximizes E D(real) - E D(fake) (the Wasserstein estimate) minus ``gp_weight`` times the
    penalty; G maximizes E D(fake)."""
    Settings = WassersteinSettings

    def __init__(self, settings: WassersteinSettings):
        self.gp_weight = settings.gp_weight

    def discriminator(self, d, real, y_real, fake, y_fake):
        wasserstein = d(real, y_real).float().mean() - d(fake, y_fake).float().mean()
        gp = gradient_penalty(d, real, fake, None)  # unconditional critics only (check_settings)
        return -wasserstein + self.gp_weight * gp, {"wasserstein": wasserstein, "gp": gp}

    def generator(self, d, fake, y_fake):
        return -d(fake, y_fake).float().mean()


LOSSES = {"non_saturating": NonSaturating, "wasserstein_gp": WassersteinGP}


def make_loss(spec: dict, prefix: str = "loss"):
    """The loss a params mapping ``{name: <loss>, <its settings>...}`` describes (ConfigError)."""
    name = spec.get("name")
    if name not in LOSSES:
        raise ConfigError(f"{prefix}.name: must be one of {', '.join(LOSSES)}, got {name!r}")
    cls = LOSSES[name]
    return cls(build(cls.Settings, {k: v for k, v in spec.items() if k != "name"}, prefix))


# ------------------------------------------------------------------------------ the family


@dataclass(frozen=True, kw_only=True)
class AdversarialConfig:
    lr: float = param(gt=0)
    beta1: float = param(ge=0, lt=1)
    beta2: float = param(ge=0, lt=1)
    noise_dim: int = param(ge=1)
    loss: dict  # {name: non_saturating | wasserstein_gp, and that loss's settings}
    d_steps: int = param(ge=1)  # discriminator (critic) steps per generator step
    spectral_norm: bool  # on every linear and convolutional layer of D (Miyato et al. 2018)
    precision: str = param(choices=("auto", "float32", "bfloat16"))  # auto: bfloat16 where native
    epochs: int | None = param(ge=1, default=None)  # unset: the top-level epochs

    def validate(self, prefix):
        make_loss(self.loss, f"{prefix}.loss")


@dataclass(frozen=True, kw_only=True)
class ConvAdversarialConfig(AdversarialConfig):
    width: int = param(ge=1)  # channels of D's first layer and G's last; 2x and 4x deeper down


class AdversarialModel(GenerativeModel):
    family = "adversarial"

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module):
        super().__init__(config)
        if config.spectral_norm:
            for layer in discriminator.modules():
                if isinstance(layer, (nn.Linear, nn.Conv2d)):
                    spectral_norm(layer)
        self.generator, self.discriminator = generator, discriminator
        self.loss = make_loss(config.loss)
        self.d_updates = 0  # D steps so far: schedules G's steps, saved with the weights

    @classmethod
    def check_settings(cls, config, sampling, prefix):
        if cls.conditional and config.loss["name"] == "wasserstein_gp":
            raise ConfigError(f"{prefix}.train.loss.name: wasserstein_gp is for unconditional models "
                              f"(its penalty interpolates images of different digits)")

    def get_extra_state(self):
        return {"d_updates": self.d_updates}

    def set_extra_state(self, state):
        self.d_updates = state["d_updates"]

    def configure_optimizers(self):
        betas = (self.config.beta1, self.config.beta2)
        return {"g": torch.optim.Adam(self.generator.parameters(), lr=self.config.lr, betas=betas),
                "d": torch.optim.Adam(self.discriminator.parameters(), lr=self.config.lr, betas=betas)}

    def training_step(self, x, y, optimizers):
        """A D step on the batch; a G step (on the same fakes, judged by the updated D) when
        D has taken ``d_steps`` steps since the last. The G loss is logged on those steps only."""
        real = x * 2 - 1  # the generator's Tanh range
        n = len(real)
        self.d_updates += 1
        g_step = self.d_updates % self.config.d_steps == 0
        z = torch.randn(n, self.config.noise_dim, device=real.device)
        y_fake = torch.randint(0, 10, (n,), device=real.device) if self.conditional else None
        y_real = y if self.conditional else None
        with self.autocast(real.device):
            with torch.set_grad_enabled(g_step):
                fake = self.generator(z, y_fake)
            d_loss, logs = self.loss.discriminator(self.discriminator, real, y_real, fake.detach(), y_fake)
        optimizers["d"].zero_grad(set_to_none=True)
        d_loss.backward()
        optimizers["d"].step()
        logs = {k: v.detach() for k, v in logs.items()}
        if not g_step:
            return {"d_loss": d_loss.detach(), **logs}

        with self.autocast(real.device):
            g_loss = self.loss.generator(self.discriminator, fake, y_fake)
        optimizers["g"].zero_grad(set_to_none=True)
        g_loss.backward()
        optimizers["g"].step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), **logs}

    def latent_dim(self):
        return None if self.conditional else self.config.noise_dim

    @torch.no_grad()
    def decode_latent(self, z):
        with self.autocast(z.device):
            return (self.generator(z, None).float() + 1) / 2

    @torch.no_grad()
    def generate(self, n, labels=None, generator=None):
        z = torch.randn(n, self.config.noise_dim, generator=generator, device=self.device)
        y = labels.to(self.device) if self.conditional else None
        with self.autocast(z.device):
            return (self.generator(z, y).float() + 1) / 2


# ------------------------------------------------------------------------------ DCGAN networks


class ConvGenerator(nn.Module):
    """DCGAN's generator at 28 x 28: four transposed convolutions, noise (and a 10-d label
    embedding) -> 4w x 4 x 4 -> 2w x 7 x 7 -> w x 14 x 14 -> 1 x 28 x 28, BatchNorm and ReLU
    between, Tanh out: the discriminator's path backwards, with 28 x 28 only at the output
    (a w-channel layer at 28 x 28 would double the step's cost on a CPU)."""

    def __init__(self, noise_dim: int, width: int, conditional: bool = False):
        super().__init__()
        self.label = nn.Embedding(10, 10) if conditional else None
        n_in = noise_dim + (10 if conditional else 0)

        def up(c_in, c_out, kernel, stride, padding):
            return [nn.ConvTranspose2d(c_in, c_out, kernel, stride, padding, bias=False),
                    nn.BatchNorm2d(c_out), nn.ReLU()]

        self.net = nn.Sequential(*up(n_in, 4 * width, 4, 1, 0), *up(4 * width, 2 * width, 3, 2, 1),
                                 *up(2 * width, width, 4, 2, 1),
                                 nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())
        self.to(memory_format=torch.channels_last)  # measured 10-25 % faster steps on CPU

    def forward(self, z, y=None):
        if self.label is not None:
            z = torch.cat([z, self.label(y)], dim=1)
        return self.net(z[:, :, None, None])


class ConvDiscriminator(nn.Module):
    """DCGAN's discriminator at 28 x 28: strided convolutions 1 -> w -> 2w -> 4w channels
    (28 -> 14 -> 7 -> 4), LeakyReLU, BatchNorm on the second and third when ``batch_norm``, and a
    linear score. Conditional: the digit enters as a learned 28 x 28 input channel and
    through a projection term (as in the cGAN's discriminator), initialized at 0."""

    def __init__(self, width: int, batch_norm: bool, conditional: bool = False):
        super().__init__()
        self.label = nn.Embedding(10, 28 * 28) if conditional else None

        def down(c_in, c_out, kernel, norm):
            return [nn.Conv2d(c_in, c_out, kernel, 2, 1), *([nn.BatchNorm2d(c_out)] if norm else []),
                    nn.LeakyReLU(0.2)]

        self.body = nn.Sequential(*down(2 if conditional else 1, width, 4, False),
                                  *down(width, 2 * width, 4, batch_norm),
                                  *down(2 * width, 4 * width, 3, batch_norm), nn.Flatten())
        self.head = nn.Linear(4 * width * 4 * 4, 1)
        self.projection = nn.Embedding(10, 4 * width * 4 * 4) if conditional else None
        if conditional:
            nn.init.zeros_(self.projection.weight)
        self.to(memory_format=torch.channels_last)  # measured 10-25 % faster steps on CPU

    def forward(self, x, y=None):
        if self.label is not None:
            x = torch.cat([x, self.label(y).view(-1, 1, 28, 28)], dim=1)
        h = self.body(x.contiguous(memory_format=torch.channels_last))
        if self.label is None:
            return self.head(h).squeeze(1)
        return self.head(h).squeeze(1) + (self.projection(y) * h).sum(1)
