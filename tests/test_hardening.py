"""The cases a new user broke things with (docs/reliability.md), each now one clear line:
checkpoints checked against their model and their recorded weights, bounded counts, finite
guidance, seeds in range, known devices, sane server options, a full disk naming its file."""

import errno
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, model_spec
from genbench.__main__ import main
from genbench.cli import error_line
from genbench.files import atomic_write_bytes
from genbench.models import load_checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checkpoints")
    for name in ("vae", "cgan", "ddpm"):
        spec = model_spec(name)
        save_checkpoint(spec.cls(spec.config), folder / f"{name}.pt")
    good = (folder / "vae.pt").read_bytes()
    damaged = bytearray(good)
    damaged[len(good) // 2] ^= 0xFF  # a byte inside the weights
    (folder / "damaged.pt").write_bytes(bytes(damaged))
    (folder / "truncated.pt").write_bytes(good[:len(good) // 3])
    (folder / "empty.pt").write_bytes(b"")
    (folder / "text.pt").write_text("not a checkpoint\n")
    return folder


def generate(args, monkeypatch, capsys) -> str:
    """The one line `genbench generate ARGS` ends with (exit code 1)."""
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(["generate", *args])
    message = str(info.value)
    assert message.startswith("error: ") and "\n" not in message and "Traceback" not in capsys.readouterr().err
    return message


@pytest.mark.parametrize("model, file, message", [
    ("vae", "cgan.pt", "a checkpoint of cgan (adversarial), not of vae"),
    ("ddpm", "cgan.pt", "a checkpoint of cgan (adversarial), not of ddpm"),
    ("vae", "damaged.pt", "damaged: its weights' SHA-256"),
    ("vae", "truncated.pt", "not a readable checkpoint, truncated or damaged"),
    ("vae", "empty.pt", "empty file, not a checkpoint"),
    ("vae", "text.pt", "not a PyTorch checkpoint"),
])
def test_a_checkpoint_of_another_model_or_a_damaged_one_is_refused(checkpoints, monkeypatch, capsys,
                                                                   model, file, message):
    line = generate([model, "--checkpoint", str(checkpoints / file), "--out", "/dev/null.png"], monkeypatch, capsys)
    assert message in line and file in line


def test_a_damaged_checkpoint_names_both_hashes(checkpoints):
    with pytest.raises(Exception) as raised:
        load_checkpoint(checkpoints / "damaged.pt")
    assert len(re.findall(r"[0-9a-f]{64}", str(raised.value))) == 2


@pytest.mark.parametrize("args, message", [
    (["vae", "--count", "1000000000"], "--count: must be between 1 and 10,000, got 1,000,000,000"),
    (["cgan", "--digits", "3", "--count", "1000000000", "--out", "x.npz"],
     "--count: must be between 1 and 100,000, got 1,000,000,000"),
    (["ddpm", "--guidance", "inf"], "guidance: must be a finite number, got inf"),
    (["ddpm", "--guidance", "1e400"], "guidance: must be a finite number, got inf"),
    (["vae", "--seed", "99999999999999999999"], "--seed: must be between 0 and 4,294,967,295"),
    (["vae", "--seed", "-1"], "--seed: must be between 0 and 4,294,967,295, got -1"),
    (["vae", "--device", "tpu"], "device: unknown 'tpu' (cpu, cuda, cuda:N or auto)"),
])
def test_generate_refuses_unbounded_or_impossible_requests(checkpoints, monkeypatch, capsys, args, message):
    model = args[0]
    line = generate([*args, "--checkpoint", str(checkpoints / f"{model}.pt")], monkeypatch, capsys)
    assert message in line, line


@pytest.mark.parametrize("args, message", [
    (["--workers", "-1"], "--workers: must be between 1 and 64, got -1"),
    (["--workers", "0"], "--workers: must be between 1 and 64, got 0"),
    (["--port", "99999"], "--port: must be between 0 and 65,535, got 99,999"),
    (["--queue", "-3"], "--queue: must be between 0 and 1,024, got -3"),
    (["--device", "tpu"], "device: unknown 'tpu'"),
])
def test_serve_refuses_bad_options_in_one_line(monkeypatch, args, message):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(["serve", *args])
    assert str(info.value).startswith("error: ") and message in str(info.value)


def test_serve_reports_the_port_it_listens_on():
    """`--port 0` takes any free port; the line it prints names the one it took."""
    server = subprocess.Popen([sys.executable, "-m", "genbench", "serve", "--port", "0"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
        assert port != 0
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/models", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except (ConnectionError, socket.timeout, urllib.error.URLError):
                time.sleep(0.1)
        else:
            raise AssertionError("nothing answered on the announced port")
    finally:
        server.terminate()
        server.wait(10)


class FullDisk:
    """A file whose every write fails as on a full disk."""

    def __init__(self, fd, mode):
        os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fdopen", FullDisk)
    target = tmp_path / "metrics" / "summary.json"
    with pytest.raises(OSError) as raised:
        atomic_write_bytes(target, b"{}")
    assert error_line(raised.value) == f"error: {target}: No space left on device"
    assert not list(target.parent.iterdir())  # no temp file left
