"""The frozen networks the project ships beside the evaluator (``genbench/scoring/yardstick/``):
the reader, the autoencoder and the PCA basis, each pinned by SHA-256 like the evaluator
(``genbench.scoring.evaluator``), made once by ``python -m genbench.scoring.freeze``. Under
``evaluator.source: train`` the evaluator stage trains its own instead (tests, experiments).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from torch import nn

from genbench.errors import YardstickError
from genbench.files import file_sha256, read_json
from genbench.runtime import load_torch, save_torch
from genbench.scoring.evaluator import SHIPPED as SHIPPED_EVALUATOR, SHIPPED_SHA256, Evaluator
from genbench.scoring.reader import train_reader
from genbench.scoring.spaces import Autoencoder, PixelPCA, fit_pca, train_autoencoder

FOLDER = SHIPPED_EVALUATOR.parent
SHA256 = {
    "reader": "5d8377b147aa22a989a8419e7ae293380aea2c76ec80c9783a77e0b6044f7422",
    "autoencoder": "96c80a9e7aa52c13398f0fd2e7d2900124f29735cee9a3d6d76ba256b4d9dc75",
    "pca": "1a9c6d90def1762b0b0b0843294a9c03f29ad621d9a213b36b00aba02bd15dd3",
}
NETWORKS = tuple(SHA256)
READING = FOLDER / "reading.json"  # the shipped reader's and evaluator's accuracy on the corrupted test set


def shipped_path(name: str) -> Path:
    return FOLDER / f"{name}.pt"


def _build(name: str, ckpt: dict) -> nn.Module:
    if name == "reader":
        return Evaluator(ckpt["width"])
    if name == "autoencoder":
        return Autoencoder(ckpt["width"])
    return PixelPCA(ckpt["state_dict"]["mean"], ckpt["state_dict"]["axes"])


def save_network(net: nn.Module, path) -> None:
    save_torch({"width": getattr(net, "width", None), "state_dict": net.state_dict()}, path)


def train_networks(x, y, recipe) -> dict[str, nn.Module]:
    """Networks of our own in place of the shipped ones (``evaluator.source: train``), from
    ``recipe`` (an ``EvaluatorConfig``): the reader with seed + 1, the autoencoder with seed + 2,
    both for ``recipe.epochs``; the PCA of ``x``."""
    return {"reader": train_reader(x, y, dataclasses.replace(recipe, seed=recipe.seed + 1)),
            "autoencoder": train_autoencoder(x, seed=recipe.seed + 2, epochs=recipe.epochs),
            "pca": fit_pca(x)}


def shipped_reading() -> dict:
    """``reading.json``, after checking that it was measured on the files shipped now."""
    record = read_json(READING)
    if record["sha256"] != {"reader": SHA256["reader"], "evaluator": SHIPPED_SHA256}:
        raise YardstickError(f"{READING}: measured on other files than the shipped reader and evaluator; "
                             "re-make it: python -m genbench.scoring.freeze reading --mnist data/mnist/MNIST/raw")
    return record


def check_shipped_network(name: str, path) -> None:
    """Stop, in one line naming both hashes, unless ``path`` is the shipped ``name`` file."""
    try:
        found = file_sha256(path)
    except OSError as exc:
        raise YardstickError(f"{path}: cannot read the {name} ({exc.strerror}); the shipped one is "
                             f"{shipped_path(name)} (SHA-256 {SHA256[name]})") from None
    if found != SHA256[name]:
        raise YardstickError(f"{path}: SHA-256 {found} is not the shipped {name}'s {SHA256[name]}; "
                             f"restore it (git checkout, then dvc repro) or set evaluator.source: train")


def load_network(name: str, path, source: str = "train") -> nn.Module:
    """The ``name`` network the evaluator stage provides (weights only, CPU); with ``source``
    ``shipped`` only if it is the shipped file."""
    if source == "shipped":
        check_shipped_network(name, path)
    ckpt = load_torch(path, "cpu")
    net = _build(name, ckpt)
    net.load_state_dict(ckpt["state_dict"])
    return net.eval()
