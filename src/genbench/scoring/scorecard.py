"""The scorecard's computations: every metric the catalogue (``genbench.results.catalogue``)
describes, on a model's samples and on real data (its real-data reference, stored under the
same key in metrics/reference.json). The score and reference stages, and ``genbench score``,
compute through ``score`` and ``reference_values``. Adding a metric: its function under
``scoring/metrics/``, its description in the catalogue, one entry in ``COMPUTE``, its test.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from genbench.data import load_split
from genbench.results.catalogue import METRICS
from genbench.runtime import progress_bar, seed_everything
from genbench.scoring.evaluator import Evaluator, embed, load_evaluator
from genbench.scoring.metrics.cas import classification_accuracy_score
from genbench.scoring.metrics.classes import class_distribution, label_accuracy
from genbench.scoring.metrics.density_coverage import density_coverage
from genbench.scoring.metrics.diversity import perceptual_diversity, same_digit_pairs, ssim_diversity
from genbench.scoring.metrics.fid import fid
from genbench.scoring.metrics.inception import inception_score
from genbench.scoring.metrics.kid import kid
from genbench.scoring.metrics.memorization import memorization, nearest_distances
from genbench.scoring.metrics.precision_recall import precision, recall
from genbench.scoring.reference import Reference


@dataclass
class Samples:
    """A model's samples seen through the evaluator; ``labels`` are the requested digits
    (-1 for an unconditional model)."""
    images: torch.Tensor
    labels: torch.Tensor
    features: torch.Tensor
    probs: torch.Tensor

    @property
    def conditional(self) -> bool:
        return bool((self.labels >= 0).all())


@dataclass
class Yardstick:
    """What every metric compares against, and how: the real-data features, the real images
    CAS trains and tests on, and the scoring settings."""
    reference: Reference
    test_images: torch.Tensor
    test_labels: torch.Tensor
    num_real: int  # MNIST test images FID and precision / recall compare against
    is_splits: int
    cas: bool  # train CAS classifiers (the slow metric) at all
    recipe: object  # EvaluatorConfig: the CAS classifier's architecture, recipe and seed
    evaluator: Evaluator | None = None  # its layers, for the perceptual distance
    train_images: torch.Tensor | None = None  # every training image, for memorization
    seed: int = 0  # of the random pairs the diversity metrics compare

    @property
    def real_features(self) -> torch.Tensor:
        return self.reference.test_features[:self.num_real]

    @functools.cached_property
    def train_features(self) -> torch.Tensor:
        """Evaluator features of every training image (memorization's nearest neighbours)."""
        return embed(self.evaluator, self.train_images)[0]

    @functools.cached_property
    def test_nearest_train(self) -> torch.Tensor:
        """Each MNIST test image's distance to its nearest training image: new digits' distances."""
        return nearest_distances(self.reference.test_features, self.train_features)[0]

    def cas_accuracy(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        return classification_accuracy_score(images, labels, self.test_images, self.test_labels, self.recipe)


Values = dict  # metric key (and any detail keys) -> JSON value


@dataclass
class RealTrain:
    """Real training images, for the references that need a second real sample."""
    images: torch.Tensor
    labels: torch.Tensor
    num_samples: int  # a model's sample-set size: the size of CAS's real training set


# -------------------------------------------------------------- the metrics, one entry each


def _fid(s, y):
    return {"fid": fid(s.features, y.real_features)}


def _fid_real(y, train):
    return {"fid": fid(y.reference.train_features[:y.num_real], y.real_features),
            "fid_uniform_noise": fid(y.reference.noise_features, y.real_features)}


def _kid(features, real_features):
    mean, std = kid(features, real_features)
    return {"kid": mean, "kid_std": std}


def _inception(probs, splits):
    mean, std = inception_score(probs, splits)
    return {"inception_score": mean, "inception_score_std": std}


def _label_accuracy(probs, labels):
    acc, per_digit = label_accuracy(probs, labels)
    return {"label_accuracy": acc, "label_accuracy_per_digit": per_digit}


def _class_entropy(probs):
    share, entropy = class_distribution(probs)
    return {"class_entropy": entropy, "class_distribution": share}


def _cas(s, y):
    return {"cas": y.cas_accuracy(s.images, s.labels) if y.cas else None}


def _cas_real(y, train):
    if not y.cas:
        return {"cas": None}
    pick = torch.randperm(len(train.images), generator=torch.Generator().manual_seed(y.recipe.seed + 1))
    pick = pick[:train.num_samples]
    return {"cas": y.cas_accuracy(train.images[pick], train.labels[pick])}


def _digits(s: Samples) -> torch.Tensor:
    """The digit a sample is of: the requested one, or the evaluator's reading of it."""
    return s.labels if s.conditional else s.probs.argmax(1)


def _real_pairs(y):
    return same_digit_pairs(y.test_labels, y.seed)


def _ssim(s, y):
    return {"ssim_diversity": ssim_diversity(s.images, same_digit_pairs(_digits(s), y.seed))}


def _perceptual(s, y):
    return {"perceptual_diversity": perceptual_diversity(y.evaluator, s.images, same_digit_pairs(_digits(s), y.seed))}


def _memorization(s, y):
    distances, nearest = nearest_distances(s.features, y.train_features)
    ratio, copies = memorization(distances, y.test_nearest_train)
    closest = distances.argsort()[:CLOSEST_SHOWN]
    return {"memorization_ratio": ratio, "copy_fraction": copies,
            "memorization_closest": [[int(i), int(nearest[i]), float(distances[i])] for i in closest]}


CLOSEST_SHOWN = 8  # samples nearest the training set, with their nearest training images


def _memorization_real(y, train):
    """Half of MNIST test as the 'samples', the other half as the new digits they are measured against."""
    half = len(y.test_nearest_train) // 2
    ratio, copies = memorization(y.test_nearest_train[:half], y.test_nearest_train[half:])
    return {"memorization_ratio": ratio, "copy_fraction": copies}


def _with_previous(s, y):
    return {}  # computed by the entry before it, with which it shares its work


def _with_previous_real(y, train):
    return {}


def _density_coverage(real, fake):
    density, coverage = density_coverage(real, fake)
    return {"density": density, "coverage": coverage}


def _precision_real(y, train):
    return {"precision": precision(y.real_features, y.reference.train_features[:y.num_real])}


def _recall_real(y, train):
    return {"recall": recall(y.real_features, y.reference.train_features[:y.num_real])}


# Each catalogued metric's computation: (on a model's samples, on real data), each returning
# {key: value} plus any detail keys. Entries computed together sit under the first key.
COMPUTE: dict[str, tuple[Callable[[Samples, Yardstick], Values], Callable[[Yardstick, RealTrain], Values]]] = {
    "fid": (_fid, _fid_real),
    "kid": (lambda s, y: _kid(s.features, y.real_features),
            lambda y, train: _kid(y.reference.train_features[:y.num_real], y.real_features)),
    "inception_score": (lambda s, y: _inception(s.probs, y.is_splits),
                        lambda y, train: _inception(y.reference.test_probs[:y.num_real], y.is_splits)),
    "label_accuracy": (lambda s, y: _label_accuracy(s.probs, s.labels),
                       lambda y, train: _label_accuracy(y.reference.test_probs, y.reference.test_labels)),
    "cas": (_cas, _cas_real),
    "precision": (lambda s, y: {"precision": precision(y.real_features, s.features)}, _precision_real),
    "recall": (lambda s, y: {"recall": recall(y.real_features, s.features)}, _recall_real),
    "density": (lambda s, y: _density_coverage(y.real_features, s.features),  # and coverage
                lambda y, train: _density_coverage(y.real_features, y.reference.train_features[:y.num_real])),
    "coverage": (_with_previous, _with_previous_real),
    "ssim_diversity": (_ssim, lambda y, train: {"ssim_diversity": ssim_diversity(y.test_images, _real_pairs(y))}),
    "perceptual_diversity": (_perceptual, lambda y, train: {
        "perceptual_diversity": perceptual_diversity(y.evaluator, y.test_images, _real_pairs(y))}),
    "memorization_ratio": (_memorization, _memorization_real),  # and copy_fraction
    "copy_fraction": (_with_previous, _with_previous_real),
    "class_entropy": (lambda s, y: _class_entropy(s.probs),
                      lambda y, train: _class_entropy(y.reference.test_probs[:y.num_real])),
}


# --------------------------------------------------------------------------- computing


def score(evaluator: Evaluator, images: torch.Tensor, labels: torch.Tensor, yardstick: Yardstick,
          progress: bool = False) -> dict:
    """Every metric of one set of samples (the score stage's and ``genbench score``'s one
    path): {key: value, detail keys...}; conditional-only metrics are None for samples
    without requested digits."""
    features, probs = embed(evaluator, images)
    samples = Samples(images, labels, features, probs)
    values = {"num_samples": len(images), "conditional": samples.conditional}
    bar = progress_bar(METRICS, desc="scoring", disable=not progress, leave=False)
    for m in bar:
        bar.set_postfix_str(m.key, refresh=False)
        if m.conditional_only and not samples.conditional:
            values[m.key] = None
        else:
            values.update(COMPUTE[m.key][0](samples, yardstick))
    return values


def reference_values(yardstick: Yardstick, train: RealTrain) -> dict:
    """Every metric's real-data value, under the metric's own key."""
    values = {"num_real": yardstick.num_real}
    for m in METRICS:
        values.update(COMPUTE[m.key][1](yardstick, train))
    return values


def project_yardstick(params, mnist: Path, evaluator_path: Path, reference_path: Path) -> tuple[Evaluator, Yardstick]:
    """The evaluator (hash-checked when ``evaluator.source`` is shipped) and the yardstick of
    the project's files: MNIST, the evaluator, the reference stage's real-data features; every
    RNG seeded with the evaluator's seed first, so a score depends on the samples alone."""
    seed_everything(params.evaluator.seed)
    x, _ = load_split(mnist, train=True, subset=params.data.train_subset)  # what the models saw
    xt, yt = load_split(mnist, train=False)
    evaluator = load_evaluator(evaluator_path, params.evaluator.source)
    return evaluator, yardstick(params, Reference.load(reference_path), xt, yt, evaluator, x)


def yardstick(params, reference: Reference, test_images: torch.Tensor, test_labels: torch.Tensor,
              evaluator: Evaluator, train_images: torch.Tensor) -> Yardstick:
    """The yardstick the params describe (section ``score``, the evaluator's recipe for CAS)."""
    return Yardstick(reference, test_images, test_labels, num_real=params.score.num_real,
                     is_splits=params.score.is_splits, cas=params.score.cas, recipe=params.evaluator,
                     evaluator=evaluator, train_images=train_images, seed=params.evaluator.seed)
