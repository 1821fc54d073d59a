"""Latency of `genbench serve` under concurrent clients, on loopback: p50 / p95 / max, throughput,
the queue gate's 503s, and the server's memory, for a fast model and the DDPM.

Starts the server on this project's trained checkpoints (`dvc repro` first), loads it with 1, 4
and 16 clients per model (each a bounded number of requests, none started after --time-limit),
checks it still answers, and stops it.

    python benchmarks/serve_load.py --out benchmarks/results/serve_load.json
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import torch

from genbench.serving.loadtest import answering, run_load
from genbench.runtime import cpu_model

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["cgan", "ddpm"])
    parser.add_argument("--clients", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--count", type=int, default=64, help="images per grid")
    parser.add_argument("--requests", type=int, default=6, help="per client and level")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queue", type=int, default=4)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "genbench", "serve", "--port", str(port),
                               "--workers", str(args.workers), "--queue", str(args.queue)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        deadline = time.time() + 60
        while not answering(base, timeout=2):
            if server.poll() is not None or time.time() > deadline:
                sys.exit("the server did not start")
            time.sleep(0.5)
        for model in args.models:
            run_load(base, {"model": model, "count": args.count}, 1, 1, args.time_limit)  # loads the model
            for clients in args.clients:
                outcome = run_load(base, {"model": model, "count": args.count}, clients, args.requests,
                                   args.time_limit)
                row = {"model": model, "count": args.count, **outcome.summary(),
                       "server_rss_mb": round(rss_mb(server.pid), 1)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                for error in outcome.errors[:3]:
                    print("  error:", error, flush=True)
        alive = answering(base)
    finally:
        server.terminate()
        server.wait(30)
    result = {"machine": f"{cpu_model()}, {torch.get_num_threads()} torch threads", "torch": torch.__version__,
              "workers": args.workers, "queue": args.queue, "answering_after": alive, "levels": rows}
    print(f"# {result['machine']}; server still answering after: {alive}")
    print("| model | clients | requests | ok | 503 | p50 s | p95 s | max s | grids/s | server RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        fmt = lambda v: "-" if v is None else f"{v:.2f}"
        print(f"| {r['model']} | {r['clients']} | {r['requests']} | {r['ok']} | {r['busy_503']} | {fmt(r['p50_s'])} "
              f"| {fmt(r['p95_s'])} | {fmt(r['max_s'])} | {fmt(r['throughput_per_s'])} | {r['server_rss_mb']:.0f} |")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    if not alive or any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
