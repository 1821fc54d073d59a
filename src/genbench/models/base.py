"""The one small interface every generative model implements.

A model is an ``nn.Module`` with a ``family`` (the training process it shares with other
models: ``variational``, ``adversarial`` or ``diffusion``, one module each), a ``Config``
dataclass typing its params.yaml ``train`` section, a ``Sampling`` dataclass typing its
``sample`` section (the keyword arguments of ``generate``), optimizers it makes itself,
a training step on a batch of images in [0, 1], and a ``generate`` that returns images in
[0, 1], conditioned on digits when ``conditional``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from genbench.runtime import use_bfloat16


@dataclass(frozen=True)
class NoSettings:
    """The ``sample`` section of a model whose generate() takes no settings."""


class GenerativeModel(nn.Module):
    name: ClassVar[str]
    family: ClassVar[str]
    conditional: ClassVar[bool] = False
    Config: ClassVar[type]
    Sampling: ClassVar[type] = NoSettings

    def __init__(self, config):
        super().__init__()
        self.config = config

    @classmethod
    def check_settings(cls, config, sampling, prefix: str) -> None:
        """Reject sampler settings that do not fit the trained model (ConfigError)."""

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def training_step(self, x: torch.Tensor, y: torch.Tensor,
                      optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, torch.Tensor]:
        """One update on images ``x`` (B x 1 x 28 x 28 in [0, 1]) with digit labels ``y``.

        Returns the named losses / diagnostics of the step as detached 0-d tensors, so the
        loop decides when to read them (a read is a host synchronisation on a GPU).
        """
        raise NotImplementedError

    def generate(self, n: int, labels: torch.Tensor | None = None,
                 generator: torch.Generator | None = None, **settings) -> torch.Tensor:
        """``n`` images in [0, 1]; ``labels`` (n digits) is required iff the model is
        conditional; ``settings`` are the fields of ``Sampling`` (defaults when omitted)."""
        raise NotImplementedError

    def network_evaluations(self, **settings) -> int:
        """Forward passes of the network per generated image with these sampler settings:
        the measure of a request's work (one for a single-pass generator)."""
        return 1

    def latent_dim(self) -> int | None:
        """Size of the latent code ``decode_latent`` takes, or None for models without one."""
        return None

    def decode_latent(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] from latent codes (unconditional latent-variable models only)."""
        raise NotImplementedError

    def training_precision(self, device: torch.device) -> str:
        """What training computes in on ``device``: ``bfloat16`` (autocast) or ``float32``
        (a model without a ``precision`` param trains in float32 only)."""
        return "bfloat16" if use_bfloat16(getattr(self.config, "precision", "float32"), device) else "float32"

    def autocast(self, device: torch.device):
        """The context a forward pass runs in: bfloat16 autocast where ``training_precision``
        says so, else plain float32."""
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.training_precision(device) == "bfloat16")

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device
