"""GAN and cGAN: the optimizers split the parameters, and the cGAN's discriminator uses labels."""

import pytest
import torch

from genbench.models import create
from genbench.models.gan import GANConfig


@pytest.mark.parametrize("name", ["gan", "cgan"])
def test_generator_and_discriminator_optimizers_partition_the_parameters(name):
    model = create(name, GANConfig())
    optimizers = model.configure_optimizers()
    g = {id(p) for group in optimizers["g"].param_groups for p in group["params"]}
    d = {id(p) for group in optimizers["d"].param_groups for p in group["params"]}
    assert not g & d
    assert g | d == {id(p) for p in model.parameters()}


def test_cgan_discriminator_learns_a_label_projection():
    torch.manual_seed(0)
    model = create("cgan", GANConfig())
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    assert torch.count_nonzero(model.d_project.weight) == 0
    model.training_step(x, y, model.configure_optimizers())
    assert torch.count_nonzero(model.d_project.weight) > 0
    model.eval()
    with torch.no_grad():  # the same images judged as another digit get other scores
        assert not torch.allclose(model._d(x * 2 - 1, y), model._d(x * 2 - 1, (y + 1) % 10))
