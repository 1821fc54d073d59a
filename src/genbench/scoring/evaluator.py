"""The evaluator: a small CNN classifier every metric looks through.

Its penultimate activations are the feature space of FID and precision/recall, its softmax
gives the Inception Score and label accuracy. InceptionV3 weights are not available offline,
and an ImageNet network is a poor judge of 28 x 28 digits anyway.

The project ships one trained evaluator (``SHIPPED``, SHA-256 ``SHIPPED_SHA256``; its recipe
and measured accuracy in ``yardstick/recipe.json`` beside it, made by
``python -m genbench.scoring.freeze``): the same file on every machine, so every machine measures
with the same yardstick, as FID's users share one set of Inception weights.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from genbench.errors import DIVERGED, DivergenceError, YardstickError
from genbench.files import file_sha256
from genbench.runtime import load_torch, progress_bar, save_torch

FEATURE_DIM = 128
DEVICE = torch.device("cpu")  # the yardstick is trained and applied on the CPU on every machine
SHIPPED = Path(__file__).parent / "yardstick" / "evaluator.pt"
SHIPPED_SHA256 = "8df44c2c36187c9f1f7bbaff0d27d7c4096681490b1805b555841efc28a11650"


class Evaluator(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.width = w = width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * w * 7 * 7, FEATURE_DIM),
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.3), nn.Linear(FEATURE_DIM, 10))
        self.to(memory_format=torch.channels_last)  # about 1.3x faster convolutions on CPU

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate layer before its ReLU (N x 128, full rank) for images in [0, 1]."""
        return self.body(x.contiguous(memory_format=torch.channels_last))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def activations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output of each convolutional block (after its ReLU), for perceptual distances."""
        out, h = [], x.contiguous(memory_format=torch.channels_last)
        for layer in self.body:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                out.append(h)
        return out


def train_classifier(x: torch.Tensor, y: torch.Tensor, recipe, desc: str = "evaluator",
                     augment: bool = False) -> Evaluator:
    """A fresh Evaluator trained on the CPU with ``recipe`` (an ``EvaluatorConfig``: seed,
    batch size, epochs, lr, width, precision): Adam with a one-cycle schedule; initial
    weights, shuffling, dropout and augmentation from ``recipe.seed`` alone, whatever the
    caller's state. ``augment``: each batch randomly shifted, rotated and scaled a little
    (``augment_batch``), the shipped evaluator's recipe.

    Also the recipe of CAS, which trains the same architecture on generated samples.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        return _train_classifier(Evaluator(recipe.width), x, y, recipe, desc, augment)


MAX_SHIFT, MAX_ROTATION, MAX_SCALE = 2.0, 10.0, 0.1  # pixels, degrees, fraction


def augment_batch(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Images moved by a random affine map each: a shift of up to ``MAX_SHIFT`` pixels either
    way, a rotation of up to ``MAX_ROTATION`` degrees and a scaling by up to ``MAX_SCALE``,
    bilinear, black outside the image."""
    n, _, h, w = x.shape
    u = torch.rand(n, 4, generator=gen) * 2 - 1
    angle = u[:, 0] * math.radians(MAX_ROTATION)
    scale = 1 + u[:, 1] * MAX_SCALE
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, u[:, 2] * MAX_SHIFT * 2 / w], 1),
                         torch.stack([sin, cos, u[:, 3] * MAX_SHIFT * 2 / h], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _train_classifier(model, x, y, recipe, desc, augment):
    model.to(DEVICE).train()
    gen = torch.Generator().manual_seed(recipe.seed)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    steps_per_epoch = (len(x) + recipe.batch_size - 1) // recipe.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe.lr, total_steps=recipe.epochs * steps_per_epoch)
    for epoch in range(recipe.epochs):
        order = torch.randperm(len(x), generator=gen)
        bar = progress_bar(range(steps_per_epoch), desc=f"{desc} epoch {epoch + 1}/{recipe.epochs}", leave=False)
        for i in bar:
            idx = order[i * recipe.batch_size:(i + 1) * recipe.batch_size]
            xb, yb = x[idx].to(DEVICE), y[idx].to(DEVICE)
            if augment:
                xb = augment_batch(xb, gen)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=recipe.precision == "bfloat16"):
                loss = F.cross_entropy(model(xb).float(), yb)
            if not torch.isfinite(loss) or loss.item() > DIVERGED:
                raise DivergenceError(f"{desc}: loss became {loss.item():g} at epoch {epoch + 1} "
                                      f"(step {i + 1}); training diverged, try a lower learning rate")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if i % 50 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
    return model.eval()


@torch.no_grad()
def embed(model: Evaluator, x: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (features N x 128, softmax probabilities N x 10) for images in [0, 1], computed
    on the CPU in float32 wherever the images come from."""
    model.eval()
    feats, probs = [], []
    for i in range(0, len(x), batch_size):
        f = model.features(x[i:i + batch_size].to(DEVICE, torch.float32))
        feats.append(f)
        probs.append(F.softmax(model.head(f), dim=1))
    return torch.cat(feats), torch.cat(probs)


def save_evaluator(model: Evaluator, path) -> None:
    save_torch({"width": model.width, "state_dict": model.state_dict()}, path)


def check_shipped(path) -> None:
    """Stop, in one line naming both hashes, unless ``path`` is the shipped evaluator."""
    try:
        found = file_sha256(path)
    except OSError as exc:
        raise YardstickError(f"{path}: cannot read the evaluator ({exc.strerror}); "
                             f"the shipped one is {SHIPPED} (SHA-256 {SHIPPED_SHA256})") from None
    if found != SHIPPED_SHA256:
        raise YardstickError(f"{path}: SHA-256 {found} is not the shipped evaluator's {SHIPPED_SHA256}; "
                             f"restore it (git checkout, then dvc repro) or set evaluator.source: train")


def load_evaluator(path, source: str = "train") -> Evaluator:
    """The evaluator checkpoint the evaluator stage provides (weights only), on the CPU;
    with ``source`` ``shipped`` (params ``evaluator.source``) only if it is the shipped file."""
    if source == "shipped":
        check_shipped(path)
    ckpt = load_torch(path, DEVICE)
    model = Evaluator(width=ckpt["width"])
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


def accuracy(probs: torch.Tensor, labels: torch.Tensor) -> float:
    return (probs.argmax(1) == labels).float().mean().item()


def check_reads_digits(test_accuracy: float) -> None:
    """An evaluator that reads digits near chance (0.1) cannot judge anything: stop."""
    if test_accuracy < 0.2:
        raise DivergenceError(f"evaluator: test accuracy {test_accuracy:.3f} after training, near chance "
                              "(0.1); it cannot serve as the yardstick: lower evaluator.lr or train longer")
