"""Stage train@MODEL: train one model, write its checkpoint, history and training metrics."""

import dataclasses
import hashlib
import inspect
import json
import sys

from genbench import cli, paths, training
from genbench.config import load_params
from genbench.data import load_split
from genbench.models import REGISTRY, create, save_checkpoint
from genbench.evaluator import load_evaluator
from genbench.reference import QuickFID, Reference
from genbench.utils import (count_parameters, device_name, peak_memory_mb,
                            pick_device, seed_everything, write_csv, write_json)


def main():
    params = load_params()
    name = cli.model_arg(params)
    cfg = params.models[name]
    epochs = params.model_epochs(name)
    seed_everything(params.seed)
    device = pick_device(params.device)

    x, y = load_split(paths.MNIST_ROOT, train=True)
    if params.data.train_subset:
        x, y = x[:params.data.train_subset], y[:params.data.train_subset]
    model = create(name, cfg)
    quick_fid = QuickFID(load_evaluator(paths.EVALUATOR, device), Reference.load(paths.REFERENCE),
                         params.score.quick_fid_samples, params.seed, params.sample.batch_size)
    # A resume state is only reused by a run with the same params and model code.
    code = inspect.getsource(sys.modules[REGISTRY[name].__module__]) + inspect.getsource(training)
    fingerprint = hashlib.sha256(json.dumps(
        [name, dataclasses.asdict(cfg), params.seed, params.batch_size, epochs, len(x),
         str(device), hashlib.sha256(code.encode()).hexdigest()]).encode()).hexdigest()
    resume = paths.RESUME_DIR / f"{name}.pt"

    result = training.train(model, x, y, epochs=epochs, batch_size=params.batch_size, seed=params.seed,
                   device=device, resume_path=resume, fingerprint=fingerprint, quick_fid=quick_fid)

    save_checkpoint(model, paths.checkpoint(name))
    write_csv(paths.history(name), result.history)
    write_json(paths.train_metrics(name), {
        "epochs": epochs,
        "train_seconds": result.train_seconds,
        "train_images_per_second": epochs * len(x) / result.train_seconds,
        "parameters": count_parameters(model),
        "peak_memory_mb": peak_memory_mb(device),
        "device": device_name(device),
        "resumed_from_epoch": result.resumed_from_epoch,
    })
    resume.unlink(missing_ok=True)


if __name__ == "__main__":
    cli.run(main)
