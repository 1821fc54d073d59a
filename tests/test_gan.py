"""The adversarial family: G and D optimizers own their networks; the cGAN's projection learns."""

import torch

from conftest import model_spec


def test_generator_and_discriminator_optimizers_own_their_networks():
    spec = model_spec("gan")
    model = spec.cls(spec.config)
    optimizers = model.configure_optimizers()
    owned = {name: {id(p) for g in opt.param_groups for p in g["params"]} for name, opt in optimizers.items()}
    assert owned["g"] == {id(p) for p in model.generator.parameters()}
    assert owned["d"] == {id(p) for p in model.discriminator.parameters()}


def test_cgan_discriminator_learns_a_label_projection():
    torch.manual_seed(0)
    spec = model_spec("cgan")
    model = spec.cls(spec.config)
    d = model.discriminator
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    assert torch.count_nonzero(d.projection.weight) == 0
    model.training_step(x, y, model.configure_optimizers())
    assert torch.count_nonzero(d.projection.weight) > 0
    model.eval()
    with torch.no_grad():  # the same images judged as another digit get other scores
        assert not torch.allclose(d(x * 2 - 1, y), d(x * 2 - 1, (y + 1) % 10))
