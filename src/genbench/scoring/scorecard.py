"""The scorecard's computations: every metric the catalogue (``genbench.results.catalogue``)
describes, on a model's samples and on real data (its real-data reference, stored under the
same key in metrics/reference.json). The score and reference stages, and ``genbench score``,
compute through ``score`` and ``reference_values``. Adding a metric: its function under
``scoring/metrics/``, its description in the catalogue, one entry in ``COMPUTE``, its test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from genbench.data import load_split
from genbench.results.catalogue import METRICS, SPACES
from genbench.runtime import progress_bar, seed_everything
from genbench.scoring.evaluator import embed, load_evaluator
from genbench.scoring.metrics.cas import classification_accuracy_score
from genbench.scoring.metrics.classes import class_distribution, label_accuracy
from genbench.scoring.metrics.diversity import perceptual_diversity, same_digit_pairs, ssim_diversity
from genbench.scoring.metrics.fid import fid
from genbench.scoring.metrics.inception import inception_score
from genbench.scoring.metrics.kid import kid
from genbench.scoring.metrics.manifolds import manifold_metrics
from genbench.scoring.metrics.memorization import memorization, nearest_distances
from genbench.scoring.real_features import RealFeatures
from genbench.scoring.shipped import NETWORKS, load_network
from genbench.scoring.spaces import embed_features


@dataclass
class Samples:
    """A model's samples seen through the yardstick: ``features[space]`` in every feature
    space, ``probs`` the reader's softmax; ``labels`` are the requested digits (-1 for an
    unconditional model)."""
    images: torch.Tensor
    labels: torch.Tensor
    features: dict[str, torch.Tensor]
    probs: torch.Tensor
    manifolds: dict = field(default_factory=dict)  # space -> precision, recall, density, coverage

    @property
    def conditional(self) -> bool:
        return bool((self.labels >= 0).all())


@dataclass
class Yardstick:
    """What every metric compares against, and how: the networks, real data seen through
    them, the real images CAS trains and tests on, and the scoring settings."""
    real: RealFeatures
    networks: dict[str, nn.Module]  # every feature space's network (SPACES) and the reader
    test_images: torch.Tensor  # the real data every metric compares with (CAS's test set,
    test_labels: torch.Tensor  # the diversity metrics' real pairs): num_real MNIST test images
    num_real: int
    is_splits: int
    cas: bool  # train CAS classifiers (the slow metric) at all
    recipe: object  # EvaluatorConfig: the CAS classifier's architecture, recipe and seed
    seed: int = 0  # of the random pairs the diversity metrics compare

    def real_test(self, space: str) -> torch.Tensor:
        """MNIST test's features in ``space``: what the samples are compared against."""
        return self.real.spaces[space]["test"][:self.num_real]

    def real_train(self, space: str) -> torch.Tensor:
        """A second real sample's features in ``space``: training images, as many."""
        return self.real.spaces[space]["train"][:self.num_real]

    def manifolds(self, feats: torch.Tensor, space: str) -> dict[str, float]:
        """Precision, recall, density and coverage of ``feats`` against MNIST test in ``space``."""
        return manifold_metrics(self.real_test(space), feats, self.real.test_radii[space])

    def look(self, images: torch.Tensor, labels: torch.Tensor) -> Samples:
        """``images`` seen through every feature space and the reader."""
        features = {space: embed_features(self.networks[space], images) for space in SPACES}
        return Samples(images, labels, features, embed(self.networks["reader"], images)[1])

    def cas_accuracy(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        return classification_accuracy_score(images, labels, self.test_images, self.test_labels, self.recipe)


Values = dict  # metric key (and any detail keys) -> JSON value


@dataclass
class RealTrain:
    """Real training images, for the references that need a second real sample."""
    images: torch.Tensor
    labels: torch.Tensor
    num_samples: int  # a model's sample-set size: the size of CAS's real training set
    manifolds: dict = field(default_factory=dict)  # space -> the second sample's k-NN metrics


# -------------------------------------------------------------- the metrics, one entry each


# The distances, measured in every feature space the catalogue names for them: each takes the
# samples' (or the second real sample's) features, the real test features and the metric's key.

def _fid(key, feats, real):
    return {key: fid(feats, real)}


def _kid(key, feats, real):
    mean, std = kid(feats, real)
    return {key: mean, f"{key}_std": std}


DISTANCES = {"fid": _fid, "kid": _kid}
MANIFOLD = ("precision", "recall", "density", "coverage")  # computed together, once per space


def _distance(metric) -> tuple[Callable, Callable]:
    """(on samples, on real data) for a metric measured in a feature space."""
    if metric.measure in MANIFOLD:
        return _manifold(metric)
    measure, key, space = DISTANCES[metric.measure], metric.key, metric.space

    def on_samples(s, y):
        return measure(key, s.features[space], y.real_test(space))

    def on_real(y, train):
        values = measure(key, y.real_train(space), y.real_test(space))
        if metric.measure == "fid":
            values[f"{key}_uniform_noise"] = fid(y.real.spaces[space]["noise"], y.real_test(space))
        return values
    return on_samples, on_real


def _manifold(metric) -> tuple[Callable, Callable]:
    """A k-NN manifold metric: the four of its space computed at its space's first one."""
    measure, key, space = metric.measure, metric.key, metric.space

    def on_samples(s, y):
        if space not in s.manifolds:
            s.manifolds[space] = y.manifolds(s.features[space], space)
        return {key: s.manifolds[space][measure]}

    def on_real(y, train):
        if space not in train.manifolds:
            train.manifolds[space] = y.manifolds(y.real_train(space), space)
        return {key: train.manifolds[space][measure]}
    return on_samples, on_real


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
    """The digit a sample is of: the requested one, or the reader's reading of it."""
    return s.labels if s.conditional else s.probs.argmax(1)


def _real_pairs(y):
    return same_digit_pairs(y.test_labels, y.seed)


def _ssim(s, y):
    return {"ssim_diversity": ssim_diversity(s.images, same_digit_pairs(_digits(s), y.seed))}


def _perceptual(s, y):
    pairs = same_digit_pairs(_digits(s), y.seed)
    return {"perceptual_diversity": perceptual_diversity(y.networks["evaluator"], s.images, pairs)}


def _memorization(s, y):
    distances, nearest = nearest_distances(s.features["evaluator"], y.real.seen_features)
    ratio, copies = memorization(distances, y.real.test_nearest_seen)
    closest = distances.argsort()[:CLOSEST_SHOWN]
    return {"memorization_ratio": ratio, "copy_fraction": copies,
            "memorization_closest": [[int(i), int(nearest[i]), float(distances[i])] for i in closest]}


CLOSEST_SHOWN = 8  # samples nearest the training set, with their nearest training images


def _memorization_real(y, train):
    """Half of MNIST test as the 'samples', the other half as the new digits they are measured against."""
    nearest = y.real.test_nearest_seen
    half = len(nearest) // 2
    ratio, copies = memorization(nearest[:half], nearest[half:])
    return {"memorization_ratio": ratio, "copy_fraction": copies}


def _with_previous(s, y):
    return {}  # computed by the entry before it, with which it shares its work


def _with_previous_real(y, train):
    return {}


# Each catalogued metric's computation: (on a model's samples, on real data), each returning
# {key: value} plus any detail keys. Entries computed together sit under the first key.
COMPUTE: dict[str, tuple[Callable[[Samples, Yardstick], Values], Callable[[Yardstick, RealTrain], Values]]] = {
    **{m.key: _distance(m) for m in METRICS if m.space},
    "inception_score": (lambda s, y: _inception(s.probs, y.is_splits),
                        lambda y, train: _inception(y.real.test_probs[:y.num_real], y.is_splits)),
    "label_accuracy": (lambda s, y: _label_accuracy(s.probs, s.labels),
                       lambda y, train: _label_accuracy(y.real.test_probs, y.real.test_labels)),
    "cas": (_cas, _cas_real),
    "ssim_diversity": (_ssim, lambda y, train: {"ssim_diversity": ssim_diversity(y.test_images, _real_pairs(y))}),
    "perceptual_diversity": (_perceptual, lambda y, train: {
        "perceptual_diversity": perceptual_diversity(y.networks["evaluator"], y.test_images, _real_pairs(y))}),
    "memorization_ratio": (_memorization, _memorization_real),  # and copy_fraction
    "copy_fraction": (_with_previous, _with_previous_real),
    "class_entropy": (lambda s, y: _class_entropy(s.probs),
                      lambda y, train: _class_entropy(y.real.test_probs[:y.num_real])),
}


# --------------------------------------------------------------------------- computing


def score(images: torch.Tensor, labels: torch.Tensor, yardstick: Yardstick, progress: bool = False) -> dict:
    """Every metric of one set of samples (the score stage's and ``genbench score``'s one
    path): {key: value, detail keys...}; conditional-only metrics are None for samples
    without requested digits."""
    samples = yardstick.look(images, labels)
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


def load_networks(folder: Path, source: str) -> dict[str, nn.Module]:
    """The evaluator stage's networks in ``folder`` (``evaluator.pt``, ``reader.pt``, ...), each
    hash-checked when ``source`` is ``shipped``."""
    return {"evaluator": load_evaluator(folder / "evaluator.pt", source),
            **{name: load_network(name, folder / f"{name}.pt", source) for name in NETWORKS}}


def project_yardstick(params, mnist: Path, networks: Path, real_features: Path) -> Yardstick:
    """The yardstick of the project's files: MNIST test, the evaluator stage's networks (in
    the folder ``networks``), the reference stage's real-data features; every RNG seeded with
    the evaluator's seed first, so a score depends on the samples alone."""
    seed_everything(params.evaluator.seed)
    xt, yt = load_split(mnist, train=False)
    return yardstick(params, RealFeatures.load(real_features), xt, yt,
                     load_networks(networks, params.evaluator.source))


def yardstick(params, real: RealFeatures, test_images: torch.Tensor, test_labels: torch.Tensor,
              networks: dict[str, nn.Module]) -> Yardstick:
    """The yardstick the params describe (section ``score``, the evaluator's recipe for CAS):
    the real data every metric compares with is the first ``score.num_real`` test images."""
    n = params.score.num_real
    return Yardstick(real, networks, test_images[:n], test_labels[:n], num_real=n,
                     is_splits=params.score.is_splits, cas=params.score.cas, recipe=params.evaluator,
                     seed=params.evaluator.seed)
