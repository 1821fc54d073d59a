"""Score a sample set against the real-data reference computed once by the reference stage.

Everything a model is judged by, in the evaluator's space: FID, Inception Score, label
accuracy (GAN-test), class coverage, improved precision / recall, and CAS (a fresh
classifier trained on the samples, tested on real MNIST test).
"""

from __future__ import annotations

import torch

from genbench import metrics
from genbench.config import EvaluatorConfig
from genbench.evaluator import Evaluator, accuracy, embed, train_classifier
from genbench.reference import Reference

PR_NEIGHBOURS = 3  # k of improved precision / recall


def score_samples(evaluator: Evaluator, images: torch.Tensor, labels: torch.Tensor,
                  reference: Reference, *, num_real: int, is_splits: int,
                  device: torch.device) -> dict:
    """Every sample-based metric of one model except CAS, as a JSON-ready dict."""
    feats, probs = embed(evaluator, images, device)
    real = reference.test_features[:num_real]
    is_mean, is_std = metrics.inception_score(probs, is_splits)
    share, entropy = metrics.class_distribution(probs)
    conditional = bool((labels >= 0).all())
    acc, per_digit = metrics.label_accuracy(probs, labels) if conditional else (None, None)
    precision, recall = metrics.precision_recall(real, feats, PR_NEIGHBOURS)
    return {
        "num_samples": len(images),
        "fid": metrics.fid(feats, real),
        "inception_score": {"mean": is_mean, "std": is_std},
        "label_accuracy": acc,
        "label_accuracy_per_digit": per_digit,
        "class_distribution": share,
        "class_entropy": entropy,
        "precision": precision,
        "recall": recall,
    }


def classification_accuracy_score(images: torch.Tensor, labels: torch.Tensor,
                                  test_x: torch.Tensor, test_y: torch.Tensor, *,
                                  recipe: EvaluatorConfig, batch_size: int, seed: int,
                                  device: torch.device) -> float:
    """CAS (Ravuri & Vinyals 2019): train the evaluator's architecture with its recipe on
    labelled images only, return its accuracy on real MNIST test."""
    # Initial weights and dropout masks come from `seed` alone, not from the caller's state.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        clf = train_classifier(Evaluator(recipe.width), images, labels, epochs=recipe.epochs,
                               lr=recipe.lr, batch_size=batch_size, seed=seed, device=device,
                               mixed_precision=recipe.mixed_precision, desc="CAS classifier")
    _, probs = embed(clf, test_x, device)
    return accuracy(probs, test_y)


def reference_metrics(reference: Reference, *, num_real: int, is_splits: int) -> dict:
    """The same metrics for real data (train subset vs test), so every model's number has
    its calibration beside it; and uniform noise, the no-model end of the FID scale."""
    test, train = reference.test_features[:num_real], reference.train_features[:num_real]
    is_mean, is_std = metrics.inception_score(reference.test_probs[:num_real], is_splits)
    acc, _ = metrics.label_accuracy(reference.test_probs, reference.test_labels)
    _, entropy = metrics.class_distribution(reference.test_probs[:num_real])
    precision, recall = metrics.precision_recall(test, train, PR_NEIGHBOURS)
    return {
        "num_real": len(test),
        "fid_train_vs_test": metrics.fid(train, test),
        "fid_uniform_noise": metrics.fid(reference.noise_features, test),
        "inception_score_test": {"mean": is_mean, "std": is_std},
        "label_accuracy_test": acc,
        "class_entropy_test": entropy,
        "precision_train_vs_test": precision,
        "recall_train_vs_test": recall,
    }
