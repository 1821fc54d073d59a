"""The offline HTML report renders in headless Chromium with no network."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genbench.experiments.report import build_report

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args, profile):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=30000"]
    result = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    missing = [what for what, ok in [("chromium", CHROMIUM), ("node_modules (npm ci)", (ROOT / "node_modules").is_dir())] if not ok]
    if missing:
        message = f"needs {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: .ci/run must install it")
        pytest.skip(message)
    return build_report(ROOT, tmp_path_factory.mktemp("report"))


def test_report_loads_nothing_from_the_network(page):
    html = page.read_text()
    assert not re.search(r"<script[^>]+src=", html)
    assert "cdn.jsdelivr.net" not in html
    assert html.count("vegaEmbed(") >= 4  # the charts declared in dvc.yaml


def test_every_chart_draws_in_headless_chromium(page, tmp_path):
    html = page.read_text()
    charts, images = html.count("vegaEmbed("), len(re.findall(r"<img ", html))
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile1")
    drawn = len(re.findall(r"<canvas[^>]*class=\"marks\"", dom)) + len(re.findall(r"<svg[^>]*class=\"marks\"", dom))
    assert drawn == charts, f"{drawn} of {charts} charts drew"
    assert images >= len(list((ROOT / "plots" / "figures").glob("*.png")))
    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", "--window-size=1400,2400", page.as_uri(), profile=tmp_path / "profile2")
    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.std() > 10  # not a blank page
