"""Classification Accuracy Score (Ravuri & Vinyals 2019): a fresh classifier trained only on
labelled generated images, tested on real MNIST test."""

from __future__ import annotations

import torch

from genbench.scoring.evaluator import accuracy, embed, train_classifier


def classification_accuracy_score(images: torch.Tensor, labels: torch.Tensor,
                                  test_x: torch.Tensor, test_y: torch.Tensor, recipe) -> float:
    """Train the evaluator's architecture with its recipe (``EvaluatorConfig``, seed
    included) on ``images``/``labels`` only; return its accuracy on the real test set."""
    clf = train_classifier(images, labels, recipe, desc="CAS classifier")
    return accuracy(embed(clf, test_x)[1], test_y)
