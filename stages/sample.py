"""Stage sample@MODEL: a fixed-seed sample set (uint8 + requested digits), grids and timing."""

import io

import numpy as np
import torch
from torchvision.utils import save_image

from genbench import cli, paths
from genbench.config import load_params
from genbench.models import load_checkpoint
from genbench.sampling import generate, interpolation_strip, to_uint8
from genbench.utils import atomic_write_bytes, device_name, pick_device, seed_everything, write_json


def main():
    params = load_params()
    name = cli.model_arg(params)
    seed_everything(params.seed)
    device = pick_device(params.device)
    model = load_checkpoint(paths.checkpoint(name), device)
    n, batch = params.sample.num_samples, params.sample.batch_size
    generate(model, min(batch, n), params.seed + 1, batch)  # warm-up (first-call costs), not timed
    images, labels, seconds = generate(model, n, params.seed, batch, progress=True)

    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=to_uint8(images), labels=labels.numpy())
    atomic_write_bytes(paths.samples(name), buffer.getvalue())

    grid_dir = paths.PLOTS / "samples" / name
    grid_dir.mkdir(parents=True, exist_ok=True)
    rows = params.sample.grid_rows
    save_image(images[torch.randperm(n, generator=torch.Generator().manual_seed(0))[:rows * rows]],
               grid_dir / "grid.png", nrow=rows, padding=2, pad_value=1.0)
    if model.conditional:  # row d: the first ten samples requested as digit d
        per_digit = images.view(10, n // 10, 1, 28, 28)[:, :10].reshape(-1, 1, 28, 28)
        save_image(per_digit, grid_dir / "digits.png", nrow=10, padding=2, pad_value=1.0)

    strip = interpolation_strip(model, rows=4, steps=10, seed=params.seed)
    if strip is not None:
        save_image(strip, grid_dir / "interpolation.png", nrow=10, padding=2, pad_value=1.0)

    write_json(paths.sample_metrics(name), {
        "num_samples": n,
        "seconds": seconds,
        "seconds_per_1000": seconds / n * 1000,
        "device": device_name(device),
    })
    print(f"{name}: {n} samples in {seconds:.2f} s ({seconds / n * 1000:.3f} s per 1,000)")


if __name__ == "__main__":
    cli.run(main)
