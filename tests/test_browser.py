"""The web app in a real browser: headless Debian chromium, driven by Playwright, opens the
page served by waitress on loopback, picks a conditional model and a digit, clicks
"Generate images", and the evaluator reads the requested digit in the grid that appears."""

import base64
import io
import os
import shutil
import threading

import numpy as np
import pytest
import torch
from PIL import Image

from genbench.serving.app import Catalog, ServedModel, create_app
from genbench.data import load_split
from genbench.scoring.evaluator import SHIPPED, embed, load_evaluator
from genbench.models.base import NoSettings
from genbench.serving.ondemand import grid_size

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class RealDigits(torch.nn.Module):
    """A conditional 'model' answering a request for digit d with real test images of d:
    what a perfect model would draw, so the test checks the app, not a model's quality."""
    name, conditional, config, Sampling = "real", True, None, NoSettings
    device = torch.device("cpu")

    def network_evaluations(self, **settings):
        return 1

    def __init__(self, images, labels):
        super().__init__()
        self.images, self.labels = images, labels

    @staticmethod
    def check_settings(config, sampling, prefix):
        pass

    def generate(self, n, labels, generator):
        picks = [torch.nonzero(self.labels == d)[:, 0] for d in labels.tolist()]
        return torch.stack([self.images[p[torch.randint(len(p), (1,), generator=generator)]][0] for p in picks])


@pytest.fixture(scope="module")
def server(mnist_raw_dir):
    pytest.importorskip("playwright")
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("needs Debian's chromium: .ci/run must install it")
        pytest.skip("needs chromium")
    import waitress

    xt, yt = load_split(mnist_raw_dir, train=False)
    evaluator = load_evaluator(SHIPPED, "shipped")
    real = ServedModel("real", lambda: RealDigits(xt, yt), True, {}, {"fid": 0.0, "label_accuracy": 1.0,
                                                                       "sample_seconds_per_1000": 0.0})
    httpd = waitress.create_server(create_app(Catalog([real])), host="127.0.0.1", port=0)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.effective_port}/", evaluator
    httpd.close()


def test_generate_in_the_browser_draws_the_requested_digit(server):
    from playwright.sync_api import sync_playwright

    url, evaluator = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(url)
        page.select_option("#model", "real")
        assert page.is_visible("#digit") and page.is_hidden("#steps") and page.is_hidden("#guidance")
        page.select_option("#digit", "7")
        page.fill("#count", "20")
        page.click("#generate")
        page.wait_for_function("document.getElementById('grid').complete && "
                               "document.getElementById('grid').naturalWidth > 0", timeout=30_000)
        assert "generated in" in page.text_content("#seconds")
        png = base64.b64decode(page.evaluate("""async () => {
            const blob = await (await fetch(document.getElementById('grid').src)).blob();
            const bytes = new Uint8Array(await blob.arrayBuffer());
            let text = ''; for (const b of bytes) text += String.fromCharCode(b);
            return btoa(text); }"""))
        assert page.get_attribute("#download", "download") == "real-seed0.png"
        browser.close()
    grid = Image.open(io.BytesIO(png))
    assert grid.size == grid_size(20)
    pixels = torch.from_numpy(np.asarray(grid.convert("L"), dtype=np.float32)) / 255
    tiles = torch.stack([pixels[2 + 30 * r:30 + 30 * r, 2 + 30 * c:30 + 30 * c]
                         for r in range(2) for c in range(10)]).unsqueeze(1)
    _, probs = embed(evaluator, tiles)
    read_as_7 = (probs.argmax(1) == 7).float().mean().item()
    assert read_as_7 >= 0.8, f"the evaluator reads 7 in {read_as_7:.0%} of the grid"
