"""The web app under concurrent clients on loopback: every answer a valid PNG or the queue
gate's 503, never more generations at once than the gate admits, and the server answering
after. (Correctness only: the latency figures are benchmarks/serve_load.py's.)"""

import dataclasses
import threading

import pytest
import waitress

from conftest import model_spec
from genbench.app import Catalog, ServedModel, create_app
from genbench.loadtest import answering, check_loopback, run_load

WORKERS, QUEUE = 1, 2


class Counting:
    """Wraps a model: counts the generations running at once."""

    def __init__(self, model):
        self.model, self.now, self.most, self.lock = model, 0, 0, threading.Lock()

    def __getattr__(self, name):
        return getattr(self.model, name)

    def generate(self, *args, **kwargs):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self.model.generate(*args, **kwargs)
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture(scope="module")
def server():
    wrapped = {}
    served = []
    for name in ("cgan", "ddpm"):
        spec = model_spec(name)
        wrapped[name] = Counting(spec.cls(spec.config).eval())
        served.append(ServedModel(name, lambda m=wrapped[name]: m, spec.cls.conditional,
                                  dataclasses.asdict(spec.sampling)))
    app = create_app(Catalog(served), workers=WORKERS, queue=QUEUE)
    httpd = waitress.create_server(app, host="127.0.0.1", port=0, threads=WORKERS + QUEUE + 16)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.effective_port}/", wrapped, app.extensions["genbench.gate"]
    httpd.close()


@pytest.mark.parametrize("model", ["cgan", "ddpm"])
@pytest.mark.parametrize("clients", [1, 4, 16])
def test_concurrent_clients_get_pngs_or_503s_and_the_server_survives(server, model, clients):
    url, wrapped, gate = server
    outcome = run_load(url, {"model": model, "count": 16, "steps": 2} if model == "ddpm"
                       else {"model": model, "count": 16}, clients, requests_per_client=3, time_limit=60)
    assert outcome.errors == []
    assert outcome.requests == 3 * clients and len(outcome.ok_seconds) >= 1
    if clients <= WORKERS + QUEUE:
        assert outcome.busy == 0  # the gate only refuses beyond its capacity
    assert wrapped[model].most <= WORKERS
    assert gate.admitted_count() == 0
    assert answering(url)


def test_a_load_test_refuses_any_address_but_this_machines():
    for url in ("http://127.0.0.1:5000/", "http://localhost:5000/", "http://[::1]:5000/"):
        check_loopback(url)
    for url in ("http://10.0.0.1:5000/", "http://192.168.1.2/", "http://example.org/"):
        with pytest.raises(ValueError, match="only targets this machine"):
            check_loopback(url)
