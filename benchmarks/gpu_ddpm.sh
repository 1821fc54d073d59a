#!/usr/bin/env bash
# The DDPM stages on a GPU with epochs=50 (issue: "fast to sample"), outside DVC.
#
# Runs on a lent GPU machine whose image has PyTorch but no DVC: the stages' commands are
# read from dvc.yaml and run directly, in its order, on a copy of params.yaml with
# device=cuda and the GPU settings below. Inputs it needs in .gpu/ (made by `prepare`
# here, from a finished CPU run): the MNIST IDX files (gzipped), the evaluator and the
# real-data reference features, so the scores use the very same evaluator as the CPU run.
#
#   bash benchmarks/gpu_ddpm.sh prepare     # here: fill .gpu/
#   bash benchmarks/gpu_ddpm.sh run         # there: writes results under $OUT (or .gpu/out)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = prepare ]; then
  mkdir -p .gpu/mnist
  for f in data/mnist/MNIST/raw/*-ubyte; do gzip -9c "$f" > ".gpu/mnist/$(basename "$f").gz"; done
  cp data/evaluator/evaluator.pt data/reference/features.pt .gpu/
  grep -qx '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
  du -sh .gpu
  exit 0
fi

OUT=${OUT:-.gpu/out}
mkdir -p "$OUT" data/evaluator data/reference
cp .gpu/evaluator.pt data/evaluator/evaluator.pt
cp .gpu/features.pt data/reference/features.pt
export PYTHONPATH=src PYTHONUNBUFFERED=1
python3 - <<'PY'
import yaml
p = yaml.safe_load(open("params.yaml"))
p["device"] = "cuda"
p["data"]["local_dir"] = ".gpu/mnist"
d = p["models"]["ddpm"]["train"]
import os
d.update(epochs=int(os.environ.get("GPU_EPOCHS", 50)), width=64, ema_decay=0.999)
p["sample"]["batch_size"] = 1000  # large batches pay on a GPU
p["sweep"]["ddpm"]["batch_size"] = 1000
for series in p["sweep"]["ddpm"]["series"]:
    series["num_samples"] = 1000
yaml.safe_dump(p, open("params.yaml", "w"), sort_keys=False)
print("ddpm params:", d)
PY
# The command of stage NAME@MODEL as dvc.yaml writes it (${key} and ${item.family} resolved).
stage_cmd() {
  python3 - "$1" <<'PY'
import sys, yaml
stage, model = sys.argv[1].split("@")
params = yaml.safe_load(open("params.yaml"))
cmd = yaml.safe_load(open("dvc.yaml"))["stages"][stage]
cmd = cmd["do"]["cmd"] if "do" in cmd else cmd["cmd"]
print(cmd.replace("${key}", model).replace("${item.family}", params["models"][model]["family"]))
PY
}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/gpu.txt"
eval "$(python3 -c 'import yaml; print(yaml.safe_load(open("dvc.yaml"))["stages"]["download"]["cmd"])' | sed 's/^python /python3 /')"
for stage in train@ddpm sample@ddpm grids@ddpm score@ddpm sweep@ddpm; do
  start=$SECONDS
  eval "$(stage_cmd "$stage" | sed 's/^python /python3 /')" 2>&1 | tr '\r' '\n' | grep -v 'it/s' | tee -a "$OUT/log.txt"
  echo "stage ${stage}: $((SECONDS - start)) s" | tee -a "$OUT/log.txt"
done
cp metrics/train/ddpm.json "$OUT/train.json"
cp metrics/timings/train/ddpm.json "$OUT/train_timings.json"
cp metrics/timings/sample/ddpm.json "$OUT/sample.json"
cp metrics/scores/ddpm.json "$OUT/scores.json"
cp metrics/sweep/ddpm.json "$OUT/sweep.json"
cp -r plots/sweep/ddpm "$OUT/sweep"
cp plots/history/ddpm.csv "$OUT/history.csv"
cp plots/samples/ddpm/digits.png "$OUT/digits.png"
