"""Seconds per training epoch of each model on this machine, and a code change's effect on them.

Times ``--steps`` training steps (a multiple of every model's ``d_steps``) of a batch of
``batch_size`` (params.yaml) after ``--warmup`` steps and projects an epoch of 60,000 images
from their mean; each measurement runs in a fresh process (so OpenMP and allocator state never
carry over), ``--repeats`` times, and the median is reported. Real MNIST is not needed: a step's
cost does not depend on the pixels. ``--set MODEL.KEY=VALUE`` changes a model's ``train`` key.

``--before REV`` measures the code (src/ and params.yaml) of git revision REV beside the working
tree's, interleaved (before, after, before, after, ...), and checks that both compute the same:
the losses of the last step, from the same seed and batch, must agree to ``--loss-tolerance``.

    python benchmarks/epoch_cost.py vae ddpm --before HEAD --repeats 3
    python benchmarks/epoch_cost.py dcgan --set dcgan.width=16 --precisions float32 bfloat16
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAIN_IMAGES = 60_000


def measure(name: str, changes: dict, precision: str, steps: int, warmup: int, device_name: str) -> dict | None:
    """One measurement, in this process: mean seconds per step and the last step's losses."""
    import dataclasses
    import time

    import genbench  # noqa: F401  (first: it sets OpenMP's wait policy before torch loads)
    import torch
    from genbench.config import build, load_params
    from genbench.models import model_spec

    params = load_params()
    spec = model_spec(params, name)
    train = {**dataclasses.asdict(spec.config), **changes}
    if "precision" in train:
        train["precision"] = precision
    elif precision != "float32":
        return None  # a model without a precision setting trains in float32 only
    config = build(spec.cls.Config, train, f"models.{name}.train")
    device = torch.device(device_name)
    torch.manual_seed(0)
    model = spec.cls(config).to(device).train()
    optimizers = model.configure_optimizers()
    x = torch.rand(params.batch_size, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (params.batch_size,), device=device)
    for i in range(warmup + steps):
        if i == warmup:
            synchronize(device)
            start = time.perf_counter()
        logs = model.training_step(x, y, optimizers)
    synchronize(device)  # once: a GPU's steps queue up, as in training (no read per step)
    return {"step_s": (time.perf_counter() - start) / steps,  # mean: WGAN-GP's G steps come every d_steps
            "losses": {k: float(v) for k, v in logs.items()},
            "batch_size": params.batch_size, "threads": torch.get_num_threads(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
            "genbench": str(Path(genbench.__file__).parent)}


def synchronize(device):
    import torch
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_child(code_dir: Path, name: str, changes: dict, precision: str, args) -> dict | None:
    """One measurement in a fresh process running the code (src/, params.yaml) in ``code_dir``."""
    env = {**os.environ, "PYTHONPATH": str(code_dir / "src")}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--precisions", precision,
               "--steps", str(args.steps), "--warmup", str(args.warmup), "--device", args.device,
               "--changes", json.dumps(changes)]
    out = subprocess.run(command, cwd=code_dir, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{name} in {code_dir}: {out.stderr.strip().splitlines()[-1]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def export_revision(rev: str, into: Path) -> Path:
    """src/ and params.yaml of git revision ``rev``, written under ``into``."""
    archive = subprocess.run(["git", "archive", rev, "src", "params.yaml"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def machine() -> str:
    import platform
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model\t")), "?")
    return f"{cpu} (model {model}), {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="default: every model in params.yaml")
    parser.add_argument("--precisions", nargs="+", default=["float32"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting; the median is reported")
    parser.add_argument("--set", action="append", default=[], metavar="MODEL.KEY=VALUE")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--before", metavar="REV", help="also measure git revision REV's code, interleaved")
    parser.add_argument("--loss-tolerance", type=float, default=1e-4, help="relative, between before and after")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--changes", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.models[0], json.loads(args.changes), args.precisions[0], args.steps,
                                 args.warmup, args.device)))
        return

    import yaml
    changes: dict[str, dict] = {}
    for item in args.set:
        key, value = item.split("=", 1)
        model, field = key.split(".", 1)
        changes.setdefault(model, {})[field] = yaml.safe_load(value)
    models = args.models or list(yaml.safe_load((ROOT / "params.yaml").read_text())["models"])
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"after": ROOT}
        if args.before:
            codes = {"before": export_revision(args.before, Path(tmp)), "after": ROOT}
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        print(f"# {machine()}, batch from params.yaml, {-(-TRAIN_IMAGES // 128)} steps per epoch at batch 128; "
              f"after = working tree on {head}" + (f", before = {args.before}" if args.before else ""), flush=True)
        for name in models:
            for precision in args.precisions:
                runs: dict[str, list[dict]] = {label: [] for label in codes}
                for _ in range(args.repeats):
                    for label, code in codes.items():
                        runs[label].append(run_child(code, name, changes.get(name, {}), precision, args))
                if runs["after"][0] is None:
                    continue
                rows = {}
                for label, measured in runs.items():
                    step = statistics.median(m["step_s"] for m in measured)
                    steps_per_epoch = -(-TRAIN_IMAGES // measured[0]["batch_size"])
                    rows[label] = {"model": name, **changes.get(name, {}), "precision": precision, "code": label,
                                   "step_ms": round(1000 * step, 1), "epoch_s": round(step * steps_per_epoch, 1),
                                   "runs_ms": [round(1000 * m["step_s"], 1) for m in measured],
                                   "threads": measured[0]["threads"], "omp_wait_policy": measured[0]["omp_wait_policy"],
                                   "losses": measured[0]["losses"]}
                    print(json.dumps(rows[label]), flush=True)
                if "before" in rows:
                    before, after = runs["before"][0]["losses"], runs["after"][0]["losses"]
                    worst = max(abs(after[k] - before[k]) / max(abs(before[k]), 1e-12) for k in before)
                    verdict = "same losses" if worst <= args.loss_tolerance else "LOSSES DIFFER"
                    print(json.dumps({"model": name, "precision": precision,
                                      "speedup": round(rows["before"]["step_ms"] / rows["after"]["step_ms"], 3),
                                      "loss_max_relative_difference": float(f"{worst:.3g}"), "verdict": verdict}),
                          flush=True)


if __name__ == "__main__":
    main()
