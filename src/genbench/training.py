"""The training loop shared by every model: seeded shuffling, progress bars, a per-epoch
history with a quick FID, a divergence guard, and resumable, atomically written epoch
states, locked against a second writer."""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch

from genbench.config import quick_fid_epochs
from genbench.errors import DIVERGED, DivergenceError, LockedError
from genbench.models.base import GenerativeModel
from genbench.runtime import count_parameters, cpu_model, device_name, load_torch, peak_memory_mb, progress_bar, save_torch


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)
    resumed_from_epoch: int = 0
    checkpoint_epoch: int = 0  # the epoch whose weights the model holds at the end

    @property
    def train_seconds(self) -> float:
        return sum(row["seconds"] for row in self.history)


def _rng_state(shuffle: torch.Generator, device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state(), "shuffle": shuffle.get_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict, shuffle: torch.Generator, device: torch.device) -> None:
    torch.set_rng_state(state["torch"].cpu())
    shuffle.set_state(state["shuffle"].cpu())
    if "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"].cpu(), device)


@contextmanager
def resume_lock(resume_path: Path, name: str):
    """Hold an exclusive lock on a model's resume state while training, so a second writer
    (another `dvc repro` while the first's training still runs) stops and says who holds it."""
    lock_path = resume_path.with_name(resume_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise LockedError(f"{name}: {lock_path} is held by {holder}, still training this model "
                              "(another `dvc repro`?); wait for it or stop it") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()} on {socket.gethostname()}")
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


def _resume_state(resume_path: Path, device, name: str):
    """The saved state, or None (with a line saying why) when it cannot be read."""
    if not resume_path.exists():
        return None
    try:
        return load_torch(resume_path, device)
    except Exception as exc:  # torch raises many kinds for a truncated or foreign file
        print(f"{name}: ignoring unreadable {resume_path} ({type(exc).__name__}); training from the start")
        return None


def _diverged(name: str, what: str, epoch: int, step: int) -> DivergenceError:
    return DivergenceError(f"{name}: {what} at epoch {epoch} (step {step}); training diverged, "
                           "try a lower learning rate")


class _Logged:
    """The values a training step logs (0-d tensors), kept on their device in one buffer per
    key and read in blocks: summed in order on the host, and checked for divergence."""

    def __init__(self, steps: int):
        self.steps = steps
        self.buffers: dict[str, torch.Tensor] = {}
        self.pending: dict[str, list[int]] = {}  # steps logged since the last read, per key
        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.latest: dict[str, float] = {}

    def record(self, step: int, logs: dict[str, torch.Tensor]) -> None:
        for key, value in logs.items():
            if key not in self.buffers:
                self.buffers[key] = torch.empty(self.steps, dtype=value.dtype, device=value.device)
            self.buffers[key][step].copy_(value)
            self.pending.setdefault(key, []).append(step)

    def read(self) -> tuple[str, float, int] | None:
        """Add the pending values to the sums; the earliest diverged one, if any, as (key,
        value, step): NaN, infinite or beyond DIVERGED."""
        logged = []  # (step, key, value) of every pending value
        for key, steps in self.pending.items():
            values = self.buffers[key][steps[0]:steps[-1] + 1].tolist()
            logged += [(step, key, values[step - steps[0]]) for step in steps]
        self.pending = {}
        for step, key, value in sorted(logged, key=lambda row: row[0]):
            if not math.isfinite(value) or abs(value) > DIVERGED:
                return key, value, step
            self.totals[key] = self.totals.get(key, 0.0) + value
            self.counts[key] = self.counts.get(key, 0) + 1
            self.latest[key] = value
        return None

    def means(self) -> dict[str, float]:
        return {key: total / self.counts[key] for key, total in self.totals.items()}


def train(model: GenerativeModel, x: torch.Tensor, y: torch.Tensor, *, epochs: int,
          batch_size: int, seed: int, device: torch.device, resume_path: str | Path,
          fingerprint: str, quick_fid=None, quick_fids: int | None = None, checkpoint: str = "last",
          read_every: int | None = None, after_epoch=None) -> TrainResult:
    """Train ``model`` on images ``x`` (N x 1 x 28 x 28 in [0, 1]) and labels ``y``.

    After each epoch the whole training state is written to ``resume_path``; a later call
    with the same ``fingerprint`` continues from there and ends with the same weights as an
    uninterrupted run. ``quick_fid(model) -> float`` is recorded, with its seconds, after the
    epochs ``quick_fid_epochs(epochs, quick_fids)`` names (every epoch when ``quick_fids`` is
    None); the other rows leave it empty. ``checkpoint``: the weights the model ends with,
    those of the ``last`` epoch or of the measured epoch with the lowest quick FID (``best``,
    which needs ``quick_fid``). ``read_every``:
    steps between reads of the logged losses (a read waits for the device), by default 1 on
    a CPU, where reads are free, and an epoch on a GPU; the result does not depend on it.
    ``after_epoch(history)`` is called once each epoch's state is saved (progress reports).
    """
    if checkpoint not in ("last", "best"):
        raise ValueError(f"checkpoint: last or best, got {checkpoint!r}")
    if checkpoint == "best" and quick_fid is None:
        raise ValueError("checkpoint: best needs the per-epoch quick FID")
    resume_path = Path(resume_path)
    with resume_lock(resume_path, model.name):
        return _train(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed, device=device,
                      resume_path=resume_path, fingerprint=fingerprint, quick_fid=quick_fid,
                      fid_epochs=quick_fid_epochs(epochs, quick_fids or epochs),
                      keep_best=checkpoint == "best", read_every=read_every, after_epoch=after_epoch)


def _train(model, x, y, *, epochs, batch_size, seed, device, resume_path, fingerprint, quick_fid, fid_epochs,
           keep_best, read_every, after_epoch):
    torch.manual_seed(seed)
    model.to(device)
    optimizers = model.configure_optimizers()
    shuffle = torch.Generator().manual_seed(seed)
    result = TrainResult()
    best = None  # with keep_best: {"epoch", "quick_fid", "model": a copy of its weights}

    state = _resume_state(resume_path, device, model.name)
    if state is not None:
        if state.get("fingerprint") == fingerprint:
            model.load_state_dict(state["model"])
            for name, opt in optimizers.items():
                opt.load_state_dict(state["optimizers"][name])
            _set_rng_state(state["rng"], shuffle, device)
            result.history = list(state["history"])
            best = state.get("best")
            result.resumed_from_epoch = len(result.history)
            print(f"{model.name}: resuming after epoch {result.resumed_from_epoch} from {resume_path}")
        else:
            print(f"{model.name}: ignoring {resume_path} (made with other params, inputs or code)")

    if device.type == "cuda":  # MNIST fits on any GPU: no per-batch host-to-device copies
        x, y = x.to(device), y.to(device)
    steps = (len(x) + batch_size - 1) // batch_size
    read_every = read_every or (steps if device.type == "cuda" else 1)
    for epoch in range(result.resumed_from_epoch, epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x), generator=shuffle).to(x.device)
        logged = _Logged(steps)
        bar = progress_bar(range(steps), desc=f"{model.name} epoch {epoch + 1}/{epochs}", leave=False)
        for i in bar:
            idx = order[i * batch_size:(i + 1) * batch_size]
            try:
                logs = model.training_step(x[idx], y[idx], optimizers)
            except RuntimeError:  # e.g. BCE refusing NaN outputs of NaN weights
                if all(torch.isfinite(p).all() for p in model.parameters()):
                    raise
                raise _diverged(model.name, "the weights became NaN or infinite", epoch + 1, i + 1) from None
            logged.record(i, logs)
            if (i + 1) % read_every == 0 or i + 1 == steps:
                bad = logged.read()
                if bad is not None:
                    key, value, step = bad
                    raise _diverged(model.name, f"{key} became {value:g}", epoch + 1, step + 1)
                if i % 20 == 0 or i + 1 == steps:
                    bar.set_postfix({k: f"{v:.3f}" for k, v in logged.latest.items()}, refresh=False)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        row = {"epoch": epoch + 1, **logged.means(),
               "seconds": time.perf_counter() - start}
        if quick_fid is not None:
            row["quick_fid"] = row["quick_fid_seconds"] = None
        if quick_fid is not None and epoch + 1 in fid_epochs:
            model.eval()
            start = time.perf_counter()
            row["quick_fid"] = quick_fid(model)
            row["quick_fid_seconds"] = time.perf_counter() - start
            if keep_best and (best is None or row["quick_fid"] < best["quick_fid"]):
                best = {"epoch": epoch + 1, "quick_fid": row["quick_fid"],
                        "model": {k: v.detach().clone() for k, v in model.state_dict().items()}}
        result.history.append(row)
        print(f"{model.name} epoch {epoch + 1}/{epochs}: "
              + ", ".join(f"{k}={v:.4g}" for k, v in row.items() if k != "epoch" and v is not None))
        save_torch({"fingerprint": fingerprint, "model": model.state_dict(),
                    "optimizers": {n: o.state_dict() for n, o in optimizers.items()},
                    "rng": _rng_state(shuffle, device), "history": result.history, "best": best},
                   resume_path)
        if after_epoch is not None:
            after_epoch(result.history)
    result.checkpoint_epoch = len(result.history)
    if keep_best and best is not None:
        model.load_state_dict(best["model"])
        result.checkpoint_epoch = best["epoch"]
    model.eval()
    return result


def fingerprint(*parts, files=()) -> str:
    """Identity of a training run for its resume state: ``parts`` (JSON-able params), the
    contents of ``files`` (the evaluator, the reference) and the source of every genbench
    module loaded, so a state is only reused by the same params, inputs and code."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    for path in files:
        digest.update(Path(path).read_bytes())
    for name in sorted(sys.modules):
        module = sys.modules[name]
        if name.split(".")[0] == "genbench" and getattr(module, "__file__", None):
            digest.update(name.encode() + Path(module.__file__).read_bytes())
    return digest.hexdigest()


def run_summary(result: TrainResult, model: GenerativeModel, epochs: int, device: torch.device) -> dict:
    """What was trained (metrics/train/MODEL.json), and the numerics it was computed with
    (precision, device, processor, torch, threads): the same for every run of the same params
    on the same kind of machine, so `dvc metrics diff` between machines shows why numbers moved."""
    return {"epochs": epochs, "checkpoint_epoch": result.checkpoint_epoch,
            "parameters": count_parameters(model), "numerics": numerics(model, device)}


def numerics(model: GenerativeModel, device: torch.device) -> dict:
    """What a model's numbers depend on beyond its params: float rounding on this hardware."""
    return {"precision": model.training_precision(device), "device": device.type,
            "processor": torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model(),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def run_timings(result: TrainResult, epochs: int, images: int, device: torch.device) -> dict:
    """How the run went (metrics/timings/train/MODEL.json): times, memory, device, resumption,
    kept apart so that `dvc metrics diff` of two runs of the same weights shows only these."""
    return {
        "train_seconds": result.train_seconds,
        "train_seconds_per_epoch": result.train_seconds / epochs,
        "train_images_per_second": epochs * images / result.train_seconds,
        "peak_memory_mb": peak_memory_mb(device),
        "device": device_name(device),
        "resumed_from_epoch": result.resumed_from_epoch,
    }
