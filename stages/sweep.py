"""Stage sweep@MODEL: quality and time of the model's sampler settings (its `sweep` section)."""

import dataclasses

from genbench import cli
from genbench.config import load_params
from genbench.models import load_checkpoint, model_spec, sweep_config
from genbench.scoring.scorecard import project_yardstick
from genbench.scoring.sweep import run_sweep
from genbench.files import write_csv, write_json
from genbench.runtime import device_name, pick_device, seed_everything


def main():
    args = cli.arguments(__doc__, "model", "--checkpoint", "--mnist", "--networks", "--real", "--tables", "--metrics")
    params = load_params()
    spec = model_spec(params, args.model)
    yardstick = project_yardstick(params, args.mnist, args.networks, args.real)  # seeds with the evaluator's seed
    seed_everything(params.seed)
    device = pick_device(params.device)
    defaults = dataclasses.asdict(spec.sampling)
    model = load_checkpoint(args.checkpoint, device, expect=args.model)
    series = run_sweep(model, defaults, sweep_config(params, spec), yardstick, params.seed)
    for setting, rows in series.items():
        write_csv(args.tables / f"{setting}.csv", rows)
    write_json(args.metrics, {"device": device_name(device), "defaults": defaults,
                              **{r["label"]: r for rows in series.values() for r in rows}})


if __name__ == "__main__":
    cli.run(main)
