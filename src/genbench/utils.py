"""Small shared helpers: seeding, devices, atomic writes, checkpoints, JSON, memory."""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from genbench.errors import ConfigError, DataError


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
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
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
    import platform

    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)"


TEMP_SUFFIX = ".partial"  # files being written; one left by a kill is ignored by git and DVC


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write to a temp file in the same folder, then rename: a kill never leaves half a file.
    The file gets the usual permissions (0666 less the umask), not the temp file's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_torch(obj, path: str | Path) -> None:
    """torch.save, atomically."""
    import io

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_torch(path: str | Path, device: torch.device | str = "cpu"):
    """torch.load that never executes code from the file."""
    return torch.load(path, map_location=device, weights_only=True)


def _first_non_finite(obj, where: str = "") -> str | None:
    if isinstance(obj, float) and not np.isfinite(obj):
        return f"{where or 'value'} is {obj}"
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for key, value in items:
        found = _first_non_finite(value, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def write_json(path: str | Path, obj) -> None:
    """JSON, atomically; a NaN or infinity (which strict JSON readers reject) is an error."""
    problem = _first_non_finite(obj)
    if problem:
        raise DataError(f"{path}: {problem}, not a number JSON can hold")
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n").encode())


def read_json(path: str | Path):
    with open(path) as fh:
        return json.load(fh)


def peak_memory_mb(device: torch.device) -> float:
    """Peak CUDA memory allocated on a GPU, else this process's peak resident set size."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def csv_bytes(rows: list[dict]) -> bytes:
    """Rows of dicts (same keys) as CSV; None becomes an empty cell."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def write_csv(path: str | Path, rows: list[dict]) -> None:
    """Rows of dicts to CSV, atomically."""
    atomic_write_bytes(path, csv_bytes(rows))


def read_csv(path: str | Path) -> list[dict]:
    """CSV rows back into dicts: numbers as float, empty cells as None, other text as is."""
    import csv

    def parse(value: str):
        if value == "":
            return None
        try:
            return float(value)
        except ValueError:
            return value

    with open(path) as fh:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]
