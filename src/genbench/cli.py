"""What every stage script shares: its command line, and expected failures reported as one
clear line instead of a traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genbench.errors import ConfigError, DataError, DivergenceError, LockedError, YardstickError


def arguments(doc: str, *names: str) -> argparse.Namespace:
    """Parse a stage's command line: ``"model"`` is the positional model name, every
    ``"--name"`` a required path (dvc.yaml, the one place paths are written, passes them)."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    for name in names:
        if name.startswith("--"):
            parser.add_argument(name, type=Path, required=True)
        else:
            parser.add_argument(name)
    return parser.parse_args()


def check_model(params, name: str) -> str:
    """``name``, if it is a model in params.yaml."""
    if name not in params.models:
        raise ConfigError(f"models.{name}: not in params.yaml (listed: {', '.join(params.models)})")
    return name


EXPECTED = (ConfigError, DataError, DivergenceError, LockedError, YardstickError, OSError)


def error_line(exc: Exception) -> str:
    """The one line an expected failure ends with."""
    if isinstance(exc, OSError):  # disk full, permission denied
        where = f"{exc.filename}: " if exc.filename else ""
        return f"error: {where}{exc.strerror or exc}"
    return f"error: {exc}"


def run(main) -> None:
    """Run a stage's main: an expected failure (bad params or data, a diverged model, a
    refused file, a held lock, a full disk) ends with one line and exit code 1, Ctrl-C with 130."""
    try:
        main()
    except EXPECTED as exc:
        print(error_line(exc), file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: completed epochs are kept, `dvc repro` resumes from the last one",
              file=sys.stderr)
        sys.exit(130)
