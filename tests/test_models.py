"""The interface every registered model keeps: shapes and range of generate(), requested
digits honoured by conditional models, a weights-only checkpoint round trip, determinism
under a seed, and one training step that returns finite losses."""

import pytest
import torch

from conftest import model_spec
from genbench.models import available, load_checkpoint, save_checkpoint

MODELS = available()


def tiny_model(name, seed=0):
    torch.manual_seed(seed)
    spec = model_spec(name)
    return spec.cls(spec.config), spec


def labels_for(model, n):
    return torch.arange(n) % 10 if model.conditional else None


@pytest.mark.parametrize("name", MODELS)
def test_generate_shape_range_and_determinism(name):
    model, _ = tiny_model(name)
    model.eval()
    y = labels_for(model, 6)
    a = model.generate(6, y, torch.Generator().manual_seed(1))
    b = model.generate(6, y, torch.Generator().manual_seed(1))
    c = model.generate(6, y, torch.Generator().manual_seed(2))
    assert a.shape == (6, 1, 28, 28) and a.dtype == torch.float32
    assert torch.isfinite(a).all() and 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("name", [m for m in MODELS if tiny_model(m)[0].conditional])
def test_conditional_models_use_the_requested_digits(name):
    model, _ = tiny_model(name)
    model.eval()
    for _ in range(3):  # a few training steps, so the label pathway carries signal
        model.train()
        model.training_step(torch.rand(20, 1, 28, 28), torch.arange(20) % 10, model.configure_optimizers())
    model.eval()
    as_3 = model.generate(4, torch.full((4,), 3), torch.Generator().manual_seed(0))
    as_7 = model.generate(4, torch.full((4,), 7), torch.Generator().manual_seed(0))
    assert not torch.allclose(as_3, as_7)


@pytest.mark.parametrize("name", MODELS)
def test_checkpoint_round_trip_is_exact(name, tmp_path):
    model, _ = tiny_model(name)
    save_checkpoint(model, tmp_path / "m.pt")
    loaded = load_checkpoint(tmp_path / "m.pt")
    assert type(loaded) is type(model) and loaded.config == model.config
    assert loaded.state_dict().keys() == model.state_dict().keys()
    for key, value in model.state_dict().items():  # tensors, and plain extra state
        other = loaded.state_dict()[key]
        assert torch.equal(value, other) if torch.is_tensor(value) else value == other, key
    model.eval()
    y = labels_for(model, 3)
    assert torch.equal(model.generate(3, y, torch.Generator().manual_seed(5)),
                       loaded.generate(3, y, torch.Generator().manual_seed(5)))


@pytest.mark.parametrize("name", MODELS)
def test_training_step_returns_finite_detached_losses(name):
    model, _ = tiny_model(name)
    model.train()
    logs = model.training_step(torch.rand(16, 1, 28, 28), torch.arange(16) % 10, model.configure_optimizers())
    assert logs and all(isinstance(v, torch.Tensor) and v.dim() == 0 and not v.requires_grad
                        for v in logs.values())
    assert all(torch.isfinite(v) for v in logs.values())


@pytest.mark.parametrize("name", MODELS)
def test_optimizers_partition_the_trainable_parameters(name):
    model, _ = tiny_model(name)
    seen = [id(p) for opt in model.configure_optimizers().values()
            for group in opt.param_groups for p in group["params"]]
    assert len(seen) == len(set(seen))
    assert set(seen) == {id(p) for p in model.parameters() if p.requires_grad}
