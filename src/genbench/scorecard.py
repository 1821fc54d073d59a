"""The scorecard: every sample-quality metric, defined once.

Each entry says how to compute the metric on a model's samples and on real data (its
real-data reference, stored under the same key in metrics/reference.json), how to read it
(label, better direction, digits) and which normalized dimension it feeds. The score and
reference stages compute from this table; normalize, the README table, the figures and the
plots validation read it. Adding a metric: its function under ``genbench/metrics/``, one
entry here, and its test.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import torch

from genbench.evaluator import Evaluator, embed
from genbench.metrics.cas import classification_accuracy_score
from genbench.metrics.classes import class_distribution, label_accuracy
from genbench.metrics.density_coverage import NEIGHBOURS as DC_NEIGHBOURS
from genbench.metrics.density_coverage import density_coverage
from genbench.metrics.diversity import PAIRS_PER_DIGIT, perceptual_diversity, same_digit_pairs, ssim_diversity
from genbench.metrics.fid import fid
from genbench.metrics.inception import inception_score
from genbench.metrics.kid import SUBSET_SIZE, SUBSETS, kid
from genbench.metrics.memorization import COPY_PERCENTILE, memorization, nearest_distances
from genbench.metrics.precision_recall import precision, recall
from genbench.reference import Reference


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


@dataclass(frozen=True)
class Metric:
    key: str  # in metrics/scores/MODEL.json, metrics/reference.json and plots/summary.csv
    label: str  # column header in tables and figures
    higher_is_better: bool
    digits: int  # decimals shown in tables
    definition: str  # one line, for the README
    of_samples: Callable[[Samples, Yardstick], Values]
    of_real: Callable[[Yardstick, "RealTrain"], Values]  # the real-data reference value
    reference_is: str  # what the real-data value is, for the README
    conditional_only: bool = False  # null for unconditional models
    dimension: str | None = None  # the normalized dimension it feeds (normalize.py)


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


def _density_coverage(real, fake):
    density, coverage = density_coverage(real, fake)
    return {"density": density, "coverage": coverage}


def _precision_real(y, train):
    return {"precision": precision(y.real_features, y.reference.train_features[:y.num_real])}


def _recall_real(y, train):
    return {"recall": recall(y.real_features, y.reference.train_features[:y.num_real])}


METRICS = [
    Metric("fid", "FID", False, 1,
           "Frechet distance of evaluator features, the samples vs `score.num_real` MNIST test images",
           _fid, _fid_real, "`score.num_real` training images vs test; `fid_uniform_noise`: as many uniform-noise images vs test",
           dimension="quality"),
    Metric("kid", "KID", False, 3,
           f"Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2, cubic polynomial kernel on evaluator features, the samples vs MNIST test, mean (and `_std`) over {SUBSETS} subsets of {SUBSET_SIZE}",
           lambda s, y: _kid(s.features, y.real_features),
           lambda y, train: _kid(y.reference.train_features[:y.num_real], y.real_features),
           "`score.num_real` training images vs test"),
    Metric("inception_score", "IS", True, 2,
           "exp E[KL(p(y given x) ‖ p(y))] of the evaluator's softmax, mean (and `_std`) over shuffled splits",
           lambda s, y: _inception(s.probs, y.is_splits),
           lambda y, train: _inception(y.reference.test_probs[:y.num_real], y.is_splits),
           "MNIST test"),
    Metric("label_accuracy", "label acc.", True, 3,
           "evaluator accuracy on samples generated for a requested digit (GAN-test, Shmelkov et al. 2018); per digit in `_per_digit`",
           lambda s, y: _label_accuracy(s.probs, s.labels),
           lambda y, train: _label_accuracy(y.reference.test_probs, y.reference.test_labels),
           "the evaluator's accuracy on MNIST test",
           conditional_only=True, dimension="controllability"),
    Metric("cas", "CAS", True, 3,
           "Classification Accuracy Score (Ravuri & Vinyals 2019): the evaluator's recipe trained on the labelled samples only, tested on MNIST test",
           _cas, _cas_real, "the same classifier trained on as many real training images as a model has samples",
           conditional_only=True),
    Metric("precision", "precision", True, 3,
           "improved precision (Kynkaanniemi et al. 2019, k = 3): share of samples inside the k-NN manifold of MNIST test features",
           lambda s, y: {"precision": precision(y.real_features, s.features)}, _precision_real,
           "`score.num_real` training images vs test"),
    Metric("recall", "recall", True, 3,
           "improved recall (k = 3): share of MNIST test inside the k-NN manifold of the samples' features",
           lambda s, y: {"recall": recall(y.real_features, s.features)}, _recall_real,
           "`score.num_real` training images vs test"),
    Metric("density", "density", True, 3,
           f"density (Naeem et al. 2020, k = {DC_NEIGHBOURS}): how many MNIST-test k-NN balls hold a sample, on average, / k: about 1 for samples spread like real digits",
           lambda s, y: _density_coverage(y.real_features, s.features),
           lambda y, train: _density_coverage(y.real_features, y.reference.train_features[:y.num_real]),
           "`score.num_real` training images vs test"),
    Metric("coverage", "coverage", True, 3,
           f"coverage (Naeem et al. 2020, k = {DC_NEIGHBOURS}): share of MNIST test images whose k-NN ball holds at least one sample",
           lambda s, y: {}, lambda y, train: {},  # computed with density, by its entry
           "`score.num_real` training images vs test"),
    Metric("ssim_diversity", "SSIM div.", True, 3,
           f"1 - mean SSIM (window 11, sigma 1.5) of {PAIRS_PER_DIGIT} random pairs of samples per digit (requested, or as the evaluator reads it): 0 when every sample of a digit is the same image",
           _ssim, lambda y, train: {"ssim_diversity": ssim_diversity(y.test_images, _real_pairs(y))},
           "pairs of MNIST test images of the same digit"),
    Metric("perceptual_diversity", "percept. div.", True, 3,
           "mean LPIPS-style distance of the same pairs through the evaluator's four convolutional layers (unit-normalized channels, equal layer weights; not LPIPS: no ImageNet network here)",
           _perceptual, lambda y, train: {"perceptual_diversity": perceptual_diversity(y.evaluator, y.test_images, _real_pairs(y))},
           "pairs of MNIST test images of the same digit"),
    Metric("memorization_ratio", "memo. ratio", True, 3,
           "median distance (evaluator features) from a sample to its nearest training image / the same for MNIST test images: about 1 new digits, towards 0 copies of training images",
           _memorization, _memorization_real, "half of MNIST test against the other half"),
    Metric("copy_fraction", "copies", False, 3,
           f"share of samples nearer a training image than the nearest {COPY_PERCENTILE:.0%} of MNIST test images are: about {COPY_PERCENTILE} for new digits, 1 for copies",
           lambda s, y: {}, lambda y, train: {},  # computed with the ratio, by its entry
           "half of MNIST test against the other half"),
    Metric("class_entropy", "class entropy", True, 3,
           "entropy / log 10 of the evaluator's predicted-digit shares (in `class_distribution`): 1 all digits equally often, 0 mode collapse",
           lambda s, y: _class_entropy(s.probs),
           lambda y, train: _class_entropy(y.reference.test_probs[:y.num_real]),
           "MNIST test"),
]


def metric(key: str) -> Metric:
    return next(m for m in METRICS if m.key == key)


# --------------------------------------------------------------------------- computing


def score(evaluator: Evaluator, images: torch.Tensor, labels: torch.Tensor, yardstick: Yardstick) -> dict:
    """Every metric of one model's samples: {key: value, detail keys...}; conditional-only
    metrics are None for unconditional models."""
    features, probs = embed(evaluator, images)
    samples = Samples(images, labels, features, probs)
    values = {"num_samples": len(images), "conditional": samples.conditional}
    for m in METRICS:
        if m.conditional_only and not samples.conditional:
            values[m.key] = None
        else:
            values.update(m.of_samples(samples, yardstick))
    return values


def reference_values(yardstick: Yardstick, train: RealTrain) -> dict:
    """Every metric's real-data value, under the metric's own key."""
    values = {"num_real": yardstick.num_real}
    for m in METRICS:
        values.update(m.of_real(yardstick, train))
    return values


def yardstick(params, reference: Reference, test_images: torch.Tensor, test_labels: torch.Tensor,
              evaluator: Evaluator, train_images: torch.Tensor) -> Yardstick:
    """The yardstick the params describe (section ``score``, the evaluator's recipe for CAS)."""
    return Yardstick(reference, test_images, test_labels, num_real=params.score.num_real,
                     is_splits=params.score.is_splits, cas=params.score.cas, recipe=params.evaluator,
                     evaluator=evaluator, train_images=train_images, seed=params.evaluator.seed)
