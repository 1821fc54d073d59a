"""The ``genbench`` command: digits on demand from the trained checkpoints, and anyone's
samples scored on the project's yardstick.

    genbench generate cgan --digits 3 --count 20 --out threes.png
    genbench generate ddpm --digits 0,1,2 --count 30 --steps 20 --guidance 3 --out digits.npz
    genbench serve                      # the web app on http://127.0.0.1:5000/
    genbench score my_samples.npz --name mine --out mine.json
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from genbench.cli import EXPECTED, error_line
from genbench.errors import ConfigError, InputError

MIN_SAMPLES_FLOOR = 50  # below it the k-NN metrics (k = 5) and the IS splits say nothing at all


def _digits(text: str) -> list[int]:
    try:
        return [int(d) for d in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a digit or a list like 1,2,3, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    from genbench.models import every_setting

    top = argparse.ArgumentParser(prog="genbench", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="images from a trained model, as a PNG grid or an .npz")
    gen.add_argument("model")
    gen.add_argument("--digits", type=_digits, help="one digit or a list (1,2,3); default random (conditional models)")
    gen.add_argument("--count", type=int, default=100)
    gen.add_argument("--seed", type=int, default=0)
    settings = every_setting()  # every model's Sampling fields (imports each model's module once)
    for name, kind in settings.items():
        gen.add_argument(f"--{name}", type=kind, help="a sampler setting (default: params.yaml's `sample` section)")
    gen.set_defaults(setting_names=list(settings))
    gen.add_argument("--out", type=Path, help="FILE.png (a grid) or FILE.npz (the samples' format); default MODEL.png")
    gen.add_argument("--checkpoint", type=Path, help="default: where dvc.yaml's train stage writes it")
    gen.add_argument("--device", default="cpu")
    scorer = commands.add_parser("score", help="score samples from anywhere beside the committed models")
    scorer.add_argument("samples", type=Path, help="an .npz (the samples format), an .npy of N x 28 x 28 images, "
                        "or a folder of 28 x 28 grayscale PNGs (labelled by sub-folders 0/ ... 9/)")
    scorer.add_argument("--labels", type=Path, help="the digit each image was drawn for: .npy, or digits in a text file")
    scorer.add_argument("--name", help="the row's name (default: the input's name)")
    scorer.add_argument("--out", type=Path, help="write the scorecard as JSON, shaped as metrics/scores/MODEL.json")
    scorer.add_argument("--min-samples", type=int, help="accept fewer samples than the protocol's for a quick look "
                        f"(at least {MIN_SAMPLES_FLOOR}; the numbers then compare with nothing)")
    cost = commands.add_parser("estimate", help="what a run of N epochs would cost here, from the measured epochs")
    cost.add_argument("--epochs", type=int, default=50)
    versus = commands.add_parser("compare", help="this work tree's headline numbers beside a result set's")
    versus.add_argument("result_set", type=Path, help="a folder such as results/epochs50 (a finished run kept with the code)")
    web = commands.add_parser("serve", help="the web app")
    web.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    web.add_argument("--port", type=int, default=5000)
    web.add_argument("--workers", type=int, default=1, help="generations at a time (each uses every core)")
    web.add_argument("--queue", type=int, default=4, help="requests waiting beyond which the app answers 503")
    web.add_argument("--device", default="cpu")
    return top


MAX_COUNT = {".npz": 100_000, ".png": 10_000}  # images per generate command (see check_generate)


def _in_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name}: must be between {low:,} and {high:,}, got {value:,}")


def check_generate(args, out: Path) -> None:
    """The generate command's bounds: --count up to 100,000 for an .npz (the images are held in
    memory as floats, 3 KiB each: 300 MiB) and 10,000 for a PNG grid (30,000 x 302 pixels);
    --seed in the range every seed of the project takes."""
    from genbench.config import MAX_SEED

    _in_range("--count", args.count, 1, MAX_COUNT[out.suffix])
    _in_range("--seed", args.seed, 0, MAX_SEED)


def generate(args) -> None:
    from genbench.config import load_params
    from genbench.layout import stage_path
    from genbench.models import load_checkpoint, model_spec
    from genbench.serving.ondemand import draw, png_grid, sampler_settings
    from genbench.sampling import save_samples
    from genbench.files import atomic_write_bytes
    from genbench.runtime import pick_device

    out = args.out or Path(f"{args.model}.png")
    if out.suffix not in (".png", ".npz"):
        raise ConfigError(f"--out: {out} must end in .png or .npz")
    check_generate(args, out)
    spec = model_spec(load_params(), args.model)
    checkpoint = args.checkpoint or stage_path("train", args.model)
    if not checkpoint.is_file():
        raise ConfigError(f"{checkpoint}: no checkpoint; `dvc repro train@{args.model}` trains it "
                          "(or `dvc pull` fetches it from a shared remote)")
    model = load_checkpoint(checkpoint, pick_device(args.device), expect=args.model)
    changes = {k: getattr(args, k) for k in args.setting_names if getattr(args, k) is not None}
    settings = sampler_settings(model, dataclasses.asdict(spec.sampling), changes)
    images, labels, seconds = draw(model, args.count, args.seed, args.digits, progress=True, **settings)
    if out.suffix == ".npz":
        save_samples(out, images, labels, model.conditional)
    else:
        atomic_write_bytes(out, png_grid(images))
    print(f"{args.model}: {args.count} images in {seconds:.2f} s -> {out}")


def score(args) -> None:
    """Score the samples at ``args.samples`` through the project's yardstick (the score
    stage's scorecard) and print them beside the committed models' rows and the real data's."""
    from genbench.config import load_params
    from genbench.files import read_json, write_json
    from genbench.layout import stage_path
    from genbench.results.catalogue import SCORE_TABLE
    from genbench.results.tables import text_table
    from genbench.scoring.scorecard import project_yardstick, score as score_samples
    from genbench.scoring.submitted import read_submitted

    params = load_params()
    protocol = params.sample.num_samples
    minimum = protocol if args.min_samples is None else args.min_samples
    if minimum < MIN_SAMPLES_FLOOR:
        raise InputError(f"--min-samples {minimum}: at least {MIN_SAMPLES_FLOOR} (the k-NN metrics and IS splits need them)")
    submitted = read_submitted(args.samples, args.labels)
    count = len(submitted.images)
    if count < minimum:
        raise InputError(f"{args.samples}: {count} samples; at least {minimum:,} are needed: the committed models are "
                         f"scored on {protocol:,} each and FID and KID move with the sample count "
                         "(--min-samples N lowers this for a quick look)")
    files = {"download": stage_path("download"), "evaluator": stage_path("evaluator"),
             "reference": stage_path("reference", index=1)}
    missing = [f"{path} (stage {stage})" for stage, path in files.items() if not path.exists()]
    if missing:
        raise ConfigError(f"{missing[0]}: missing; `dvc repro reference` makes the yardstick's files "
                          "(MNIST, the yardstick's networks, the real-data features)")
    notes = list(submitted.notes)
    if count != protocol:
        notes.append(f"{count:,} samples, the committed rows {protocol:,}: " + (
            "a quick look, its FID and KID compare with nothing" if count < protocol else
            f"FID and KID fall as the count grows; score the first {protocol:,} to compare them"))
    yardstick = project_yardstick(params, files["download"], files["evaluator"].parent, files["reference"])
    scores = score_samples(submitted.images, submitted.labels, yardstick, progress=True)
    scores.pop("memorization_closest")
    name = args.name or args.samples.stem or args.samples.name
    rows = [(name, scores)]
    for model in params.models:
        committed = stage_path("score", model, index=1)  # metrics/scores/MODEL.json
        if committed.is_file():
            rows.append((model, read_json(committed)))
    reference = stage_path("reference", index=2)  # metrics/reference.json
    if reference.is_file():
        rows.append(("real data", {**read_json(reference), "num_samples": None}))
    print(text_table(rows, SCORE_TABLE))
    for note in notes:
        print(f"note: {note}")
    if args.out:
        write_json(args.out, scores)
        print(f"wrote {args.out}")


def estimate(args) -> None:
    """Print what ``args.epochs`` epochs of every model would cost, from the committed run."""
    from genbench.config import load_params
    from genbench.experiments.estimate import estimate as costs, measured_on, report
    from genbench.runtime import cpu_model

    _in_range("--epochs", args.epochs, 1, 10_000)
    params = load_params()
    models, quick_fids = list(params.models), params.score.quick_fids
    import torch

    print(report(costs(models, args.epochs, quick_fids), args.epochs, quick_fids, measured_on(models),
                 f"{cpu_model()}, {torch.get_num_threads()} torch threads"))


def main(argv=None) -> None:
    args = parser().parse_args(argv)
    try:
        if args.command == "generate":
            generate(args)
        elif args.command == "score":
            score(args)
        elif args.command == "estimate":
            estimate(args)
        elif args.command == "compare":
            from genbench.experiments.resultset import compare
            print(compare(args.result_set))
        else:
            from genbench.serving.app import project_catalog, serve
            from genbench.runtime import pick_device

            _in_range("--port", args.port, 0, 65535)  # 0: any free port (the one taken is printed)
            _in_range("--workers", args.workers, 1, 64)
            _in_range("--queue", args.queue, 0, 1024)
            serve(project_catalog(Path.cwd(), pick_device(args.device)), args.host, args.port,
                  args.workers, args.queue)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except EXPECTED as exc:
        sys.exit(error_line(exc))


if __name__ == "__main__":
    main()
