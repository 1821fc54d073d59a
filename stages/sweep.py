"""Stage sweep: the DDPM's quality against sampling time, for each sampler setting.

For every DDIM step count in ``sweep.ddim_steps`` (on ``sweep.num_samples``) and for the
1,000-step ancestral sampler (on ``sweep.ancestral_samples``, fewer on CPU): seconds per
1,000 samples, FID and label accuracy. The default DDIM setting is also run on the
ancestral sample size, so the two are compared on equal footing (FID depends on N).
Then, with the default sampler, the same for each guidance scale in ``sweep.guidance``.
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
    default = model.config  # the params' settings, saved with the checkpoint
    real = reference.test_features[:params.score.num_real]

    def measure(n, **setting):
        model.config = dataclasses.replace(default, **setting)
        images, labels, seconds = generate(model, n, params.seed, batch_size=cfg.batch_size, progress=True)
        feats, probs = embed(evaluator, images, device)
        row = {**setting, "num_samples": n, "seconds_per_1000": seconds / n * 1000,
               "fid": fid(feats, real), "label_accuracy": label_accuracy(probs, labels)[0]}
        print(row)
        return row

    generate(model, cfg.batch_size, params.seed + 1, cfg.batch_size)  # warm-up, not timed
    rows = [measure(cfg.num_samples, sampler="ddim", sample_steps=s) for s in cfg.ddim_steps]
    rows.append(measure(cfg.ancestral_samples, sampler="ddim", sample_steps=default.sample_steps))
    rows.append(measure(cfg.ancestral_samples, sampler="ancestral", sample_steps=default.timesteps))
    guidance_rows = [measure(cfg.num_samples, guidance=w) for w in cfg.guidance]
    default_ddim, ancestral = rows[-2], rows[-1]
    write_csv(paths.PLOTS / "sweep" / f"{MODEL}.csv", rows)
    write_csv(paths.PLOTS / "sweep" / f"{MODEL}_guidance.csv", guidance_rows)
    write_json(paths.METRICS / "sweep" / f"{MODEL}.json", {
        "device": device_name(device),
        "precision": "bfloat16 autocast" if default.mixed_precision else "float32",
        "guidance": default.guidance,
        "settings": {f"{r['sampler']}_{r['sample_steps']}_n{r['num_samples']}": r for r in rows},
        "guidance_settings": {f"guidance_{r['guidance']:g}_n{r['num_samples']}": r
                              for r in guidance_rows},
        "default_ddim_steps": default.sample_steps,
        "compared_on_samples": cfg.ancestral_samples,
        "speedup_default_vs_ancestral": ancestral["seconds_per_1000"] / default_ddim["seconds_per_1000"],
        "fid_ratio_default_vs_ancestral": default_ddim["fid"] / ancestral["fid"],
    })


if __name__ == "__main__":
    cli.run(main)
