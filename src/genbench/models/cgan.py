"""Conditional MLP GAN: the MLP GAN's networks with the digit as input, and a projection
discriminator; the training step is the adversarial family's.

G concatenates a 10-way label embedding to its noise; D concatenates another to its input
and adds a projection term to its output (Miyato & Koyama 2018): the inner product of a
learned label embedding with D's last hidden features, initialized at 0. The projection is
what lifts label accuracy above the concatenation alone (README, Models).
"""

from __future__ import annotations

import torch
from torch import nn

from genbench.models.adversarial import AdversarialConfig, AdversarialModel


def _block(n_in, n_out):
    return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(0.2)]


class ConditionalGenerator(nn.Module):
    def __init__(self, noise_dim: int):
        super().__init__()
        self.label = nn.Embedding(10, 10)
        self.net = nn.Sequential(*_block(noise_dim + 10, 256), *_block(256, 512), *_block(512, 1024),
                                 nn.Linear(1024, 784), nn.Tanh())

    def forward(self, z, y):
        return self.net(torch.cat([z, self.label(y)], dim=1)).view(-1, 1, 28, 28)


class ProjectionDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label = nn.Embedding(10, 10)
        self.body = nn.Sequential(nn.Linear(784 + 10, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                  nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3))
        self.head = nn.Linear(256, 1)
        self.projection = nn.Embedding(10, 256)
        nn.init.zeros_(self.projection.weight)  # starts as the plain concatenating D, then learns

    def forward(self, x, y):
        h = self.body(torch.cat([x.flatten(1), self.label(y)], dim=1))
        return self.head(h).squeeze(1) + (self.projection(y) * h).sum(1)


class CGAN(AdversarialModel):
    name = "cgan"
    conditional = True
    Config = AdversarialConfig

    def __init__(self, config: AdversarialConfig):
        super().__init__(config, ConditionalGenerator(config.noise_dim), ProjectionDiscriminator())
