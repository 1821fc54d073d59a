"""An HTML report of every DVC plot that renders offline.

`dvc plots show` writes a page that loads vega, vega-lite and vega-embed from a CDN, so it
is blank without a network. This builds the page from a template with the three libraries
inlined from their npm packages (`npm ci` installs the versions in package-lock.json).

    python -m genbench.experiments.report [--out DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

LIBRARIES = ["vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js",
             "vega-embed/build/vega-embed.min.js"]

TEMPLATE = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>genbench: generative models on MNIST</title>
  {inlined}
  <style>body {{ font-family: sans-serif; }} table {{ border-spacing: 15px; }}</style>
</head>
<body>
  <h1>genbench: generative models on MNIST</h1>
  <p>Every chart and figure below was produced by the DVC pipeline (<code>dvc repro</code>).</p>
  {{plot_divs}}
</body>
</html>
"""


def inline_script(source: str) -> str:
    """JavaScript made safe to put between <script> tags: the HTML parser ends a script at
    the first ``</script``, wherever it is, so write it ``<\\/script`` (the same string to JS)."""
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE)


def offline_template(node_modules: Path) -> str:
    """The page template with the chart libraries inlined (no {scripts}: nothing from a CDN)."""
    scripts = []
    for lib in LIBRARIES:
        path = node_modules / lib
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run `npm ci` in the project root")
        scripts.append(f"<script>\n{inline_script(path.read_text(encoding='utf8'))}\n</script>")
    return TEMPLATE.format(inlined="\n".join(scripts))


def build_report(repo: Path, out: Path, node_modules: Path | None = None) -> Path:
    """Run `dvc plots show` in ``repo`` into ``out`` with the offline template; return the page."""
    repo, out = Path(repo).resolve(), Path(out).resolve()
    node_modules = node_modules or repo / "node_modules"
    out.mkdir(parents=True, exist_ok=True)
    template = out / "offline_template.html"
    template.write_text(offline_template(node_modules), encoding="utf8")
    dvc = shutil.which("dvc") or str(Path(sys.executable).parent / "dvc")
    subprocess.run([dvc, "plots", "show", "--html-template", str(template), "-o", str(out)],
                   cwd=repo, check=True, capture_output=True, text=True)
    template.unlink()
    return out / "index.html"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("report"))
    args = parser.parse_args()
    print(build_report(Path.cwd(), args.out))


if __name__ == "__main__":
    main()
