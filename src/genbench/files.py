"""Files every part writes and reads, without torch: atomic writes, JSON, CSV, SHA-256."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from genbench.errors import DataError

TEMP_SUFFIX = ".partial"  # files being written; one left by a kill is ignored by git and DVC


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write to a temp file in the same folder, then rename: a kill never leaves half a file.
    The file gets the usual permissions (0666 less the umask), not the temp file's 0600. An
    OSError (a full disk, a read-only folder) names ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def csv_bytes(rows: list[dict]) -> bytes:
    """Rows of dicts (same keys) as CSV; None becomes an empty cell."""
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
    def parse(value: str):
        if value == "":
            return None
        try:
            return float(value)
        except ValueError:
            return value

    with open(path) as fh:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]
