"""The evaluator: a small CNN classifier every metric looks through.

Its penultimate activations are the feature space of FID and precision/recall, its softmax
gives the Inception Score and label accuracy. InceptionV3 weights are not available offline,
and an ImageNet network is a poor judge of 28 x 28 digits anyway.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from genbench.errors import DIVERGED, DivergenceError
from genbench.utils import load_torch, save_torch, use_bfloat16

FEATURE_DIM = 128


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


def train_classifier(model: Evaluator, x: torch.Tensor, y: torch.Tensor, *, epochs: int,
                     lr: float, batch_size: int, seed: int, device: torch.device,
                     precision: str, desc: str = "evaluator") -> Evaluator:
    """Train with Adam and a one-cycle schedule; shuffling from a seeded generator;
    ``precision`` as in params (``auto``: bfloat16 autocast where the device has it natively).

    Also the recipe of CAS, which trains the same architecture on generated samples.
    """
    model.to(device).train()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (len(x) + batch_size - 1) // batch_size
    bfloat16 = use_bfloat16(precision, device)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch)
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        bar = tqdm(range(steps_per_epoch), desc=f"{desc} epoch {epoch + 1}/{epochs}", leave=False)
        for i in bar:
            idx = order[i * batch_size:(i + 1) * batch_size]
            xb, yb = x[idx].to(device), y[idx].to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bfloat16):
                loss = F.cross_entropy(model(xb).float(), yb)
            if not torch.isfinite(loss) or loss.item() > DIVERGED:
                raise DivergenceError(f"{desc}: loss became {loss.item():g} at epoch {epoch + 1} "
                                      f"(step {i + 1}); training diverged, try a lower learning rate")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if i % 50 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
    return model.eval()


@torch.no_grad()
def embed(model: Evaluator, x: torch.Tensor, device: torch.device,
          batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (features N x 128, softmax probabilities N x 10) for images in [0, 1] (CPU)."""
    model.eval()
    feats, probs = [], []
    for i in range(0, len(x), batch_size):
        f = model.features(x[i:i + batch_size].to(device))
        feats.append(f.float().cpu())
        probs.append(F.softmax(model.head(f), dim=1).float().cpu())
    return torch.cat(feats), torch.cat(probs)


def save_evaluator(model: Evaluator, path) -> None:
    save_torch({"width": model.width, "state_dict": model.state_dict()}, path)


def load_evaluator(path, device) -> Evaluator:
    """The evaluator checkpoint written by the evaluator stage (weights only)."""
    ckpt = load_torch(path, device)
    model = Evaluator(width=ckpt["width"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval()


def accuracy(probs: torch.Tensor, labels: torch.Tensor) -> float:
    return (probs.argmax(1) == labels).float().mean().item()


def check_yardstick(test_accuracy: float) -> None:
    """An evaluator that reads digits near chance (0.1) cannot judge anything: stop."""
    if test_accuracy < 0.2:
        raise DivergenceError(f"evaluator: test accuracy {test_accuracy:.3f} after training, near chance "
                              "(0.1); it cannot serve as the yardstick: lower evaluator.lr or train longer")
