"""Convolutional VAE of the original comparison (latent 20): the networks; the ELBO is the
variational family's."""

from __future__ import annotations

from torch import nn

from genbench.models.variational import VariationalConfig, VariationalModel


class VAE(VariationalModel):
    name = "vae"
    Config = VariationalConfig

    def __init__(self, config: VariationalConfig):
        z = config.latent_dim
        encoder = nn.Sequential(
            nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.ReLU(),   # 14 x 14
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),  # 7 x 7
            nn.Flatten(), nn.Linear(3136, 256), nn.ReLU(),
            nn.Linear(256, 2 * z),                                 # mean and log-variance
        )
        decoder = nn.Sequential(
            nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, 3136), nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),   # 14 x 14
            nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid(),  # 28 x 28
        )
        super().__init__(config, encoder, decoder)
