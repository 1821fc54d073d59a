"""The web app under concurrent clients on loopback: every answer a valid PNG or the queue
gate's 503, never more generations at once than the gate admits, the server answering after,
and heavy requests whose clients give up stopped while a cheap one is answered. (Correctness
only: the latency figures are benchmarks/serve_load.py's.)"""

import dataclasses
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import model_spec
from genbench.serving.app import Catalog, ServedModel, create_app, create_server
from genbench.serving.loadtest import answering, check_loopback, run_load

WORKERS, QUEUE = 1, 2


class Counting:
    """Wraps a model: counts the generations running at once."""

    def __init__(self, model):
        self.model, self.now, self.most, self.stopped, self.lock = model, 0, 0, 0, threading.Lock()

    def __getattr__(self, name):
        return getattr(self.model, name)

    def generate(self, *args, **kwargs):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self.model.generate(*args, **kwargs)
        except Exception:
            self.stopped += 1
            raise
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture(scope="module")
def server():
    wrapped = {}
    served = []
    for name, changes in (("cgan", {}), ("ddpm", {"width": 24})):  # a DDPM slow enough to abandon
        spec = model_spec(name, **changes)
        wrapped[name] = Counting(spec.cls(spec.config).eval())
        served.append(ServedModel(name, lambda m=wrapped[name]: m, spec.cls.conditional,
                                  dataclasses.asdict(spec.sampling)))
    app = create_app(Catalog(served), workers=WORKERS, queue=QUEUE)
    httpd = create_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.effective_port}/", wrapped, app.extensions["genbench.gates"]
    httpd.close()


@pytest.mark.parametrize("model", ["cgan", "ddpm"])
@pytest.mark.parametrize("clients", [1, 4, 16])
def test_concurrent_clients_get_pngs_or_503s_and_the_server_survives(server, model, clients):
    url, wrapped, gates = server
    gate = gates[model]
    outcome = run_load(url, {"model": model, "count": 16, "steps": 2} if model == "ddpm"
                       else {"model": model, "count": 16}, clients, requests_per_client=3, time_limit=60)
    assert outcome.errors == []
    assert outcome.requests == 3 * clients and len(outcome.ok_seconds) >= 1
    if clients <= WORKERS + QUEUE:
        assert outcome.busy == 0  # the gate only refuses beyond its capacity
    assert wrapped[model].most <= WORKERS
    assert gate.admitted_count() == 0
    assert answering(url)


CHEAP_WITHIN = 10.0  # seconds: the bound on a 4-image cGAN grid while heavy DDPM requests are abandoned


def abandon(port: int, query: str, after: float) -> None:
    """A client that asks and hangs up after ``after`` seconds without reading the answer."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(f"GET /api/generate.png?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        time.sleep(after)


def test_abandoned_heavy_requests_stop_and_never_hold_up_a_cheap_one(server):
    url, wrapped, gates = server
    port = int(url.rsplit(":", 1)[1].strip("/"))
    heavy = "model=ddpm&count=64&steps=40&guidance=2&seed={}"  # 64 x 80 network passes: the most allowed
    clients = [threading.Thread(target=abandon, args=(port, heavy.format(i), 0.5)) for i in range(5)]
    for client in clients:
        client.start()
    time.sleep(0.2)
    start = time.perf_counter()
    with urllib.request.urlopen(f"{url}api/generate.png?model=cgan&count=4", timeout=CHEAP_WITHIN) as answer:
        assert answer.status == 200 and answer.read()[:8] == b"\x89PNG\r\n\x1a\n"
    assert time.perf_counter() - start < CHEAP_WITHIN
    for client in clients:
        client.join()
    for _ in range(300):  # the abandoned generations stop (or give up their queue place) soon after
        if gates["ddpm"].admitted_count() == 0:
            break
        time.sleep(0.1)
    assert gates["ddpm"].admitted_count() == 0
    assert wrapped["ddpm"].stopped >= 1 and wrapped["ddpm"].most <= WORKERS
    assert answering(url)


def test_a_request_over_the_work_bound_is_a_400_naming_it(server):
    url, _, _ = server
    try:
        urllib.request.urlopen(f"{url}api/generate.png?model=ddpm&count=256&sampler=ancestral", timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 400
        assert error.read().decode().startswith("count x network passes per image = 256 x 100 = 25,600; at most 5,120")
    else:
        raise AssertionError("not refused")


def test_a_load_test_refuses_any_address_but_this_machines():
    for url in ("http://127.0.0.1:5000/", "http://localhost:5000/", "http://[::1]:5000/"):
        check_loopback(url)
    for url in ("http://10.0.0.1:5000/", "http://192.168.1.2/", "http://example.org/"):
        with pytest.raises(ValueError, match="only targets this machine"):
            check_loopback(url)
