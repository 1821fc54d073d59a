"""Entry-point helper for stage scripts: expected failures end in one clear line, not a traceback."""

from __future__ import annotations

import sys

from genbench.errors import ConfigError, DataError, DivergenceError


def run(main) -> None:
    try:
        main()
    except (ConfigError, DataError, DivergenceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: completed epochs are kept, `dvc repro` resumes from the last one",
              file=sys.stderr)
        sys.exit(130)


def model_arg(params) -> str:
    """The model named on the command line, checked against params.yaml."""
    if len(sys.argv) != 2:
        raise ConfigError(f"usage: {sys.argv[0]} MODEL (one of: {', '.join(params.models)})")
    name = sys.argv[1]
    if name not in params.models:
        raise ConfigError(f"models.{name}: not in params.yaml (listed: {', '.join(params.models)})")
    return name
