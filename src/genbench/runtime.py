"""What a torch process shares: seeding, devices and precision, checkpoint files that never
execute code, progress bars, and the machine's description."""

from __future__ import annotations

import io
import os
import platform
import random
import resource
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from genbench.errors import ConfigError
from genbench.files import atomic_write_bytes

LOG_INTERVAL = 60.0  # seconds between progress lines when stderr is a file or a pipe (DVC, CI)


def progress_bar(iterable, **kwargs):
    """A tqdm bar: redrawn as usual on a terminal, at most one line a minute into a log."""
    if not sys.stderr.isatty():
        kwargs.setdefault("mininterval", LOG_INTERVAL)
    return tqdm(iterable, **kwargs)


def seed_everything(seed: int) -> None:
    """Seed every RNG and ask torch for deterministic kernels."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


def pick_device(name: str) -> torch.device:
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (a GPU when there is one); anything else is a
    ConfigError naming it."""
    if name not in ("cpu", "cuda", "auto") and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise ConfigError(f"device: unknown {name!r} (cpu, cuda, cuda:N or auto)")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device: cuda requested but no CUDA GPU is available (use cpu or auto)")
    return torch.device(name)


def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX512-BF16 or AMX). Without it,
    bfloat16 autocast is emulated: measured 10x slower than float32 on an AVX2-only CPU."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bfloat16(precision: str, device: torch.device) -> bool:
    """Resolve a ``precision`` param: ``auto`` is bfloat16 on a GPU, float32 on every CPU (so
    the protocol's CPU numbers differ between CPU models by float32 rounding only; measured
    in benchmarks/results/epoch_cost_xeon_amx.txt)."""
    if precision == "auto":
        return device.type == "cuda"
    return precision == "bfloat16"


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)"


def save_torch(obj, path: str | Path) -> None:
    """torch.save, atomically."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_torch(path: str | Path, device: torch.device | str = "cpu"):
    """torch.load that never executes code from the file."""
    return torch.load(path, map_location=device, weights_only=True)


def peak_memory_mb(device: torch.device) -> float:
    """Peak CUDA memory allocated on a GPU, else this process's peak resident set size."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
