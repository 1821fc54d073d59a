"""The adversarial family: G and D optimizers own their networks, one D step lowers D's loss,
the gradient penalty and spectral normalization do what their papers define, the DCGAN
networks keep their shapes, G steps follow `d_steps`, and the cGAN's projection learns."""

import dataclasses

import pytest
import torch
from torch import nn

from conftest import model_spec
from genbench import training
from genbench.models import available, load_checkpoint, model_class, save_checkpoint
from genbench.models.adversarial import ConvDiscriminator, ConvGenerator, gradient_penalty

ADVERSARIAL = [name for name in available() if model_class(name).family == "adversarial"]


def make(name, seed=0, **changes):
    torch.manual_seed(seed)
    spec = model_spec(name, **changes)
    return spec.cls(spec.config)


def batch(n=32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def test_the_new_models_are_registered_in_the_family():
    assert {"gan", "cgan", "dcgan", "cdcgan", "wgan_gp"} <= set(ADVERSARIAL)


@pytest.mark.parametrize("conditional", [False, True])
def test_dcgan_networks_shapes_and_range(conditional):
    torch.manual_seed(0)
    g, d = ConvGenerator(100, 8, conditional), ConvDiscriminator(8, batch_norm=True, conditional=conditional)
    y = torch.arange(5) % 10 if conditional else None
    images = g(torch.randn(5, 100), y)
    assert images.shape == (5, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1 and images.std() > 0
    scores = d(images, y)
    assert scores.shape == (5,) and torch.isfinite(scores).all()


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_optimizers_own_their_networks(name):
    model = make(name)
    optimizers = model.configure_optimizers()
    owned = {key: {id(p) for g in opt.param_groups for p in g["params"]} for key, opt in optimizers.items()}
    assert owned["g"] == {id(p) for p in model.generator.parameters()}
    assert owned["d"] == {id(p) for p in model.discriminator.parameters()}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_one_optimizer_step_lowers_the_discriminators_loss_on_a_fixed_batch(name):
    model = make(name)
    x, y = batch()
    real = x * 2 - 1
    y_real = y if model.conditional else None
    with torch.no_grad():
        fake = model.generator(torch.randn(32, model.config.noise_dim), y_real)

    def d_loss():
        torch.manual_seed(1)  # the same dropout masks and penalty interpolates each time
        return model.loss.discriminator(model.discriminator, real, y_real, fake, y_real)[0]

    optimizer = model.configure_optimizers()["d"]
    before = d_loss()
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    assert d_loss().item() < before.item()


def test_gradient_penalty_of_a_linear_critic_is_its_known_value():
    """D(x) = <w, x> + b has gradient w everywhere: the penalty is (||w|| - 1)^2."""
    torch.manual_seed(0)
    linear = nn.Linear(784, 1)
    with torch.no_grad():
        linear.weight.mul_(3.0 / linear.weight.norm())  # ||w|| = 3

    def critic(x, y=None):
        return linear(x.flatten(1)).squeeze(1)

    real, fake = torch.rand(16, 1, 28, 28), torch.rand(16, 1, 28, 28)
    assert gradient_penalty(critic, real, fake, None).item() == pytest.approx(4.0, rel=1e-5)
    with torch.no_grad():
        linear.weight.div_(3.0)  # ||w|| = 1: no penalty
    assert gradient_penalty(critic, real, fake, None).item() == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("name", ["gan", "dcgan", "wgan_gp"])
def test_spectral_norm_bounds_each_layers_largest_singular_value(name):
    model = make(name, spectral_norm=True)
    layers = [m for m in model.discriminator.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert layers and all(torch.nn.utils.parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.discriminator.modules())
    model.train()
    x, _ = batch()
    with torch.no_grad():
        for layer in layers:  # raw weights far from norm 1, so the bound must come from the normalization
            layer.parametrizations.weight.original.mul_(5.0)
        for _ in range(30):  # power iterations: one per training-mode forward
            model.discriminator(x * 2 - 1)
    for layer in layers:
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.02)
        raw = torch.linalg.matrix_norm(layer.parametrizations.weight.original.detach().flatten(1), ord=2)
        assert raw.item() > 2.0


def test_batch_norm_in_d_without_spectral_norm_except_the_wgan_critic():
    def has_batch_norm(model):
        return any(isinstance(m, nn.BatchNorm2d) for m in model.discriminator.modules())
    assert has_batch_norm(make("dcgan", spectral_norm=False))
    assert has_batch_norm(make("cdcgan", spectral_norm=False))
    assert not has_batch_norm(make("wgan_gp", spectral_norm=False))


def test_wgan_gp_steps_g_every_d_steps_and_logs_its_loss_columns(tmp_path):
    model = make("wgan_gp", width=4)
    assert model.config.d_steps == 5
    optimizers = model.configure_optimizers()
    x, y = batch(8)
    logged = [set(model.training_step(x, y, optimizers)) for _ in range(10)]
    critic = {"d_loss", "wasserstein", "gp"}
    assert logged == [critic] * 4 + [critic | {"g_loss"}] + [critic] * 4 + [critic | {"g_loss"}]
    save_checkpoint(model, tmp_path / "w.pt")  # the schedule's position travels with the weights
    assert load_checkpoint(tmp_path / "w.pt").d_updates == 10


def test_training_history_averages_each_loss_over_the_steps_that_logged_it(tmp_path):
    model = make("wgan_gp", width=4)
    logged, step = [], model.training_step

    def recording_step(*args):  # the logs of every step, as the training loop receives them
        logged.append(step(*args))
        return logged[-1]
    model.training_step = recording_step
    x, y = batch(80)
    result = training.train(model, x, y, epochs=1, batch_size=8, seed=0, device=torch.device("cpu"),
                            resume_path=tmp_path / "state.pt", fingerprint="f")
    row = result.history[0]
    g_losses = [float(logs["g_loss"]) for logs in logged if "g_loss" in logs]
    assert len(logged) == 10 and len(g_losses) == 2  # 10 critic steps, 2 generator steps
    assert row["g_loss"] == pytest.approx(sum(g_losses) / 2)  # not / 10
    assert row["d_loss"] == pytest.approx(sum(float(logs["d_loss"]) for logs in logged) / 10)


def test_generator_loss_of_the_wasserstein_critic_is_minus_its_mean_score():
    model = make("wgan_gp", width=4)
    fake = torch.rand(6, 1, 28, 28) * 2 - 1
    model.eval()
    expected = -model.discriminator(fake, None).mean()
    assert model.loss.generator(model.discriminator, fake, None).item() == pytest.approx(expected.item())


@pytest.mark.parametrize("name", ["cgan", "cdcgan"])
def test_conditional_discriminators_learn_a_label_projection(name):
    model = make(name)
    d = model.discriminator
    x, y = batch(64)
    assert torch.count_nonzero(d.projection.weight) == 0
    model.training_step(x, y, model.configure_optimizers())
    assert torch.count_nonzero(d.projection.weight) > 0
    model.eval()
    with torch.no_grad():  # the same images judged as another digit get other scores
        assert not torch.allclose(d(x * 2 - 1, y), d(x * 2 - 1, (y + 1) % 10))


def test_a_spectrally_normalized_model_round_trips_through_its_checkpoint(tmp_path):
    model = make("dcgan", width=4, spectral_norm=True)
    save_checkpoint(model, tmp_path / "m.pt")
    loaded = load_checkpoint(tmp_path / "m.pt")
    assert dataclasses.asdict(loaded.config) == dataclasses.asdict(model.config)
    model.eval()
    assert torch.equal(model.generate(3, None, torch.Generator().manual_seed(0)),
                       loaded.generate(3, None, torch.Generator().manual_seed(0)))
