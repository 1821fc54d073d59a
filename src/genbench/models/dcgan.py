"""DCGAN (Radford et al. 2016) at 28 x 28: the adversarial family's convolutional generator and
discriminator, trained with the family's step and the loss params.yaml names.

D keeps DCGAN's batch normalization unless ``spectral_norm`` is on: then spectral
normalization is D's only normalization, as in Miyato et al. 2018 (batch statistics would
undo the layer-wise Lipschitz bound).
"""

from __future__ import annotations

from genbench.models.adversarial import AdversarialModel, ConvAdversarialConfig, ConvDiscriminator, ConvGenerator


class DCGAN(AdversarialModel):
    name = "dcgan"
    Config = ConvAdversarialConfig

    def __init__(self, config: ConvAdversarialConfig):
        super().__init__(config, ConvGenerator(config.noise_dim, config.width),
                         ConvDiscriminator(config.width, batch_norm=not config.spectral_norm))
