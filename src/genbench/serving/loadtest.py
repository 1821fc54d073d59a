"""A bounded load on a running `genbench serve`: concurrent clients asking for grids, and what
they got back (latencies, throughput, the queue gate's 503s, anything else that went wrong).

Used by benchmarks/serve_load.py (figures for the docs) and tests/test_load.py (correctness
under load). Only loopback addresses are accepted: a load test never leaves this machine.
"""

from __future__ import annotations

import ipaddress
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class Outcome:
    """What one level of load got back: a latency per answered request, by kind."""
    clients: int
    wall_seconds: float = 0.0
    ok_seconds: list[float] = field(default_factory=list)  # valid PNGs
    busy: int = 0  # 503 from the queue gate
    errors: list[str] = field(default_factory=list)  # anything else: must stay empty

    @property
    def requests(self) -> int:
        return len(self.ok_seconds) + self.busy + len(self.errors)

    def summary(self) -> dict:
        lat = sorted(self.ok_seconds)
        pick = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]) if lat else (lambda q: None)
        return {"clients": self.clients, "requests": self.requests, "ok": len(lat), "busy_503": self.busy,
                "errors": len(self.errors),
                "p50_s": statistics.median(lat) if lat else None, "p95_s": pick(0.95),
                "max_s": lat[-1] if lat else None,
                "throughput_per_s": len(lat) / self.wall_seconds if self.wall_seconds else None}


def check_loopback(base_url: str) -> None:
    host = urllib.parse.urlsplit(base_url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        loopback = False
    if not loopback:
        raise ValueError(f"{base_url}: a load test only targets this machine (127.0.0.0/8, ::1, localhost)")


def fetch(url: str, timeout: float) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def run_load(base_url: str, query: dict, clients: int, requests_per_client: int,
             time_limit: float, timeout: float = 120.0) -> Outcome:
    """``clients`` threads, each sending up to ``requests_per_client`` requests for
    /api/generate.png?``query`` (seed varied per request) one after another, none started
    after ``time_limit`` seconds."""
    check_loopback(base_url)
    outcome, lock = Outcome(clients), threading.Lock()
    start = time.perf_counter()

    def client(index: int):
        for i in range(requests_per_client):
            if time.perf_counter() - start > time_limit:
                return
            args = urllib.parse.urlencode({**query, "seed": index * 1000 + i})
            sent = time.perf_counter()
            try:
                status, body = fetch(f"{base_url.rstrip('/')}/api/generate.png?{args}", timeout)
            except OSError as exc:  # refused, reset, timed out
                status, body = None, repr(exc).encode()
            seconds = time.perf_counter() - sent
            with lock:
                if status == 200 and body.startswith(PNG_MAGIC):
                    outcome.ok_seconds.append(seconds)
                elif status == 503:
                    outcome.busy += 1
                else:
                    outcome.errors.append(f"{status}: {body[:200]!r}")

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_limit + timeout)
    outcome.wall_seconds = time.perf_counter() - start
    return outcome


def answering(base_url: str, timeout: float = 10.0) -> bool:
    """Whether the server still lists its models."""
    try:
        status, _ = fetch(f"{base_url.rstrip('/')}/api/models", timeout)
    except OSError:
        return False
    return status == 200
