"""The shared training loop: determinism, resume after an interruption, the NaN guard."""

import dataclasses
import math
from dataclasses import dataclass

import pytest
import torch

from conftest import PARAMS, model_spec
from genbench import training
from genbench.errors import DivergenceError, LockedError
from genbench.models import save_checkpoint
from genbench.models.base import GenerativeModel
from genbench.runtime import seed_everything

CPU = torch.device("cpu")


def tiny_data(n=96):
    gen = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def tiny_vae():
    spec = model_spec("vae", latent_dim=4)
    return spec.cls(spec.config)


def run(tmp_path, epochs=2, quick_fid=None, resume_name="state.pt", checkpoint="last", read_every=None):
    seed_everything(0)
    model = tiny_vae()
    x, y = tiny_data()
    result = training.train(model, x, y, epochs=epochs, batch_size=32, seed=0, device=CPU,
                            resume_path=tmp_path / resume_name, fingerprint="f", quick_fid=quick_fid,
                            checkpoint=checkpoint, read_every=read_every)
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


def test_reading_the_losses_once_per_epoch_changes_nothing(tmp_path):
    """What a GPU run does (the logged losses stay on the device until the epoch ends) gives
    the weights and the history of reading them after every step."""
    each_step, each_result = run(tmp_path, resume_name="a.pt", read_every=1)
    per_epoch, epoch_result = run(tmp_path, resume_name="b.pt", read_every=1000)
    assert_same_weights(each_step, per_epoch)
    strip = [{k: v for k, v in row.items() if not k.endswith("seconds")} for row in each_result.history]
    assert strip == [{k: v for k, v in row.items() if not k.endswith("seconds")} for row in epoch_result.history]


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


def scripted_fid(values):
    """A quick FID that returns ``values`` in turn, and the weights it saw at each call."""
    seen = []

    def quick_fid(model):
        seen.append({k: v.clone() for k, v in model.state_dict().items()})
        return values[len(seen) - 1]
    return quick_fid, seen


def test_checkpoint_best_keeps_the_epoch_with_the_lowest_quick_fid(tmp_path):
    quick_fid, seen = scripted_fid([5.0, 2.0, 3.0])
    model, result = run(tmp_path / "best", epochs=3, quick_fid=quick_fid, checkpoint="best")
    assert result.checkpoint_epoch == 2
    for key, value in model.state_dict().items():
        assert torch.equal(value, seen[1][key]), key
    assert not torch.equal(model.state_dict()["decoder.0.weight"], seen[2]["decoder.0.weight"])

    last, result = run(tmp_path / "last", epochs=3, quick_fid=scripted_fid([5.0, 2.0, 3.0])[0])
    assert result.checkpoint_epoch == 3
    assert torch.equal(last.state_dict()["decoder.0.weight"], seen[2]["decoder.0.weight"])


def test_checkpoint_best_survives_a_resume(tmp_path):
    """The best epoch's weights are part of the resume state: an interruption after the best
    epoch still ends with them."""
    values = [5.0, 2.0, 3.0]
    full, _ = run(tmp_path / "full", epochs=3, quick_fid=scripted_fid(values)[0], checkpoint="best")

    def interrupt_in_epoch_3(model):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return values[len(calls) - 1]

    calls = []
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "cut", epochs=3, quick_fid=interrupt_in_epoch_3, checkpoint="best")
    resumed, result = run(tmp_path / "cut", epochs=3, quick_fid=lambda m: values[2], checkpoint="best")
    assert result.resumed_from_epoch == 2 and result.checkpoint_epoch == 2
    assert_same_weights(full, resumed)


def test_checkpoint_best_needs_the_quick_fid(tmp_path):
    with pytest.raises(ValueError, match="needs the per-epoch quick FID"):
        run(tmp_path, epochs=1, checkpoint="best")


def test_resume_state_from_other_params_is_ignored(tmp_path):
    run(tmp_path, epochs=1)
    seed_everything(0)
    model = tiny_vae()
    x, y = tiny_data()
    result = training.train(model, x, y, epochs=1, batch_size=32, seed=0, device=CPU,
                            resume_path=tmp_path / "state.pt", fingerprint="other")
    assert result.resumed_from_epoch == 0


@dataclass(frozen=True)
class _Cfg:
    lr: float


class _Exploding(GenerativeModel):
    name = "exploding"
    family = "test"
    Config = _Cfg

    def __init__(self, config):
        super().__init__(config)
        self.w = torch.nn.Parameter(torch.ones(1))

    def configure_optimizers(self):
        return {"sgd": torch.optim.SGD(self.parameters(), lr=self.config.lr)}

    def training_step(self, x, y, optimizers):
        return {"loss": torch.tensor(float("nan") if self.steps_seen() > 3 else 1.0)}

    def steps_seen(self):
        self._n = getattr(self, "_n", 0) + 1
        return self._n


def test_nan_loss_stops_with_model_and_epoch(tmp_path):
    x, y = tiny_data(64)
    with pytest.raises(DivergenceError, match=r"exploding: loss became nan at epoch 2"):
        training.train(_Exploding(_Cfg(lr=1.0)), x, y, epochs=3, batch_size=32, seed=0, device=CPU,
                       resume_path=tmp_path / "s.pt", fingerprint="f")


def test_fingerprint_changes_with_params_inputs_and_code(tmp_path):
    (tmp_path / "ref.pt").write_bytes(b"a")
    base = training.fingerprint("vae", {"lr": 1e-3}, 42, files=[tmp_path / "ref.pt"])
    assert base == training.fingerprint("vae", {"lr": 1e-3}, 42, files=[tmp_path / "ref.pt"])
    assert base != training.fingerprint("vae", {"lr": 2e-3}, 42, files=[tmp_path / "ref.pt"])
    (tmp_path / "ref.pt").write_bytes(b"b")
    assert base != training.fingerprint("vae", {"lr": 1e-3}, 42, files=[tmp_path / "ref.pt"])


class _Huge(_Exploding):
    """Finite losses that grow without bound, as a diverging GAN's do."""

    def training_step(self, x, y, optimizers):
        return {"d_loss": torch.tensor(10.0 ** (2 * self.steps_seen()))}


class _NaNWeights(_Exploding):
    """Weights that turn NaN, then a loss that refuses them (as BCE does)."""

    def training_step(self, x, y, optimizers):
        if self.steps_seen() > 2:
            with torch.no_grad():
                self.w.fill_(float("nan"))
            raise RuntimeError("all elements of input should be between 0 and 1")
        return {"loss": torch.tensor(1.0)}


@pytest.mark.parametrize("read_every", [None, 1000])  # each step (a CPU's default), each epoch (a GPU's)
@pytest.mark.parametrize("model, message", [
    (_Huge, r"exploding: d_loss became 1e\+08 at epoch 2 \(step 2\); training diverged"),
    (_NaNWeights, r"exploding: the weights became NaN or infinite at epoch 2 \(step 1\)"),
])
def test_divergence_beyond_nan_stops_with_one_line(tmp_path, model, message, read_every):
    x, y = tiny_data(64)
    with pytest.raises(DivergenceError, match=message):
        training.train(model(_Cfg(lr=1.0)), x, y, epochs=3, batch_size=32, seed=0, device=CPU,
                       resume_path=tmp_path / "s.pt", fingerprint="f", read_every=read_every)


class _TwoLosses(_Exploding):
    """D's loss every step, G's every second step (as WGAN-GP logs them): G's explodes at
    step 4, D's turns NaN at step 5."""

    def training_step(self, x, y, optimizers):
        n = self.steps_seen()
        logs = {"d_loss": torch.tensor(float("nan") if n >= 5 else 1.0)}
        if n % 2 == 0:
            logs["g_loss"] = torch.tensor(1e9 if n >= 4 else 1.0)
        return logs


@pytest.mark.parametrize("read_every", [None, 1000])
def test_divergence_names_the_earliest_step_whichever_loss_it_was(tmp_path, read_every):
    """Read once per epoch (a GPU's default), the message still names the first bad step,
    not the first bad value of the first key."""
    x, y = tiny_data(64)
    with pytest.raises(DivergenceError, match=r"exploding: g_loss became 1e\+09 at epoch 1 \(step 4\)"):
        training.train(_TwoLosses(_Cfg(lr=1.0)), x, y, epochs=1, batch_size=8, seed=0, device=CPU,
                       resume_path=tmp_path / "s.pt", fingerprint="f", read_every=read_every)


def test_an_unreadable_resume_state_is_ignored_not_fatal(tmp_path, capsys):
    full, _ = run(tmp_path / "full", epochs=2)
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "state.pt").write_bytes(b"truncated by a full disk")
    again, result = run(tmp_path / "cut", epochs=2)
    assert result.resumed_from_epoch == 0 and "ignoring unreadable" in capsys.readouterr().out
    assert_same_weights(full, again)


def test_a_second_writer_of_the_same_resume_state_is_refused(tmp_path):
    """While one process trains a model (holding its resume lock), another stops at once
    and says which process holds it."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from genbench.training import resume_lock\n"
        f"with resume_lock(Path({str(tmp_path / 'vae.pt')!r}), 'vae'):\n"
        "    print('locked', flush=True); time.sleep(30)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        x, y = tiny_data()
        with pytest.raises(LockedError, match=rf"vae: .*vae.pt.lock is held by process {holder.pid} on "):
            training.train(tiny_vae(), x, y, epochs=1, batch_size=32, seed=0, device=CPU,
                           resume_path=tmp_path / "vae.pt", fingerprint="f")
    finally:
        holder.kill()
        holder.wait()
    run(tmp_path, epochs=1, resume_name="vae.pt")  # free again once the holder is gone


def test_evaluator_training_stops_when_its_loss_explodes(mnist_raw_dir):
    from genbench.data import load_split
    from genbench.scoring.evaluator import train_classifier

    x, y = load_split(mnist_raw_dir, train=True, subset=512)
    recipe = dataclasses.replace(PARAMS.evaluator, width=8, epochs=1, lr=1000.0)
    with pytest.raises(DivergenceError, match=r"evaluator: loss became .* training diverged"):
        train_classifier(x, y, recipe)


@pytest.mark.parametrize("device, calls", [("cpu", [100] * 10), ("cuda", [1000])])
def test_the_quick_fid_samples_in_fixed_chunks_per_device(monkeypatch, device, calls):
    """1,000 quick-FID images: ten calls of 100 on a CPU (as always), one of 1,000 on a GPU,
    whatever the sample batch-size setting."""
    from genbench.scoring import monitor
    from genbench.scoring.evaluator import Evaluator
    from genbench.scoring.reference import Reference

    seen = []

    def fake_generate(model, n, seed, batch_size):
        seen.extend(min(batch_size, n - i) for i in range(0, n, batch_size))
        return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)), None, 0.0

    monkeypatch.setattr(monitor, "generate", fake_generate)
    monkeypatch.setattr(type(tiny_vae()), "device", property(lambda self: torch.device(device)))
    feats = torch.randn(200, 128, generator=torch.Generator().manual_seed(0))
    reference = Reference(feats, None, None, feats, feats)
    fid = monitor.QuickFID(Evaluator(width=4), reference, n=1000, seed=0)(tiny_vae())
    assert seen == calls and math.isfinite(fid)


@pytest.mark.parametrize("name", ["vae", "gan", "ddpm"])
def test_the_train_metrics_name_the_numerics_they_were_computed_with(tmp_path, name):
    """metrics/train/MODEL.json: precision (as resolved), device, processor, torch, threads,
    so `dvc metrics diff` between two machines shows why numbers moved."""
    spec = model_spec(name)
    model = spec.cls(spec.config)
    summary = training.run_summary(training.TrainResult(), model, 2, CPU)
    numerics = summary["numerics"]
    assert numerics["precision"] == "float32"  # `auto` and the VAE (no setting) on any CPU
    assert numerics["device"] == "cpu" and numerics["processor"]
    assert numerics["torch"] == torch.__version__ and numerics["threads"] == torch.get_num_threads()


def test_precision_auto_is_float32_on_every_cpu_and_bfloat16_on_a_gpu():
    from genbench.runtime import use_bfloat16

    assert not use_bfloat16("auto", CPU) and use_bfloat16("auto", torch.device("cuda"))
    assert use_bfloat16("bfloat16", CPU) and not use_bfloat16("float32", torch.device("cuda"))


def test_progress_into_a_log_writes_a_few_lines_not_a_redraw_per_step():
    """Under DVC or CI stderr is a file: 2,000 steps with a postfix every 20 give a handful
    of bar updates (one a minute at most), not one per step."""
    import subprocess
    import sys

    code = ("import time\nfrom genbench.runtime import progress_bar\n"
            "bar = progress_bar(range(2000), desc='epoch 1/1', leave=False)\n"
            "for i in bar:\n    time.sleep(0.0002)\n"
            "    if i % 20 == 0:\n        bar.set_postfix(loss=f'{i:.3f}', refresh=False)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr.count("epoch 1/1") <= 4, run.stderr


def test_the_quick_fid_is_taken_after_the_epochs_quick_fid_epochs_names(tmp_path):
    assert training.quick_fid_epochs(2, 10) == {1, 2}
    assert training.quick_fid_epochs(50, 10) == {5, 10, 15, 20, 25, 30, 35, 40, 45, 50}
    assert training.quick_fid_epochs(7, 3) == {3, 6, 7}
    seed_everything(0)
    x, y = tiny_data()
    calls = []
    result = training.train(tiny_vae(), x, y, epochs=5, batch_size=32, seed=0, device=CPU,
                            resume_path=tmp_path / "state.pt", fingerprint="f",
                            quick_fid=lambda m: calls.append(1) or 7.0, quick_fids=2,
                            after_epoch=lambda history: calls.append(len(history)))
    assert [row["quick_fid"] for row in result.history] == [None, None, 7.0, None, 7.0]
    assert all((row["quick_fid_seconds"] is None) == (row["quick_fid"] is None) for row in result.history)
    assert calls == [1, 2, 1, 3, 4, 1, 5]  # after_epoch sees each epoch's history once it is saved
