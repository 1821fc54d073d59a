"""Seconds per training epoch of each model on this machine, in float32 and bfloat16 autocast.

Times ``--steps`` training steps (a multiple of every model's ``d_steps``) of a batch of ``batch_size`` (params.yaml) after ``--warmup``
steps, per model and precision, and projects an epoch of 60,000 images from their mean, the median over ``--repeats``.
Real MNIST is not needed: a step's cost does not depend on the pixels. ``--set KEY=VALUE``
changes a model's `train` key (``dcgan.width=16``) to price a width before choosing it.

    python benchmarks/epoch_cost.py dcgan cdcgan wgan_gp --set dcgan.width=16 --repeats 3
    python benchmarks/epoch_cost.py ddpm --device cuda --precisions bfloat16 --set ddpm.compile=reduce-overhead
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time

import torch
import yaml

from genbench.config import build, load_params
from genbench.models import model_spec
from genbench.runtime import cpu_has_native_bfloat16, device_name

TRAIN_IMAGES = 60_000


def step_seconds(name, params, changes, precision, steps, warmup, device):
    spec = model_spec(params, name)
    train = {**dataclasses.asdict(spec.config), **changes}
    if "precision" in train:
        train["precision"] = precision
    elif precision != "float32":
        return None  # a model without a precision setting trains in float32 only
    config = build(spec.cls.Config, train, f"models.{name}.train")
    torch.manual_seed(0)
    model = spec.cls(config).to(device).train()
    optimizers = model.configure_optimizers()
    x = torch.rand(params.batch_size, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (params.batch_size,), device=device)
    for i in range(warmup + steps):
        if i == warmup:
            synchronize(device)
            start = time.perf_counter()
        model.training_step(x, y, optimizers)
    synchronize(device)  # once: a GPU's steps queue up, as in training (no read per step)
    return (time.perf_counter() - start) / steps  # mean: WGAN-GP's G steps come every d_steps


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="default: every model in params.yaml")
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting; the median is reported")
    parser.add_argument("--set", action="append", default=[], metavar="MODEL.KEY=VALUE")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()

    params = load_params()
    changes: dict[str, dict] = {}
    for item in args.set:
        key, value = item.split("=", 1)
        model, field = key.split(".", 1)
        changes.setdefault(model, {})[field] = yaml.safe_load(value)
    device = torch.device(args.device)
    steps_per_epoch = -(-TRAIN_IMAGES // params.batch_size)
    print(f"# {device_name(device)}, torch {torch.__version__}, native bfloat16 (CPU): {cpu_has_native_bfloat16()}, "
          f"batch {params.batch_size}, {steps_per_epoch} steps per epoch")
    rows = []
    for name in args.models or list(params.models):
        for precision in args.precisions:
            runs = [step_seconds(name, params, changes.get(name, {}), precision, args.steps,
                                 args.warmup, device) for _ in range(args.repeats)]
            if runs[0] is None:
                continue
            step = statistics.median(runs)
            row = {"model": name, **changes.get(name, {}), "precision": precision,
                   "step_ms": round(1000 * step, 1), "epoch_s": round(step * steps_per_epoch, 1),
                   "runs_ms": [round(1000 * r, 1) for r in runs]}
            rows.append(row)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
