"""The shared training loop: determinism, resume after an interruption, the NaN guard."""

from dataclasses import dataclass

import pytest
import torch

from genbench import training
from genbench.errors import DivergenceError
from genbench.models import create, load_checkpoint, save_checkpoint
from genbench.models.base import GenerativeModel
from genbench.models.vae import VAEConfig
from genbench.utils import seed_everything

CPU = torch.device("cpu")


def tiny_data(n=96):
    gen = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def run(tmp_path, name="vae", epochs=2, quick_fid=None, resume_name="state.pt"):
    seed_everything(0)
    model = create(name, VAEConfig(lr=1e-3, latent_dim=4))
    x, y = tiny_data()
    result = training.train(model, x, y, epochs=epochs, batch_size=32, seed=0, device=CPU,
                            resume_path=tmp_path / resume_name, fingerprint="f", quick_fid=quick_fid)
    return model, result


def assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def test_same_seed_gives_identical_checkpoint(tmp_path):
    a, _ = run(tmp_path, resume_name="a.pt")
    b, _ = run(tmp_path, resume_name="b.pt")
    assert_same_weights(a, b)
    save_checkpoint(a, tmp_path / "a.ckpt")
    save_checkpoint(b, tmp_path / "b.ckpt")
    assert (tmp_path / "a.ckpt").read_bytes() == (tmp_path / "b.ckpt").read_bytes()


def test_resume_after_interruption_matches_uninterrupted_run(tmp_path):
    full, full_result = run(tmp_path / "full", epochs=3)

    def interrupt_in_epoch_2(model):
        if len(calls) == 1:
            raise KeyboardInterrupt  # Ctrl-C during epoch 2, after epoch 1 was saved
        calls.append(1)
        return 0.0

    calls = []
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "cut", epochs=3, quick_fid=interrupt_in_epoch_2)
    resumed, result = run(tmp_path / "cut", epochs=3)
    assert result.resumed_from_epoch == 1
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    assert_same_weights(full, resumed)
    assert result.history[-1]["loss"] == pytest.approx(full_result.history[-1]["loss"], rel=0, abs=0)


def test_resume_state_from_other_params_is_ignored(tmp_path):
    run(tmp_path, epochs=1)
    seed_everything(0)
    model = create("vae", VAEConfig(lr=1e-3, latent_dim=4))
    x, y = tiny_data()
    result = training.train(model, x, y, epochs=1, batch_size=32, seed=0, device=CPU,
                            resume_path=tmp_path / "state.pt", fingerprint="other")
    assert result.resumed_from_epoch == 0


@dataclass(frozen=True)
class _Cfg:
    lr: float = 1.0


class _Exploding(GenerativeModel):
    name = "exploding"
    Config = _Cfg

    def __init__(self, config):
        super().__init__(config)
        self.w = torch.nn.Parameter(torch.ones(1))

    def configure_optimizers(self):
        return {"sgd": torch.optim.SGD(self.parameters(), lr=self.config.lr)}

    def training_step(self, x, y, optimizers):
        return {"loss": float("nan") if self.steps_seen() > 3 else 1.0}

    def steps_seen(self):
        self._n = getattr(self, "_n", 0) + 1
        return self._n


def test_nan_loss_stops_with_model_and_epoch(tmp_path):
    x, y = tiny_data(64)
    with pytest.raises(DivergenceError, match=r"exploding: loss became nan at epoch 2"):
        training.train(_Exploding(_Cfg()), x, y, epochs=3, batch_size=32, seed=0, device=CPU,
                       resume_path=tmp_path / "s.pt", fingerprint="f")


def test_checkpoint_round_trip_is_weights_only(tmp_path):
    model, _ = run(tmp_path, epochs=1)
    save_checkpoint(model, tmp_path / "m.pt")
    loaded = load_checkpoint(tmp_path / "m.pt")
    assert_same_weights(model, loaded)
    gen = torch.Generator().manual_seed(1)
    images = loaded.generate(5, generator=gen)
    assert images.shape == (5, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
