"""Conditional DDPM: a small U-Net predicting the noise, with classifier-free guidance,
EMA weights for sampling, and two samplers (few-step DDIM, 1,000-step ancestral).

Schedule: T steps, linear betas. Labels are dropped with probability ``p_uncond`` during
training (index 10 is the learned "no label" embedding), so one network gives both the
conditional and the unconditional noise prediction; guidance combines them as
``eps = (1 + w) * eps_cond - w * eps_uncond`` (Ho & Salimans 2022), where w = 0 is the
plain conditional prediction.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from genbench.models.base import GenerativeModel

NO_LABEL = 10


@dataclass(frozen=True)
class DDPMConfig:
    lr: float = 2e-4
    width: int = 32  # channels at 28 x 28; 2x at 14 x 14 and 7 x 7
    timesteps: int = 1000
    beta_start: float = 1e-4
    beta_end: float = 0.02
    p_uncond: float = 0.1
    guidance: float = 0.0
    ema_decay: float = 0.999
    sampler: str = "ddim"  # ddim | ancestral
    sample_steps: int = 20  # DDIM steps
    ddim_eta: float = 0.0
    mixed_precision: bool = True  # bfloat16 autocast (CPU and GPU)
    epochs: int | None = None

    def validate(self, prefix):
        from genbench.errors import ConfigError

        if self.sampler not in ("ddim", "ancestral"):
            raise ConfigError(f"{prefix}.sampler: must be ddim or ancestral, got {self.sampler!r}")
        if not 0 < self.beta_start < self.beta_end < 1:
            raise ConfigError(f"{prefix}.beta_start/beta_end: need 0 < beta_start < beta_end < 1")
        if not 0 <= self.p_uncond < 1:
            raise ConfigError(f"{prefix}.p_uncond: must be in [0, 1), got {self.p_uncond}")
        if not 0 <= self.ema_decay < 1:
            raise ConfigError(f"{prefix}.ema_decay: must be in [0, 1), got {self.ema_decay}")
        if self.guidance < 0:
            raise ConfigError(f"{prefix}.guidance: must be >= 0, got {self.guidance}")
        if self.sample_steps > self.timesteps:
            raise ConfigError(f"{prefix}.sample_steps: at most timesteps ({self.timesteps})")


# ------------------------------------------------------------------------------ schedule


class Schedule:
    """Linear beta schedule and its closed forms; index t = 0 .. T-1."""

    def __init__(self, timesteps: int, beta_start: float, beta_end: float):
        self.T = timesteps
        self.betas = torch.linspace(beta_start, beta_end, timesteps, dtype=torch.float64)
        self.alphas = 1.0 - self.betas
        self.alpha_bar = torch.cumprod(self.alphas, dim=0)

    def ab(self, t: int) -> float:
        """alpha-bar at step t; t = -1 is the clean image (1)."""
        return 1.0 if t < 0 else float(self.alpha_bar[t])

    def q_sample(self, x0, t, noise):
        ab = self.alpha_bar.to(x0.device)[t].float().view(-1, 1, 1, 1)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def predict_x0(self, x, eps, t: int):
        ab = self.ab(t)
        return (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)

    def ddim_step(self, x, eps, t: int, t_prev: int, eta: float):
        """DDIM update from t to t_prev: returns (mean, sigma) of x_{t_prev} (x0 clipped to [-1, 1])."""
        ab, ab_prev = self.ab(t), self.ab(t_prev)
        x0 = self.predict_x0(x, eps, t).clamp(-1, 1)
        eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)  # consistent with the clipped x0
        sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
        mean = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
        return mean, sigma

    def ancestral_step(self, x, eps, t: int):
        """DDPM (Ho et al. 2020) update from t to t-1: posterior mean and std given the predicted x0."""
        ab, ab_prev, beta = self.ab(t), self.ab(t - 1), float(self.betas[t])
        x0 = self.predict_x0(x, eps, t).clamp(-1, 1)
        mean = (math.sqrt(ab_prev) * beta / (1 - ab)) * x0 + (
            math.sqrt(float(self.alphas[t])) * (1 - ab_prev) / (1 - ab)) * x
        sigma = math.sqrt(beta * (1 - ab_prev) / (1 - ab))
        return mean, sigma


def guided_eps(eps_cond: torch.Tensor, eps_uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance; scale 0 is the plain conditional prediction."""
    return (1 + scale) * eps_cond - scale * eps_uncond


# ------------------------------------------------------------------------------- U-Net


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(8, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class SelfAttention(nn.Module):
    def __init__(self, c: int, heads: int = 4):
        super().__init__()
        self.norm = nn.GroupNorm(8, c)
        self.attn = nn.MultiheadAttention(c, heads, batch_first=True)

    def forward(self, x):
        b, c, h, w = x.shape
        seq = self.norm(x).flatten(2).transpose(1, 2)
        out, _ = self.attn(seq, seq, seq, need_weights=False)
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    """28 -> 14 -> 7 with self-attention at 7 x 7 and skip connections."""

    def __init__(self, width: int):
        super().__init__()
        c, emb = width, 4 * width
        self.emb_dim = emb
        self.time_mlp = nn.Sequential(nn.Linear(c, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label_emb = nn.Embedding(11, emb)  # 10 digits + NO_LABEL
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.down1 = ResBlock(c, c, emb)                          # 28
        self.down2 = ResBlock(c, 2 * c, emb)                      # 14
        self.down3 = ResBlock(2 * c, 2 * c, emb)                  # 7
        self.mid1, self.mid_attn, self.mid2 = ResBlock(2 * c, 2 * c, emb), SelfAttention(2 * c), ResBlock(2 * c, 2 * c, emb)
        self.up3 = ResBlock(4 * c, 2 * c, emb)                    # 7
        self.up3_attn = SelfAttention(2 * c)
        self.up2 = ResBlock(4 * c, 2 * c, emb)                    # 14
        self.up1 = ResBlock(3 * c, c, emb)                        # 28
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, 1, 3, padding=1)
        self.width = c

    def forward(self, x, t, y):
        emb = self.time_mlp(timestep_embedding(t, self.width)) + self.label_emb(y)
        h1 = self.down1(self.conv_in(x), emb)
        h2 = self.down2(F.avg_pool2d(h1, 2), emb)
        h3 = self.down3(F.avg_pool2d(h2, 2), emb)
        m = self.mid2(self.mid_attn(self.mid1(h3, emb)), emb)
        u = self.up3_attn(self.up3(torch.cat([m, h3], 1), emb))
        u = self.up2(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), h2], 1), emb)
        u = self.up1(torch.cat([F.interpolate(u, scale_factor=2.0, mode="nearest"), h1], 1), emb)
        return self.conv_out(F.silu(self.norm_out(u)))


# ------------------------------------------------------------------------------- model


class DDPM(GenerativeModel):
    name = "ddpm"
    conditional = True
    Config = DDPMConfig

    def __init__(self, config: DDPMConfig):
        super().__init__(config)
        self.net = UNet(config.width)
        self.ema = copy.deepcopy(self.net).requires_grad_(False)
        self.register_buffer("ema_updates", torch.zeros((), dtype=torch.long))
        self.schedule = Schedule(config.timesteps, config.beta_start, config.beta_end)

    def _autocast(self, device: torch.device):
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.config.mixed_precision)

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
        with self._autocast(x0.device):
            pred = self.net(self.schedule.q_sample(x0, t, noise), t, y)
        return F.mse_loss(pred.float(), noise)

    def training_step(self, x, y, optimizers):
        loss = self.loss(x, y)
        opt = optimizers["adam"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():  # EMA with the usual warm-up, so early weights fade quickly
            self.ema_updates += 1
            n = float(self.ema_updates)
            decay = min(self.config.ema_decay, (1 + n) / (10 + n))
            for p_ema, p in zip(self.ema.parameters(), self.net.parameters()):
                p_ema.lerp_(p, 1 - decay)
        return {"loss": loss.item()}

    @torch.no_grad()
    def eps(self, x, t: int, y, net=None) -> torch.Tensor:
        """Guided noise prediction of the EMA network at integer step t."""
        net = net or self.ema
        w = self.config.guidance
        tt = torch.full((len(x),), t, device=x.device, dtype=torch.long)
        with self._autocast(x.device):
            if w == 0:
                return net(x, tt, y).float()
            both = net(torch.cat([x, x]), torch.cat([tt, tt]),
                       torch.cat([y, torch.full_like(y, NO_LABEL)])).float()
        eps_cond, eps_uncond = both.chunk(2)
        return guided_eps(eps_cond, eps_uncond, w)

    def ddim_timesteps(self, steps: int) -> list[int]:
        return torch.linspace(self.config.timesteps - 1, 0, steps).round().long().tolist()

    @torch.no_grad()
    def generate(self, n, labels=None, generator=None, sampler=None, steps=None):
        sampler = sampler or self.config.sampler
        steps = steps or self.config.sample_steps
        y = labels.to(self.device)
        x = torch.randn(n, 1, 28, 28, generator=generator, device=self.device)
        if sampler == "ancestral":
            for t in range(self.config.timesteps - 1, -1, -1):
                mean, sigma = self.schedule.ancestral_step(x, self.eps(x, t, y), t)
                x = mean + sigma * torch.randn(x.shape, generator=generator, device=x.device) if t > 0 else mean
        else:
            ts = self.ddim_timesteps(steps)
            for t, t_prev in zip(ts, ts[1:] + [-1]):
                mean, sigma = self.schedule.ddim_step(x, self.eps(x, t, y), t, t_prev, self.config.ddim_eta)
                x = mean + sigma * torch.randn(x.shape, generator=generator, device=x.device) if sigma > 0 else mean
        return ((x + 1) / 2).clamp(0, 1)
