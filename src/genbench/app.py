"""Digits on demand in a browser: a Flask app over the trained models, served by waitress.

The page lists every model of params.yaml with its scorecard row and draws a grid for the
chosen model, digit (conditional models; blank for random digits), count, seed and sampler
settings, with the time taken and a PNG download. The API does the same:
``/api/generate.png`` answers the PNG, ``/api/generate`` JSON with the PNG in base64, and
``/api/models`` lists the models. Models are loaded once and kept. Generations run
``workers`` at a time with at most ``queue`` more waiting; a request beyond that gets a 503,
so a burst cannot exhaust memory. Every bad input gets a 400 with a one-line reason.
"""

from __future__ import annotations

import base64
import dataclasses
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import Flask, Response, jsonify, render_template_string, request

from genbench.errors import ConfigError
from genbench.ondemand import draw, png_grid, sampler_settings

MAX_COUNT = 256  # images per request: bounds a request's memory and time
MAX_SEED = 2**32 - 1
SUMMARY_KEYS = ("fid", "label_accuracy", "sample_seconds_per_1000")


class BadRequest(ValueError):
    """An input the app refuses, with the one-line reason."""


class Busy(RuntimeError):
    """Every generation slot and every queue place is taken."""


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
    def __call__(self):
        with self._lock:
            if self._admitted >= self.capacity:
                raise Busy(f"busy: {self.capacity} generations running or waiting, try again shortly")
            self._admitted += 1
        try:
            with self.running:
                yield
        finally:
            with self._lock:
                self._admitted -= 1


@dataclass
class ServedModel:
    """One model the app offers: how to load it, its params' sampler settings, its
    scorecard row, and, when its checkpoint is missing, the command that makes it."""
    name: str
    load: Callable
    conditional: bool
    settings: dict
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


def _setting(raw: str, key: str):
    """A sampler setting from text: an integer, a number or a word."""
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    if key in ("steps", "guidance", "eta"):
        raise BadRequest(f"{key}: expected a number, got {raw!r}")
    return raw


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
            "changes": {k: _setting(args[k], k) for k in served.settings if args.get(k, "") != ""}}


def create_app(catalog: Catalog, workers: int = 1, queue: int = 4) -> Flask:
    app = Flask(__name__)
    gate = app.extensions["genbench.gate"] = Gate(workers, queue)

    def generate(args) -> tuple[bytes, dict]:
        spec = parse_request(args, catalog)
        served = catalog.models[spec["model"]]
        if served.missing:
            raise FileNotFoundError(served.missing)
        with gate():
            model = catalog.loaded(served.name)
            try:
                settings = sampler_settings(model, served.settings, spec["changes"])
            except ConfigError as exc:
                raise BadRequest(str(exc)) from None
            images, labels, seconds = draw(model, spec["count"], spec["seed"], spec["digits"], **settings)
        return png_grid(images), {"model": served.name, "count": spec["count"], "seed": spec["seed"],
                                  "digits": labels.tolist(), "settings": settings, "seconds": seconds}

    @app.errorhandler(BadRequest)
    def bad_request(exc):
        return Response(str(exc) + "\n", status=400, mimetype="text/plain")

    @app.errorhandler(Busy)
    def busy(exc):
        return Response(str(exc) + "\n", status=503, mimetype="text/plain", headers={"Retry-After": "5"})

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
    from genbench.utils import read_csv

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
        served.append(ServedModel(name, lambda c=checkpoint: load_checkpoint(c, device), spec.cls.conditional,
                                  dataclasses.asdict(spec.sampling),
                                  {k: rows.get(name, {}).get(k) for k in SUMMARY_KEYS}, missing))
    return Catalog(served)


def serve(catalog: Catalog, host: str, port: int, workers: int, queue: int) -> None:
    import waitress

    print(f"serving {', '.join(catalog.models)} on http://{host}:{port}/")
    # More server threads than the gate admits, so requests beyond it get their 503 at once.
    waitress.serve(create_app(catalog, workers, queue), host=host, port=port, threads=workers + queue + 4)


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
