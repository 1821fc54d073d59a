"""WGAN-GP (Gulrajani et al. 2017): the DCGAN's generator against a critic without batch
normalization (the gradient penalty is per image), trained with the family's step, the
Wasserstein loss with gradient penalty and several critic steps per generator step."""

from __future__ import annotations

from genbench.errors import ConfigError
from genbench.models.adversarial import AdversarialModel, ConvAdversarialConfig, ConvDiscriminator, ConvGenerator


class WGANGP(AdversarialModel):
    name = "wgan_gp"
    Config = ConvAdversarialConfig

    def __init__(self, config: ConvAdversarialConfig):
        super().__init__(config, ConvGenerator(config.noise_dim, config.width),
                         ConvDiscriminator(config.width, batch_norm=False))

    @classmethod
    def check_settings(cls, config, sampling, prefix):
        if config.loss["name"] != "wasserstein_gp":
            raise ConfigError(f"{prefix}.train.loss.name: wgan_gp is trained with wasserstein_gp, "
                              f"got {config.loss['name']!r}")
