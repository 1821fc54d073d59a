"""Digits on demand in a browser: a Flask app over the trained models, served by waitress.

The page lists every model of params.yaml with its scorecard row and draws a grid for the
chosen model, digit (conditional models; blank for random digits), count, seed and sampler
settings, with the time taken and a PNG download. The API does the same:
``/api/generate.png`` answers the PNG, ``/api/generate`` JSON with the PNG in base64, and
``/api/models`` lists the models. Models are loaded once and kept.

One request's work is bounded: count x network passes per image (``MAX_WORK``), so a 1,000-step
DDPM grid of 256 is refused up front. Each model has its own gate, ``workers`` generations at
a time with at most ``queue`` more waiting (beyond: 503 at once), so a busy DDPM never holds
up the GANs. A generation stops between two network passes when its client has gone or its
``DEADLINE`` has passed. Every bad input gets a 400 with a one-line reason.
"""

from __future__ import annotations

import base64
import dataclasses
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from flask import Flask, Response, jsonify, render_template_string, request

from genbench.config import MAX_SEED
from genbench.errors import ConfigError, DivergenceError
from genbench.results.catalogue import APP_SUMMARY
from genbench.serving.ondemand import draw, png_grid, sampler_settings

MAX_COUNT = 256  # images per request: bounds a request's memory
MAX_WORK = 5120  # images x network passes per image: 256 images of the default DDPM, about 20 s on 2 cores
DEADLINE = 60.0  # seconds from admission after which a generation is stopped


class BadRequest(ValueError):
    """An input the app refuses, with the one-line reason."""


class Busy(RuntimeError):
    """Every generation slot and every queue place is taken."""


class Stopped(RuntimeError):
    """A generation given up: its client has gone or its deadline has passed."""


class Gate:
    """At most ``workers`` generations at a time and ``queue`` more waiting; beyond, Busy."""

    def __init__(self, workers: int, queue: int):
        self.running = threading.Semaphore(workers)
        self.capacity = workers + queue
        self._admitted = 0
        self._lock = threading.Lock()

    def admitted_count(self) -> int:
        return self._admitted

    @contextmanager
    def __call__(self, check=lambda: None):
        """Hold a generation slot; ``check`` raises Stopped while waiting for one."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise Busy(f"busy: {self.capacity} generations running or waiting, try again shortly")
            self._admitted += 1
        try:
            while not self.running.acquire(timeout=0.2):
                check()
            try:
                yield
            finally:
                self.running.release()
        finally:
            with self._lock:
                self._admitted -= 1


_current = threading.local()  # the running request's stop check, per server thread


def _stop_if_asked(module, inputs) -> None:
    """A forward pre-hook on every module: stop this thread's generation when asked."""
    check = getattr(_current, "check", None)
    if check is not None:
        check()


_hook = []  # the one global hook, registered by the first stoppable generation


@contextmanager
def stoppable(check):
    """Run a generation that ``check()`` (called before every module's forward) may stop."""
    if not _hook:
        _hook.append(torch.nn.modules.module.register_module_forward_pre_hook(_stop_if_asked))
    _current.check = check
    try:
        yield
    finally:
        _current.check = None


def stop_check(deadline: float, client_gone=None, every: float = 0.05):
    """A check raising Stopped once ``deadline`` (time.monotonic) has passed or
    ``client_gone()`` says so, looking at most every ``every`` seconds."""
    last = [0.0]

    def check():
        now = time.monotonic()
        if now - last[0] < every:
            return
        last[0] = now
        if now > deadline:
            raise Stopped(f"stopped: the generation passed its {DEADLINE:.0f} s deadline")
        if client_gone is not None and client_gone():
            raise Stopped("stopped: the client has gone")
    return check


@dataclass
class ServedModel:
    """One model the app offers: how to load it, its params' sampler settings, its
    scorecard row, and, when its checkpoint is missing, the command that makes it."""
    name: str
    load: Callable
    conditional: bool
    settings: dict  # the Sampling fields' values in params.yaml (their types are the fields')
    scorecard: dict = field(default_factory=dict)
    missing: str | None = None


class Catalog:
    """The served models, each loaded on first use and then kept."""

    def __init__(self, models: list[ServedModel]):
        self.models = {m.name: m for m in models}
        self._loaded: dict = {}
        self._lock = threading.Lock()

    def loaded(self, name: str):
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = self.models[name].load()
            return self._loaded[name]


def _integer(args, key: str, default: int, low: int, high: int) -> int:
    raw = args.get(key, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{key}: expected an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{key}: must be between {low} and {high}, got {value}")
    return value


def _setting(raw: str, key: str, kind: type):
    """A sampler setting from text, as its Sampling field's type (int, float or str)."""
    try:
        return kind(raw)
    except ValueError:
        expected = {int: "an integer", float: "a number"}.get(kind, kind.__name__)
        raise BadRequest(f"{key}: expected {expected}, got {raw!r}") from None


def parse_request(args, catalog: Catalog) -> dict:
    """The request's model, count, seed, digits and sampler settings, or BadRequest."""
    name = args.get("model", "")
    if name not in catalog.models:
        raise BadRequest(f"model: unknown {name!r} (one of {', '.join(catalog.models)})")
    served = catalog.models[name]
    reserved = {"model", "count", "seed", "digit"}
    unknown = [k for k in args if k not in reserved and k not in served.settings]
    if unknown:
        raise BadRequest(f"{unknown[0]}: not a setting of {name} "
                         f"({', '.join(list(reserved) + list(served.settings))})")
    digit = args.get("digit", "")
    if digit not in ("", "random"):
        if not served.conditional:
            raise BadRequest(f"digit: {name} is unconditional, leave the digit blank")
        digit = _integer(args, "digit", 0, 0, 9)
    return {"model": name, "count": _integer(args, "count", 16, 1, MAX_COUNT),
            "seed": _integer(args, "seed", 0, 0, MAX_SEED),
            "digits": None if digit in ("", "random") else [digit],
            "changes": {k: _setting(args[k], k, type(served.settings[k])) for k in served.settings
                        if args.get(k, "") != ""}}


def check_work(model, count: int, settings: dict) -> None:
    """BadRequest when count x network passes per image is over MAX_WORK."""
    passes = model.network_evaluations(**settings)
    if count * passes > MAX_WORK:
        raise BadRequest(f"count x network passes per image = {count} x {passes} = {count * passes:,}; at most "
                         f"{MAX_WORK:,} per request (about 20 s on 2 CPU cores): ask for fewer images or steps")


def create_app(catalog: Catalog, workers: int = 1, queue: int = 4) -> Flask:
    app = Flask(__name__)
    gates = app.extensions["genbench.gates"] = {name: Gate(workers, queue) for name in catalog.models}

    def generate(args) -> tuple[bytes, dict]:
        spec = parse_request(args, catalog)
        served = catalog.models[spec["model"]]
        if served.missing:
            raise FileNotFoundError(served.missing)
        check = stop_check(time.monotonic() + DEADLINE, request.environ.get("waitress.client_disconnected"))
        with gates[served.name](check):
            model = catalog.loaded(served.name)
            try:
                settings = sampler_settings(model, served.settings, spec["changes"])
            except ConfigError as exc:
                raise BadRequest(str(exc)) from None
            check_work(model, spec["count"], settings)
            with stoppable(check):
                images, labels, seconds = draw(model, spec["count"], spec["seed"], spec["digits"], **settings)
        return png_grid(images), {"model": served.name, "count": spec["count"], "seed": spec["seed"],
                                  "digits": labels.tolist(), "settings": settings, "seconds": seconds}

    @app.errorhandler(BadRequest)
    def bad_request(exc):
        return Response(str(exc) + "\n", status=400, mimetype="text/plain")

    @app.errorhandler(Busy)
    def busy(exc):
        return Response(str(exc) + "\n", status=503, mimetype="text/plain", headers={"Retry-After": "5"})

    @app.errorhandler(Stopped)
    def stopped(exc):
        return Response(str(exc) + "\n", status=503, mimetype="text/plain")

    @app.errorhandler(DivergenceError)
    def diverged(exc):
        return Response(str(exc) + "\n", status=500, mimetype="text/plain")

    @app.errorhandler(FileNotFoundError)
    def missing(exc):
        return Response(str(exc) + "\n", status=404, mimetype="text/plain")

    @app.get("/api/models")
    def models():
        return jsonify([{"name": m.name, "conditional": m.conditional, "settings": m.settings,
                         "scorecard": m.scorecard, "available": m.missing is None, "missing": m.missing}
                        for m in catalog.models.values()])

    @app.get("/api/generate.png")
    def generate_png():
        png, info = generate(request.args)
        return Response(png, mimetype="image/png", headers={"X-Generation-Seconds": f"{info['seconds']:.3f}"})

    @app.get("/api/generate")
    def generate_json():
        png, info = generate(request.args)
        return jsonify({**info, "png_base64": base64.b64encode(png).decode()})

    @app.get("/")
    def page():
        return render_template_string(PAGE, models=list(catalog.models.values()), max_count=MAX_COUNT)

    return app


def project_catalog(root: Path, device) -> Catalog:
    """The models of the project at ``root``: params.yaml's sections, the checkpoints and
    the summary table at the paths dvc.yaml gives."""
    from genbench.config import load_params
    from genbench.layout import stage_path
    from genbench.models import load_checkpoint, model_spec
    from genbench.files import read_csv

    params = load_params(root / "params.yaml")
    summary = stage_path("normalize", root=root)
    rows = {r["model"]: r for r in read_csv(summary)} if summary.is_file() else {}
    served = []
    for name in params.models:
        spec = model_spec(params, name)
        checkpoint = stage_path("train", name, root=root)
        missing = None if checkpoint.is_file() else (
            f"{name}: no checkpoint at {checkpoint.relative_to(root)}; `dvc repro train@{name}` trains it "
            f"(or `dvc pull` fetches it from a shared remote)")
        load = lambda c=checkpoint, n=name: load_checkpoint(c, device, expect=n)  # noqa: E731
        served.append(ServedModel(name, load, spec.cls.conditional,
                                  dataclasses.asdict(spec.sampling),
                                  {k: rows.get(name, {}).get(k) for k in APP_SUMMARY}, missing))
    return Catalog(served)


def create_server(app: Flask, host: str, port: int):
    """The waitress server of ``app`` (not started): more threads than its gates admit, so
    requests beyond them get their 503 at once; a lookahead, so a generation sees its client leave."""
    import waitress

    threads = sum(gate.capacity for gate in app.extensions["genbench.gates"].values()) + 4
    return waitress.create_server(app, host=host, port=port, threads=threads, channel_request_lookahead=1)


def serve(catalog: Catalog, host: str, port: int, workers: int, queue: int) -> None:
    server = create_server(create_app(catalog, workers, queue), host, port)
    print(f"serving {', '.join(catalog.models)} on http://{host}:{server.effective_port}/", flush=True)
    server.run()


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>genbench: digits on demand</title>
<style>
  body { font-family: sans-serif; margin: 2em; max-width: 60em; }
  [hidden] { display: none !important; }
  table { border-collapse: collapse; margin-bottom: 1.5em; }
  td, th { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
  td:first-child, th:first-child { text-align: left; }
  label { display: inline-block; margin-right: 1.2em; }
  .missing { color: #a00; }
  #error { color: #a00; white-space: pre-wrap; }
  #result img { image-rendering: pixelated; width: 604px; max-width: 100%; border: 1px solid #ccc; }
</style>
</head>
<body>
<h1>Digits on demand</h1>
<table>
  <tr><th>model</th><th>FID</th><th>label accuracy</th><th>s / 1,000 samples</th></tr>
  {% for m in models %}
  <tr><td>{{ m.name }}</td>
    {% if m.missing %}<td colspan="3" class="missing">{{ m.missing }}</td>
    {% else %}
    <td>{{ "%.1f"|format(m.scorecard.fid) if m.scorecard.fid is not none else "–" }}</td>
    <td>{{ "%.3f"|format(m.scorecard.label_accuracy) if m.scorecard.label_accuracy is not none else "–" }}</td>
    <td>{{ "%.3f"|format(m.scorecard.sample_seconds_per_1000) if m.scorecard.sample_seconds_per_1000 is not none else "–" }}</td>
    {% endif %}</tr>
  {% endfor %}
</table>
<form id="form">
  <label>model <select name="model" id="model">
    {% for m in models %}<option value="{{ m.name }}" data-conditional="{{ m.conditional|lower }}"
      data-settings="{{ m.settings|tojson|forceescape }}" {{ "disabled" if m.missing }}>{{ m.name }}</option>{% endfor %}
  </select></label>
  <label id="digit-field">digit <select name="digit" id="digit"><option value="">random</option>
    {% for d in range(10) %}<option value="{{ d }}">{{ d }}</option>{% endfor %}</select></label>
  <label>count <input name="count" id="count" type="number" min="1" max="{{ max_count }}" value="16"></label>
  <label>seed <input name="seed" id="seed" type="number" min="0" value="0"></label>
  <label id="steps-field">steps <input name="steps" id="steps" type="number" min="1"></label>
  <label id="guidance-field">guidance <input name="guidance" id="guidance" type="number" min="0" step="0.5"></label>
  <button type="submit" id="generate">Generate images</button>
</form>
<p id="error"></p>
<div id="result" hidden>
  <p><span id="seconds"></span> <a id="download" download>download PNG</a></p>
  <img id="grid" alt="generated digits">
</div>
<script>
const form = document.getElementById("form"), model = document.getElementById("model");
function showFields() {
  const option = model.selectedOptions[0];
  const settings = JSON.parse(option.dataset.settings);
  document.getElementById("digit-field").hidden = option.dataset.conditional !== "true";
  for (const key of ["steps", "guidance"]) {
    document.getElementById(key + "-field").hidden = !(key in settings);
    document.getElementById(key).value = key in settings ? settings[key] : "";
  }
}
model.addEventListener("change", showFields);
showFields();
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (!document.getElementById(key).closest("label").hidden && value !== "") query.set(key, value);
  }
  const error = document.getElementById("error"), result = document.getElementById("result");
  error.textContent = "generating...";
  const response = await fetch("/api/generate.png?" + query);
  if (!response.ok) { error.textContent = await response.text(); result.hidden = true; return; }
  const url = URL.createObjectURL(await response.blob());
  document.getElementById("grid").src = url;
  const download = document.getElementById("download");
  download.href = url;
  download.download = `${query.get("model")}-seed${query.get("seed") || 0}.png`;
  document.getElementById("seconds").textContent =
    `${query.get("model")}: generated in ${response.headers.get("X-Generation-Seconds")} s`;
  error.textContent = "";
  result.hidden = false;
});
</script>
</body>
</html>
"""
