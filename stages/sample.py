"""Stage sample@MODEL: a fixed-seed sample set (uint8 images, requested digits, a latent
interpolation where the model has a latent code) and, apart, its sampling time."""

import dataclasses

from genbench import cli
from genbench.config import load_params
from genbench.models import load_checkpoint, model_spec
from genbench.sampling import generate, interpolation_strip, save_samples
from genbench.files import write_json
from genbench.runtime import device_name, pick_device, seed_everything


def main():
    args = cli.arguments(__doc__, "model", "--checkpoint", "--samples", "--timings")
    params = load_params()
    settings = dataclasses.asdict(model_spec(params, args.model).sampling)
    seed_everything(params.seed)
    device = pick_device(params.device)
    model = load_checkpoint(args.checkpoint, device, expect=args.model)
    n, batch = params.sample.num_samples, params.sample.batch_size
    generate(model, min(batch, n), params.seed + 1, batch, **settings)  # warm-up (first-call costs), not timed
    images, labels, seconds = generate(model, n, params.seed, batch, progress=True, **settings)
    save_samples(args.samples, images, labels, model.conditional,
                 interpolation_strip(model, rows=4, steps=10, seed=params.seed))
    write_json(args.timings, {"num_samples": n, "seconds": seconds, "seconds_per_1000": seconds / n * 1000,
                              "device": device_name(device), "settings": settings})
    print(f"{args.model}: {n} samples in {seconds:.2f} s ({seconds / n * 1000:.3f} s per 1,000)")


if __name__ == "__main__":
    cli.run(main)
