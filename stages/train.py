"""Stage train@MODEL: train one model; write its checkpoint, per-epoch history, what was trained
(epochs, the checkpoint's epoch, parameters) and, apart, how long it took."""

import dataclasses

from genbench import cli, training
from genbench.config import load_params
from genbench.data import load_split
from genbench.experiments.estimate import run_progress
from genbench.scoring.evaluator import load_evaluator
from genbench.models import model_spec, save_checkpoint
from genbench.scoring.monitor import QuickFID
from genbench.scoring.reference import Reference
from genbench.files import write_csv, write_json
from genbench.runtime import pick_device, seed_everything


def main():
    args = cli.arguments(__doc__, "model", "--mnist", "--evaluator", "--reference",
                         "--checkpoint", "--history", "--metrics", "--timings", "--resume")
    params = load_params()
    spec = model_spec(params, args.model)
    epochs = params.model_epochs(spec.config)
    seed_everything(params.seed)
    device = pick_device(params.device)
    x, y = load_split(args.mnist, train=True, subset=params.data.train_subset)
    model = spec.cls(spec.config)
    quick_fid = QuickFID(load_evaluator(args.evaluator, params.evaluator.source), Reference.load(args.reference),
                         params.score.quick_fid_samples, params.seed)
    fingerprint = training.fingerprint(
        args.model, dataclasses.asdict(spec.config), params.seed, params.batch_size, epochs, len(x),
        params.score.quick_fid_samples, params.score.quick_fids, params.checkpoint, str(device),
        files=[args.evaluator, args.reference])
    run_epochs = {name: params.model_epochs(model_spec(params, name).config) for name in params.models}

    def report_progress(history):
        print(run_progress(run_epochs, args.model, history, params.score.quick_fids), flush=True)

    result = training.train(model, x, y, epochs=epochs, batch_size=params.batch_size, seed=params.seed,
                            device=device, resume_path=args.resume, fingerprint=fingerprint,
                            quick_fid=quick_fid, quick_fids=params.score.quick_fids,
                            checkpoint=params.checkpoint, after_epoch=report_progress)
    save_checkpoint(model, args.checkpoint)
    write_csv(args.history, result.history)
    write_json(args.metrics, training.run_summary(result, model, epochs, device))
    write_json(args.timings, training.run_timings(result, epochs, len(x), device))
    args.resume.unlink(missing_ok=True)


if __name__ == "__main__":
    cli.run(main)
