"""MLP GAN of the original comparison: the networks; the training step is the adversarial
family's (non-saturating loss, one D and one G step per batch)."""

from __future__ import annotations

from torch import nn

from genbench.models.adversarial import AdversarialConfig, AdversarialModel


def _block(n_in, n_out):
    return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(0.2)]


class Generator(nn.Module):
    """FC noise_dim -> 256 -> 512 -> 1024 -> 784 with BatchNorm and LeakyReLU, Tanh output."""

    def __init__(self, noise_dim: int):
        super().__init__()
        self.net = nn.Sequential(*_block(noise_dim, 256), *_block(256, 512), *_block(512, 1024),
                                 nn.Linear(1024, 784), nn.Tanh())

    def forward(self, z, y=None):
        return self.net(z).view(-1, 1, 28, 28)


class Discriminator(nn.Module):
    """FC 784 -> 512 -> 256 -> 1 with LeakyReLU and dropout; one logit per image."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                  nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3))
        self.head = nn.Linear(256, 1)

    def forward(self, x, y=None):
        return self.head(self.body(x.flatten(1))).squeeze(1)


class GAN(AdversarialModel):
    name = "gan"
    Config = AdversarialConfig

    def __init__(self, config: AdversarialConfig):
        super().__init__(config, Generator(config.noise_dim), Discriminator())
