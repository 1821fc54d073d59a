"""Stage sweep: the DDPM's quality against sampling time, for each sampler setting.

For every DDIM step count in ``sweep.ddim_steps`` (on ``sweep.num_samples``) and for the
1,000-step ancestral sampler (on ``sweep.ancestral_samples``, fewer on CPU): seconds per
1,000 samples, FID and label accuracy. The default DDIM setting is also run on the
ancestral sample size, so the two are compared on equal footing (FID depends on N).
"""

import dataclasses

from genbench import cli, paths
from genbench.config import load_params
from genbench.evaluator import embed, load_evaluator
from genbench.metrics import fid, label_accuracy
from genbench.models import load_checkpoint
from genbench.sampling import generate
from genbench.reference import Reference
from genbench.utils import device_name, pick_device, seed_everything, write_csv, write_json

MODEL = "ddpm"


def main():
    params = load_params()
    cfg = params.sweep
    seed_everything(params.seed)
    device = pick_device(params.device)
    model = load_checkpoint(paths.checkpoint(MODEL), device)
    evaluator = load_evaluator(paths.EVALUATOR, device)
    reference = Reference.load(paths.REFERENCE)
    default_steps = params.models[MODEL].sample_steps
    settings = [("ddim", s, cfg.num_samples) for s in cfg.ddim_steps]
    settings.append(("ddim", default_steps, cfg.ancestral_samples))
    settings.append(("ancestral", model.config.timesteps, cfg.ancestral_samples))
    generate(model, cfg.batch_size, params.seed + 1, cfg.batch_size)  # warm-up, not timed
    rows = []
    for sampler, steps, n in settings:
        model.config = dataclasses.replace(model.config, sampler=sampler, sample_steps=steps)
        images, labels, seconds = generate(model, n, params.seed, batch_size=cfg.batch_size, progress=True)
        feats, probs = embed(evaluator, images, device)
        row = {"sampler": sampler, "steps": steps, "num_samples": n,
               "seconds_per_1000": seconds / n * 1000,
               "fid": fid(feats, reference.test_features[:params.score.num_real]),
               "label_accuracy": label_accuracy(probs, labels)[0]}
        rows.append(row)
        print(row)
    default, ancestral = rows[-2], rows[-1]
    write_csv(paths.PLOTS / "sweep" / f"{MODEL}.csv", rows)
    write_json(paths.METRICS / "sweep" / f"{MODEL}.json", {
        "device": device_name(device),
        "precision": "bfloat16 autocast" if model.config.mixed_precision else "float32",
        "guidance": model.config.guidance,
        "settings": {f"{r['sampler']}_{r['steps']}_n{r['num_samples']}": r for r in rows},
        "default_ddim_steps": default_steps,
        "compared_on_samples": cfg.ancestral_samples,
        "speedup_default_vs_ancestral": ancestral["seconds_per_1000"] / default["seconds_per_1000"],
        "fid_ratio_default_vs_ancestral": default["fid"] / ancestral["fid"],
    })


if __name__ == "__main__":
    cli.run(main)
