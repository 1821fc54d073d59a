"""Classification Accuracy Score (Ravuri & Vinyals 2019): a fresh classifier trained only on
labelled generated images, tested on real MNIST test."""

from __future__ import annotations

import torch

from genbench.evaluator import Evaluator, accuracy, embed, train_classifier


def classification_accuracy_score(images: torch.Tensor, labels: torch.Tensor,
                                  test_x: torch.Tensor, test_y: torch.Tensor, *, recipe,
                                  batch_size: int, seed: int, device: torch.device) -> float:
    """Train the evaluator's architecture with its recipe (``EvaluatorConfig``) on
    ``images``/``labels`` only; return its accuracy on the real test set."""
    # Initial weights and dropout masks come from `seed` alone, not from the caller's state.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        clf = train_classifier(Evaluator(recipe.width), images, labels, epochs=recipe.epochs,
                               lr=recipe.lr, batch_size=batch_size, seed=seed, device=device,
                               precision=recipe.precision, desc="CAS classifier")
    _, probs = embed(clf, test_x, device)
    return accuracy(probs, test_y)
