"""The diffusion family's maths: schedule closed forms, the two samplers' updates, guidance,
one training step, and sampler settings as arguments of generate()."""

import math

import pytest
import torch

from conftest import model_spec
from genbench.errors import ConfigError
from genbench.models.diffusion import guided_eps


def ddpm(**changes):
    torch.manual_seed(0)
    spec = model_spec("ddpm", **changes)
    return spec.cls(spec.config)


def test_alpha_bar_closed_forms_and_buffers():
    d = ddpm(timesteps=1000, beta_start=1e-4, beta_end=0.02)
    assert d.ab(0) == pytest.approx(1 - 1e-4)
    betas = [1e-4 + (0.02 - 1e-4) * i / 999 for i in range(1000)]
    assert d.ab(999) == pytest.approx(math.prod(1 - b for b in betas), rel=1e-9)
    assert d.ab(999) < 1e-4  # x_T is (almost) pure noise
    assert d.ab(-1) == 1.0
    buffers = dict(d.named_buffers())
    assert buffers["alpha_bar"].dtype == torch.float64 and "alpha_bar" not in d.state_dict()


def test_ddim_with_eta_one_equals_the_ancestral_update():
    """With all T steps and eta = 1, DDIM's step t -> t-1 has the ancestral mean and std."""
    d = ddpm(timesteps=1000)
    gen = torch.Generator().manual_seed(0)
    x, eps = torch.randn(64, 1, 4, 4, generator=gen), torch.randn(64, 1, 4, 4, generator=gen)
    for t in (999, 700, 300, 50, 1, 0):
        m_ddim, s_ddim = d.ddim_step(x, eps, t, t - 1, eta=1.0)
        m_anc, s_anc = d.ancestral_step(x, eps, t)
        torch.testing.assert_close(m_ddim, m_anc, rtol=1e-5, atol=1e-5)
        assert s_ddim == pytest.approx(s_anc, rel=1e-9, abs=1e-12)


def test_ddim_eta_zero_is_deterministic_and_exact_without_noise():
    """If the network predicted the true noise, one DDIM jump lands on the noised x0 exactly."""
    d = ddpm(timesteps=1000)
    gen = torch.Generator().manual_seed(1)
    x0 = torch.rand(8, 1, 4, 4, generator=gen) * 2 - 1
    noise = torch.randn(8, 1, 4, 4, generator=gen)
    t, t_prev = 800, 400
    xt = math.sqrt(d.ab(t)) * x0 + math.sqrt(1 - d.ab(t)) * noise
    mean, sigma = d.ddim_step(xt, noise, t, t_prev, eta=0.0)
    assert sigma == 0.0
    expected = math.sqrt(d.ab(t_prev)) * x0 + math.sqrt(1 - d.ab(t_prev)) * noise
    torch.testing.assert_close(mean, expected, rtol=1e-5, atol=1e-5)


def test_guidance_scale_zero_is_the_conditional_prediction():
    cond, uncond = torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2)
    torch.testing.assert_close(guided_eps(cond, uncond, 0.0), cond)
    torch.testing.assert_close(guided_eps(cond, uncond, 2.0), 3 * cond - 2 * uncond)


def test_training_steps_lower_the_loss_on_a_fixed_batch():
    model = ddpm(precision="float32")
    opt = model.configure_optimizers()
    x = torch.rand(16, 1, 28, 28)
    y = torch.arange(16) % 10

    def fixed_loss():
        torch.manual_seed(123)  # same t, noise and label drops each time
        with torch.no_grad():
            return model.loss(x, y).item()

    before = fixed_loss()
    for _ in range(3):
        torch.manual_seed(123)
        model.training_step(x, y, opt)
    assert fixed_loss() < before


@pytest.mark.parametrize("settings", [{"sampler": "ddim", "steps": 5}, {"sampler": "ancestral"},
                                      {"guidance": 0.0}, {"eta": 1.0, "steps": 3}])
def test_samplers_return_images_in_range(settings):
    model = ddpm().eval()
    out = model.generate(4, torch.tensor([0, 1, 2, 3]), torch.Generator().manual_seed(0), **settings)
    assert out.shape == (4, 1, 28, 28) and torch.isfinite(out).all()
    assert 0 <= out.min() and out.max() <= 1


def test_sampler_settings_are_arguments_not_config():
    model = ddpm().eval()
    y = torch.tensor([0, 1])
    a = model.generate(2, y, torch.Generator().manual_seed(0), guidance=0.0)
    b = model.generate(2, y, torch.Generator().manual_seed(0), guidance=3.0)
    assert not torch.equal(a, b)
    with pytest.raises(ConfigError, match="steps: at most"):
        model.generate(2, y, steps=51)  # the tiny model has 50 timesteps
    with pytest.raises(TypeError):
        model.generate(2, y, temperature=0.5)


def test_ema_update_is_the_warm_up_average_and_continues_after_reloading():
    """The fused EMA update: ema <- decay * ema + (1 - decay) * net with decay
    min(ema_decay, (1 + n) / (10 + n)) at the n-th update; n is counted on the host and
    re-read from the saved buffer when weights are loaded (a resumed run)."""
    model = ddpm(width=8, timesteps=50)
    with torch.no_grad():
        for p in model.net.parameters():
            p.add_(1.0)
    before = [p.clone() for p in model.ema.parameters()]
    model.update_ema()
    decay = 2 / 11
    for old, net, ema in zip(before, model.net.parameters(), model.ema.parameters()):
        torch.testing.assert_close(ema, decay * old + (1 - decay) * net)

    other = ddpm(width=8, timesteps=50)
    for _ in range(5):
        other.update_ema()
    other.load_state_dict(model.state_dict())  # one update so far, as the saved buffer says
    before = [p.clone() for p in other.ema.parameters()]
    other.update_ema()
    assert int(other.ema_updates) == 2
    decay = 3 / 12
    for old, net, ema in zip(before, other.net.parameters(), other.ema.parameters()):
        torch.testing.assert_close(ema, decay * old + (1 - decay) * net)


def test_compiling_the_network_keeps_its_weights_and_their_names():
    """``compile`` (CUDA graphs on a GPU) compiles the trained U-Net in place: the state dict,
    and so checkpoints and resume states, are those of the eager model; the EMA copy that
    samples stays eager."""
    eager, compiled = ddpm(width=8, timesteps=50), ddpm(width=8, timesteps=50, compile="reduce-overhead")
    assert compiled.net._compiled_call_impl is not None and compiled.ema._compiled_call_impl is None
    assert eager.net._compiled_call_impl is None
    assert compiled.state_dict().keys() == eager.state_dict().keys()
    for key, value in eager.state_dict().items():
        assert torch.equal(compiled.state_dict()[key], value), key


def test_a_compiled_network_runs_other_batch_sizes_eagerly():
    """The compiled graph serves the first step's batch size; an epoch's last, smaller batch
    runs the same network eagerly, so no second graph is compiled (minutes on a GPU)."""
    model = ddpm(width=8, timesteps=50, compile="reduce-overhead")
    graph_batches = []
    eager_call = model.net._call_impl

    def stand_in_graph(x, t, y):  # compiling for real takes minutes on a CPU
        graph_batches.append(len(x))
        return eager_call(x, t, y)

    model.net._compiled_call_impl = stand_in_graph
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    for n in (8, 8, 5, 8):
        assert torch.isfinite(model.loss(x[:n], y[:n]))
    assert graph_batches == [8, 8, 8]

