"""The diffusion family: a conditional denoising diffusion process (Ho et al. 2020) around a
noise-predicting network, with classifier-free guidance, EMA weights for sampling, and two
samplers (few-step deterministic DDIM, and the T-step ancestral one).

A model of this family supplies ``net(x_t, t, y)`` predicting the noise, where y is a digit
or ``NO_LABEL``. Schedule: T steps, linear betas, its coefficients registered as buffers
(derived from the config, so not saved). Labels are dropped with probability ``p_uncond``
while training, so one network gives the conditional and the unconditional prediction;
guidance combines them as ``eps = (1 + w) eps_cond - w eps_uncond`` (Ho & Salimans 2022),
where w = 0 is the plain conditional prediction.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from genbench.config import param
from genbench.errors import ConfigError
from genbench.models.base import GenerativeModel

NO_LABEL = 10


@dataclass(frozen=True, kw_only=True)
class DiffusionConfig:
    lr: float = param(gt=0)
    timesteps: int = param(ge=2)
    beta_start: float = param(gt=0, lt=1)
    beta_end: float = param(gt=0, lt=1)
    p_uncond: float = param(ge=0, lt=1)  # label dropout for classifier-free guidance
    ema_decay: float = param(ge=0, lt=1)
    precision: str = param(choices=("auto", "float32", "bfloat16"))  # auto: bfloat16 where native
    compile: str = param(choices=("none", "default", "reduce-overhead"))  # torch.compile of the trained net
    epochs: int | None = param(ge=1, default=None)  # unset: the top-level epochs

    def validate(self, prefix):
        if self.beta_start >= self.beta_end:
            raise ConfigError(f"{prefix}.beta_start: must be below beta_end ({self.beta_end:g}), "
                              f"got {self.beta_start:g}")


@dataclass(frozen=True)
class DiffusionSampling:
    """The keyword arguments of generate(). These defaults are what a bare generate() uses
    (the per-epoch quick FID while training); a test keeps them equal to params.yaml."""
    sampler: str = param(choices=("ddim", "ancestral"), default="ddim")
    steps: int = param(ge=1, default=10)  # DDIM steps (the ancestral sampler takes all T)
    guidance: float = param(ge=0, default=2.0)
    eta: float = param(ge=0, le=1, default=0.0)  # DDIM noise: 0 deterministic, 1 ancestral-like


def guided_eps(eps_cond: torch.Tensor, eps_uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance; scale 0 is the plain conditional prediction."""
    return (1 + scale) * eps_cond - scale * eps_uncond


class DiffusionModel(GenerativeModel):
    family = "diffusion"
    conditional = True
    Sampling = DiffusionSampling

    def __init__(self, config, net: torch.nn.Module):
        super().__init__(config)
        self.net = net
        self.ema = copy.deepcopy(net).requires_grad_(False)  # sampled eagerly: its batch sizes vary
        if config.compile != "none":
            # in place (the state dict keeps its keys), for static shapes: one graph, see loss()
            self.net.compile(mode=config.compile, dynamic=False)
        self._compiled_batch = None  # the batch size the compiled graph was made for
        self.register_buffer("ema_updates", torch.zeros((), dtype=torch.long))
        self._ema_count = None  # ema_updates on the host; None: read it at the next update
        self.register_load_state_dict_post_hook(lambda module, _: setattr(module, "_ema_count", None))
        betas = torch.linspace(config.beta_start, config.beta_end, config.timesteps, dtype=torch.float64)
        self.register_buffer("betas", betas, persistent=False)
        self.register_buffer("alpha_bar", torch.cumprod(1.0 - betas, dim=0), persistent=False)

    @classmethod
    def check_settings(cls, config, sampling, prefix):
        if sampling.steps > config.timesteps:
            raise ConfigError(f"{prefix}.sample.steps: at most train.timesteps ({config.timesteps}), "
                              f"got {sampling.steps}")

    # ------------------------------------------------------------------ closed forms

    def ab(self, t: int) -> float:
        """alpha-bar at step t; t = -1 is the clean image (1)."""
        return 1.0 if t < 0 else float(self.alpha_bar[t])

    def q_sample(self, x0, t, noise):
        ab = self.alpha_bar[t].float().view(-1, 1, 1, 1)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def predict_x0(self, x, eps, t: int):
        ab = self.ab(t)
        return (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)

    def ddim_step(self, x, eps, t: int, t_prev: int, eta: float):
        """DDIM update from t to t_prev: (mean, sigma) of x_{t_prev}, x0 clipped to [-1, 1]."""
        ab, ab_prev = self.ab(t), self.ab(t_prev)
        x0 = self.predict_x0(x, eps, t).clamp(-1, 1)
        eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)  # consistent with the clipped x0
        sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
        mean = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
        return mean, sigma

    def ancestral_step(self, x, eps, t: int):
        """DDPM update from t to t-1: posterior mean and std given the predicted x0."""
        ab, ab_prev, beta = self.ab(t), self.ab(t - 1), float(self.betas[t])
        x0 = self.predict_x0(x, eps, t).clamp(-1, 1)
        mean = (math.sqrt(ab_prev) * beta / (1 - ab)) * x0 + (
            math.sqrt(1 - beta) * (1 - ab_prev) / (1 - ab)) * x
        sigma = math.sqrt(beta * (1 - ab_prev) / (1 - ab))
        return mean, sigma

    # --------------------------------------------------------------------- training

    def configure_optimizers(self):
        return {"adam": torch.optim.Adam(self.net.parameters(), lr=self.config.lr)}

    def loss(self, x, y):
        """Noise-prediction MSE at uniformly drawn t, labels dropped with p_uncond."""
        x0 = x * 2 - 1
        n = len(x0)
        t = torch.randint(0, self.config.timesteps, (n,), device=x0.device)
        noise = torch.randn_like(x0)
        drop = torch.rand(n, device=x0.device) < self.config.p_uncond
        y = torch.where(drop, torch.full_like(y, NO_LABEL), y)
        with self.autocast(x0.device):
            pred = self._training_net(n)(self.q_sample(x0, t, noise), t, y)
        return F.mse_loss(pred.float(), noise)

    def _training_net(self, batch: int):
        """The compiled net for the batch size of the first step, the same net run eagerly
        for any other (an epoch's last, smaller batch): one step in 469 forgoes the graph,
        and no second graph is compiled (compiling cost minutes of a GPU run's first epoch)."""
        if self.config.compile == "none":
            return self.net
        if self._compiled_batch is None:
            self._compiled_batch = batch
        return self.net if batch == self._compiled_batch else self.net.forward

    def training_step(self, x, y, optimizers):
        loss = self.loss(x, y)
        opt = optimizers["adam"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        self.update_ema()
        return {"loss": loss.detach()}

    @torch.no_grad()
    def update_ema(self):
        """One EMA update with the usual warm-up, so early weights fade quickly: decay
        min(ema_decay, (1 + n) / (10 + n)) at the n-th update, all parameters in one fused
        call. n is counted on the host too (read from the saved buffer once), so the
        update never waits for a GPU."""
        if self._ema_count is None:
            self._ema_count = int(self.ema_updates)
        self._ema_count += 1
        self.ema_updates += 1
        n = float(self._ema_count)
        decay = min(self.config.ema_decay, (1 + n) / (10 + n))
        torch._foreach_lerp_(list(self.ema.parameters()), list(self.net.parameters()), 1 - decay)

    # --------------------------------------------------------------------- sampling

    @torch.no_grad()
    def eps(self, x, t: int, y, guidance: float) -> torch.Tensor:
        """Guided noise prediction of the EMA network at integer step t."""
        tt = torch.full((len(x),), t, device=x.device, dtype=torch.long)
        with self.autocast(x.device):
            if guidance == 0:
                return self.ema(x, tt, y).float()
            both = self.ema(torch.cat([x, x]), torch.cat([tt, tt]),
                            torch.cat([y, torch.full_like(y, NO_LABEL)])).float()
        eps_cond, eps_uncond = both.chunk(2)
        return guided_eps(eps_cond, eps_uncond, guidance)

    def ddim_timesteps(self, steps: int) -> list[int]:
        return torch.linspace(self.config.timesteps - 1, 0, steps).round().long().tolist()

    @torch.no_grad()
    def network_evaluations(self, **settings) -> int:
        """One U-Net pass per step (every timestep for the ancestral sampler), two with guidance."""
        s = DiffusionSampling(**settings)
        steps = self.config.timesteps if s.sampler == "ancestral" else s.steps
        return steps * (2 if s.guidance else 1)

    def generate(self, n, labels=None, generator=None, **settings):
        s = DiffusionSampling(**settings)
        self.check_settings(self.config, s, self.name)
        y = labels.to(self.device)
        x = torch.randn(n, 1, 28, 28, generator=generator, device=self.device)
        if s.sampler == "ancestral":
            for t in range(self.config.timesteps - 1, -1, -1):
                mean, sigma = self.ancestral_step(x, self.eps(x, t, y, s.guidance), t)
                x = mean + sigma * torch.randn(x.shape, generator=generator, device=x.device) if t > 0 else mean
        else:
            ts = self.ddim_timesteps(s.steps)
            for t, t_prev in zip(ts, ts[1:] + [-1]):
                mean, sigma = self.ddim_step(x, self.eps(x, t, y, s.guidance), t, t_prev, s.eta)
                x = mean + sigma * torch.randn(x.shape, generator=generator, device=x.device) if sigma > 0 else mean
        return ((x + 1) / 2).clamp(0, 1)
