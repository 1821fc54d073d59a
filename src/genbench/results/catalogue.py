"""What every number the project reports is, described once: its key, how to read it (label,
direction, digits), its definition and real-data value, and the normalized dimension it feeds.

Tables, figures, normalization, the seeds and studies summaries and the web app read this
catalogue; the scorecard (``genbench.scoring.scorecard``) computes each metric listed here,
and a test keeps the two sets of keys equal. No torch here: the results side never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The settings the metrics' definitions name; the metric code reads them from here.
PR_NEIGHBOURS = 3  # k of improved precision / recall
DC_NEIGHBOURS = 5  # k of density / coverage, as in the paper
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
PAIRS_PER_DIGIT = 500  # random same-digit pairs of the diversity metrics
COPY_PERCENTILE = 0.01  # copy_fraction's threshold: this quantile of test images' distances

# The feature spaces every distance is measured in (genbench.scoring.spaces), sharing no weights:
# name -> (key suffix, label suffix, what the features are).
SPACES = {
    "evaluator": ("", "", "evaluator features (a digit classifier's penultimate layer, 128 numbers)"),
    "autoencoder": ("_ae", " (AE)", "autoencoder codes (64 numbers; trained to reconstruct MNIST train, no labels)"),
    "pca": ("_pca", " (PCA)", "the first 64 principal components of MNIST train's pixels (no network)"),
}

ARROWS = {"higher": "↑", "lower": "↓", "nearest_real": "≈ real"}


@dataclass(frozen=True)
class Number:
    """A column of the summary table: key, header label, which way is better, decimals shown."""
    key: str
    label: str
    direction: str  # higher | lower | nearest_real (best at the real data's value) | none
    digits: int

    @property
    def header(self) -> str:
        """The label with its direction: ``FID ↓``, ``density ≈ real``."""
        arrow = ARROWS.get(self.direction)
        return f"{self.label} {arrow}" if arrow else self.label

    @property
    def better(self) -> str:
        return {"higher": "higher", "lower": "lower", "nearest_real": "nearest the real data's"}.get(self.direction, "")


@dataclass(frozen=True)
class Metric(Number):
    """A scorecard metric: computed on a model's samples and on real data, stored under
    ``key`` in metrics/scores/MODEL.json and metrics/reference.json."""
    definition: str = ""  # one line, for docs/metrics.md
    reference_is: str = ""  # what its real-data value is
    conditional_only: bool = False  # null for unconditional models
    dimension: str | None = None  # the normalized dimension it feeds (genbench.results.normalize)
    log_scale: bool = False  # drawn on a log axis (distances spanning orders of magnitude)
    space: str | None = None  # the feature space it is measured in (SPACES), if any
    family: str = ""  # the evaluator-space metric's key, for the same measure in another space

    @property
    def measure(self) -> str:
        """The key of this measure in the evaluator's space: ``fid`` for ``fid_pca``."""
        return self.family or self.key


def in_spaces(metric: Metric, spaces: tuple[str, ...]) -> list[Metric]:
    """``metric`` (defined in the evaluator's space, ``{features}`` in its definition) and the
    same measure in each of ``spaces``: key and label suffixed, no normalized dimension."""
    def variant(space):
        key_suffix, label_suffix, features = SPACES[space]
        return replace(metric, key=metric.key + key_suffix, label=metric.label + label_suffix,
                       definition=metric.definition.format(features=features), space=space,
                       family=metric.key if space != "evaluator" else "",
                       dimension=metric.dimension if space == "evaluator" else None)
    return [variant(space) for space in spaces]


TRAIN_VS_TEST = "`score.num_real` training images vs test"
SAME_DIGIT_PAIRS = "pairs of MNIST test images of the same digit"
HALF_TEST = "half of MNIST test against the other half"

ALL_SPACES = tuple(SPACES)
NETWORK_SPACES = ("evaluator", "autoencoder")  # the k-NN metrics: a network's features, not pixels

METRICS = [
    *in_spaces(Metric(
        "fid", "FID", "lower", 1,
        "Frechet distance of {features}, the samples vs `score.num_real` MNIST test images",
        f"{TRAIN_VS_TEST}; `_uniform_noise`: as many uniform-noise images vs test",
        dimension="quality", log_scale=True), ALL_SPACES),
    *in_spaces(Metric(
        "kid", "KID", "lower", 3,
        "Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2, cubic polynomial kernel on {features}, "
        f"the samples vs MNIST test, mean (and `_std`) over {KID_SUBSETS} subsets of up to {KID_SUBSET_SIZE} "
        "(half the samples, if fewer)",
        TRAIN_VS_TEST, log_scale=True), ALL_SPACES),
    Metric("inception_score", "IS", "higher", 2,
           "exp E[KL(p(y given x) ‖ p(y))] of the reader's softmax, mean (and `_std`) over shuffled splits",
           "MNIST test"),
    Metric("label_accuracy", "label acc.", "higher", 3,
           "the reader's accuracy on samples generated for a requested digit (GAN-test, Shmelkov et al. 2018); "
           "per digit in `_per_digit`",
           "the reader's accuracy on MNIST test", conditional_only=True, dimension="controllability"),
    Metric("cas", "CAS", "higher", 3,
           "Classification Accuracy Score (Ravuri & Vinyals 2019): the evaluator's recipe trained on the labelled "
           "samples only, tested on MNIST test",
           "the same classifier trained on as many real training images as a model has samples",
           conditional_only=True),
    *in_spaces(Metric(
        "precision", "precision", "higher", 3,
        f"improved precision (Kynkaanniemi et al. 2019, k = {PR_NEIGHBOURS}): share of samples inside the k-NN "
        "manifold of MNIST test's {features}",
        TRAIN_VS_TEST), NETWORK_SPACES),
    *in_spaces(Metric(
        "recall", "recall", "higher", 3,
        f"improved recall (k = {PR_NEIGHBOURS}): share of MNIST test inside the k-NN manifold of the samples' "
        "{features}",
        TRAIN_VS_TEST), NETWORK_SPACES),
    *in_spaces(Metric(
        "density", "density", "nearest_real", 3,
        f"density (Naeem et al. 2020, k = {DC_NEIGHBOURS}): how many MNIST-test k-NN balls ({{features}}) hold a "
        "sample, on average, / k: about 1 for samples spread like real digits",
        TRAIN_VS_TEST), NETWORK_SPACES),
    *in_spaces(Metric(
        "coverage", "coverage", "higher", 3,
        f"coverage (Naeem et al. 2020, k = {DC_NEIGHBOURS}): share of MNIST test images whose k-NN ball "
        "({features}) holds at least one sample",
        TRAIN_VS_TEST), NETWORK_SPACES),
    Metric("ssim_diversity", "SSIM div.", "nearest_real", 3,
           f"1 - mean SSIM (window 11, sigma 1.5) of {PAIRS_PER_DIGIT} random pairs of samples per digit (requested, "
           "or as the reader reads it): 0 when every sample of a digit is the same image",
           SAME_DIGIT_PAIRS),
    Metric("perceptual_diversity", "percept. div.", "nearest_real", 3,
           "mean LPIPS-style distance of the same pairs through the evaluator's four convolutional layers "
           "(unit-normalized channels, equal layer weights; not LPIPS: no ImageNet network here)",
           SAME_DIGIT_PAIRS),
    Metric("memorization_ratio", "memo. ratio", "nearest_real", 3,
           "median distance (evaluator features) from a sample to its nearest training image / the same for MNIST "
           "test images: about 1 new digits, towards 0 copies of training images",
           HALF_TEST),
    Metric("copy_fraction", "copies", "lower", 3,
           f"share of samples nearer a training image than the nearest {COPY_PERCENTILE:.0%} of MNIST test images "
           f"are: about {COPY_PERCENTILE} for new digits, 1 for copies",
           HALF_TEST),
    Metric("class_entropy", "class entropy", "higher", 3,
           "entropy / log 10 of the reader's predicted-digit shares (in `class_distribution`): 1 all digits "
           "equally often, 0 mode collapse",
           "MNIST test"),
]

DIMENSIONS = ["quality", "stability", "controllability", "efficiency"]

# The summary's other numbers: measured costs and normalized scores.
COSTS = [Number("sample_seconds_per_1000", "s / 1k samples", "lower", 3), Number("epochs", "epochs", "none", 0),
         Number("train_seconds_per_epoch", "s / epoch", "lower", 1), Number("train_seconds", "train s", "lower", 0),
         Number("train_minutes", "train min", "lower", 1)]
SCORES = [Number("quality", "quality", "none", 2), Number("stability", "stability", "none", 2),
          Number("controllability", "control", "none", 2), Number("efficiency", "efficiency", "none", 2),
          Number("overall_distance", "distance score", "none", 2)]

SIZES = [Number("num_samples", "samples", "none", 0)]  # a scorecard's sample count

NUMBERS = {n.key: n for n in METRICS + COSTS + SCORES + SIZES}

# The selections that tables, figures and the app show, by key.
RESULTS_TABLE = [m.key for m in METRICS] + ["sample_seconds_per_1000", "epochs", "train_seconds_per_epoch",
                                            "train_seconds", *[s.key for s in SCORES]]
SHORT_TABLE = ["fid", "fid_ae", "fid_pca", "inception_score", "label_accuracy", "coverage", "memorization_ratio",
               "train_minutes", "sample_seconds_per_1000"]
SEEDS_TABLE = [m.key for m in METRICS] + [s.key for s in SCORES]
RANKED_BY = ["fid", "fid_ae", "fid_pca", "overall_distance"]  # the orderings the seeds table states
STUDY_SUMMARY = ["fid", "kid", "inception_score", "precision", "recall", "label_accuracy", "cas", "quality",
                 "overall_distance", "train_seconds_per_epoch"]
STUDY_FIGURE = ["fid", "kid", "precision", "recall"]
SCORE_TABLE = ["num_samples", "fid", "fid_ae", "fid_pca", "kid", "inception_score", "label_accuracy", "cas", "precision", "recall",
               "coverage", "memorization_ratio"]  # genbench score's comparison
APP_SUMMARY = ["fid", "label_accuracy", "sample_seconds_per_1000"]
HEADLINE = "fid"  # the number titles and sample grids carry
# What DVC tracks as metrics (metrics/headline/MODEL.json, `dvc metrics show`, `dvc exp show`):
# the same keys for every model and the real data, the feature spaces side by side; the rest of
# a scorecard (stds, per digit, per seed, timings) is detail, in files DVC keeps as plain outputs.
TRACKED = ["fid", "fid_ae", "fid_pca", "kid", "kid_ae", "kid_pca", "inception_score", "label_accuracy", "cas",
           "precision", "precision_ae", "recall", "recall_ae", "coverage", "coverage_ae", "memorization_ratio"]


def number(key: str) -> Number:
    """The catalogue's entry for ``key`` (KeyError names it)."""
    return NUMBERS[key]


def spaces_of(measure: str) -> list[Metric]:
    """The metrics of one measure (``fid``), one per feature space it is measured in."""
    return [m for m in METRICS if m.measure == measure]


# The measures taken in more than one feature space: the rank agreement between spaces is
# computed for each (genbench.results.agreement).
MULTI_SPACE = [m.key for m in METRICS if m.space == "evaluator" and len(spaces_of(m.key)) > 1]


def feeding(dimension: str) -> str:
    """The key of the metric a normalized dimension is computed from."""
    return next(m.key for m in METRICS if m.dimension == dimension)
