"""Real MNIST seen through the whole yardstick, computed once (stage reference) for every score:
its features in every feature space, the reader's reading of MNIST test, and the nearest
training images memorization measures against.

(``reference.Reference`` is the smaller set training's per-epoch quick FID reads: the
evaluator's features alone, so that a change to scoring never re-trains a model.)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
from torch import nn

from genbench.errors import YardstickError
from genbench.results.catalogue import NETWORK_SPACES
from genbench.runtime import load_torch, save_torch
from genbench.scoring.evaluator import embed
from genbench.scoring.metrics.manifolds import real_radii
from genbench.scoring.metrics.memorization import nearest_distances
from genbench.scoring.spaces import embed_features


@dataclass
class RealFeatures:
    """``spaces[space]``: features of the first ``num_real`` MNIST test images (``test``, the
    target of every final score), of ``num_real`` training images (``train``, a second sample
    of real data) and of as many uniform-noise images (``noise``, the no-model end of every
    scale). ``test_radii[space]``: the k-NN radii of the test features in the spaces of the
    k-NN metrics (``manifolds.real_radii``). ``test_probs``: the reader's softmax on the test
    images. ``seen_features``: evaluator features of every training image the models saw, and
    ``test_nearest_seen`` each test image's distance to the nearest of them (memorization's
    new-digit distances)."""
    spaces: dict[str, dict[str, torch.Tensor]]
    test_radii: dict[str, dict[int, torch.Tensor]]
    test_labels: torch.Tensor
    test_probs: torch.Tensor
    seen_features: torch.Tensor
    test_nearest_seen: torch.Tensor

    def save(self, path):
        save_torch(self.__dict__, path)

    @classmethod
    def load(cls, path) -> "RealFeatures":
        stored = load_torch(path)
        missing = [f.name for f in fields(cls) if f.name not in stored]
        if missing:
            raise YardstickError(f"{path}: has no {missing[0]}, made by an older genbench; "
                                 "`dvc repro reference` makes it again")
        return cls(**{f.name: stored[f.name] for f in fields(cls)})


def compute_real_features(spaces: dict[str, nn.Module], reader: nn.Module, train_x: torch.Tensor,
                          seen_x: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, *, num_real: int,
                          seed: int, batch_size: int = 1000) -> RealFeatures:
    """``spaces``: feature space name -> network (``evaluator`` first: memorization's space);
    ``train_x``: MNIST train, of which ``num_real`` images drawn with ``seed`` (the same draw
    as ``reference.compute_reference``); ``seen_x``: the training images the models saw;
    ``test_x``: MNIST test, of which the first ``num_real`` images are the real data every
    score compares with; images embedded ``batch_size`` at a time."""
    test_x, test_y = test_x[:num_real], test_y[:num_real]
    pick = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(seed))[:num_real]
    noise = torch.rand(num_real, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    images = {"test": test_x, "train": train_x[pick], "noise": noise}
    features = {name: {part: embed_features(net, x, batch_size) for part, x in images.items()}
                for name, net in spaces.items()}
    seen = embed_features(spaces["evaluator"], seen_x, batch_size)
    return RealFeatures(features, {space: real_radii(features[space]["test"]) for space in NETWORK_SPACES},
                        test_y, embed(reader, test_x, batch_size)[1], seen,
                        nearest_distances(features["evaluator"]["test"], seen)[0])
