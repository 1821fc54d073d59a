"""Where every stage reads and writes; dvc.yaml spells the same paths."""

from pathlib import Path

MNIST_ROOT = Path("data/mnist")
EVALUATOR = Path("data/evaluator/evaluator.pt")
REFERENCE = Path("data/reference/features.pt")
RESUME_DIR = Path("data/resume")  # epoch states of interrupted runs (not a DVC out)
METRICS = Path("metrics")
PLOTS = Path("plots")


def checkpoint(model: str) -> Path:
    return Path("data/checkpoints") / f"{model}.pt"


def samples(model: str) -> Path:
    return Path("data/samples") / f"{model}.npz"


def history(model: str) -> Path:
    return PLOTS / "history" / f"{model}.csv"


def train_metrics(model: str) -> Path:
    return METRICS / "train" / f"{model}.json"


def sample_metrics(model: str) -> Path:
    return METRICS / "sample" / f"{model}.json"


def scores(model: str) -> Path:
    return METRICS / "scores" / f"{model}.json"
