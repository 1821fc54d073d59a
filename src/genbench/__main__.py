"""The ``genbench`` command: digits on demand from the trained checkpoints.

    genbench generate cgan --digits 3 --count 20 --out threes.png
    genbench generate ddpm --digits 0,1,2 --count 30 --steps 20 --guidance 3 --out digits.npz
    genbench serve                      # the web app on http://127.0.0.1:5000/
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from genbench.cli import EXPECTED, error_line
from genbench.errors import ConfigError

SETTINGS = {"sampler": str, "steps": int, "guidance": float, "eta": float}  # the DDPM's, by name


def _digits(text: str) -> list[int]:
    try:
        return [int(d) for d in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a digit or a list like 1,2,3, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="genbench", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="images from a trained model, as a PNG grid or an .npz")
    gen.add_argument("model")
    gen.add_argument("--digits", type=_digits, help="one digit or a list (1,2,3); default random (conditional models)")
    gen.add_argument("--count", type=int, default=100)
    gen.add_argument("--seed", type=int, default=0)
    for name, kind in SETTINGS.items():
        gen.add_argument(f"--{name}", type=kind, help="a sampler setting (default: params.yaml's `sample` section)")
    gen.add_argument("--out", type=Path, help="FILE.png (a grid) or FILE.npz (the samples' format); default MODEL.png")
    gen.add_argument("--checkpoint", type=Path, help="default: where dvc.yaml's train stage writes it")
    gen.add_argument("--device", default="cpu")
    web = commands.add_parser("serve", help="the web app")
    web.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    web.add_argument("--port", type=int, default=5000)
    web.add_argument("--workers", type=int, default=1, help="generations at a time (each uses every core)")
    web.add_argument("--queue", type=int, default=4, help="requests waiting beyond which the app answers 503")
    web.add_argument("--device", default="cpu")
    return top


def generate(args) -> None:
    from genbench.config import load_params
    from genbench.layout import stage_path
    from genbench.models import load_checkpoint, model_spec
    from genbench.ondemand import draw, png_grid, sampler_settings
    from genbench.sampling import save_samples
    from genbench.utils import atomic_write_bytes, pick_device

    out = args.out or Path(f"{args.model}.png")
    if out.suffix not in (".png", ".npz"):
        raise ConfigError(f"--out: {out} must end in .png or .npz")
    spec = model_spec(load_params(), args.model)
    checkpoint = args.checkpoint or stage_path("train", args.model)
    if not checkpoint.is_file():
        raise ConfigError(f"{checkpoint}: no checkpoint; `dvc repro train@{args.model}` trains it "
                          "(or `dvc pull` fetches it from a shared remote)")
    model = load_checkpoint(checkpoint, pick_device(args.device))
    changes = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    settings = sampler_settings(model, dataclasses.asdict(spec.sampling), changes)
    images, labels, seconds = draw(model, args.count, args.seed, args.digits, **settings)
    if out.suffix == ".npz":
        save_samples(out, images, labels, model.conditional)
    else:
        atomic_write_bytes(out, png_grid(images))
    print(f"{args.model}: {args.count} images in {seconds:.2f} s -> {out}")


def main(argv=None) -> None:
    args = parser().parse_args(argv)
    try:
        if args.command == "generate":
            generate(args)
        else:
            from genbench.app import project_catalog, serve
            from genbench.utils import pick_device

            serve(project_catalog(Path.cwd(), pick_device(args.device)), args.host, args.port,
                  args.workers, args.queue)
    except EXPECTED as exc:
        sys.exit(error_line(exc))


if __name__ == "__main__":
    main()
