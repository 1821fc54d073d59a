"""Conditional DCGAN: the DCGAN's networks with the digit as input, G through a label
embedding, D through a label channel and a projection term (as the cGAN's discriminator);
the training step is the adversarial family's. D's normalization follows the DCGAN's rule."""

from __future__ import annotations

from genbench.models.adversarial import AdversarialModel, ConvAdversarialConfig, ConvDiscriminator, ConvGenerator


class CDCGAN(AdversarialModel):
    name = "cdcgan"
    conditional = True
    Config = ConvAdversarialConfig

    def __init__(self, config: ConvAdversarialConfig):
        super().__init__(config, ConvGenerator(config.noise_dim, config.width, conditional=True),
                         ConvDiscriminator(config.width, batch_norm=not config.spectral_norm, conditional=True))
