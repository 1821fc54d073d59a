#!/usr/bin/env bash
# The whole protocol on a GPU: every model 50 epochs, all models at once (python -m
# genbench.experiments.parallel), scored with the committed CPU run's yardstick, into
# results/gpu-<GPU>-epochs50/. For a lent GPU machine that has PyTorch but no DVC and no
# network, so it needs, beside the checkout: .gpu/mnist (the MNIST IDX files, gzipped, made
# by `prepare` here) and the yardstick's files data/evaluator/ and data/reference/ (`dvc pull`).
#
#   bash benchmarks/gpu.sh prepare       # here: fill .gpu/mnist
#   bash benchmarks/gpu.sh run [ARGS]    # there: ARGS go to genbench.experiments.parallel (--workdir DIR)
#
# GPU settings, for speed: the DDPM's U-Net compiled with CUDA graphs (reduce-overhead;
# trained eagerly again if compiling fails there), the GANs in float32 (bfloat16 autocast
# measured as fast to 20 % slower for them on an H200: results/gpu-nvidia-h200-epochs50/
# models_step_alone.txt), and sampling in batches of 1,000. Everything else is params.yaml's,
# as in the CPU run.
# `exec`: a `timeout` around this script stops the runner itself, which keeps what finished.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = prepare ]; then
  mkdir -p .gpu/mnist
  for f in data/mnist/MNIST/raw/*-ubyte; do gzip -9c "$f" > ".gpu/mnist/$(basename "$f").gz"; done
  grep -qx '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
  du -sh .gpu
  exit 0
fi
[ "${1:-}" = run ] || { echo "usage: $0 prepare | run [genbench.experiments.parallel arguments]" >&2; exit 2; }
shift

export PYTHONPATH="$PWD/src" PYTHONUNBUFFERED=1
mnist=()
[ -d .gpu/mnist ] && mnist=(--set "data.local_dir=$PWD/.gpu/mnist")
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
gans=()
for m in gan cgan dcgan cdcgan wgan_gp; do gans+=(--set "models.$m.train.precision=float32"); done
exec "${PYTHON:-python3}" -m genbench.experiments.parallel --set epochs=50 --set device=cuda \
  --set models.ddpm.train.compile=reduce-overhead --fallback models.ddpm.train.compile=none "${gans[@]}" \
  --set sample.batch_size=1000 --set sweep.ddpm.batch_size=1000 ${mnist[@]+"${mnist[@]}"} \
  --out 'results/gpu-{device}-epochs{epochs}' "$@"
