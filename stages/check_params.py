"""Stage check_params: params.yaml checked whole before any stage runs: every key known, every
value of its type and range, every model's `train` and `sample` section and every sweep typed
by the model's code, and `data.local_dir`'s MNIST files verified. Every stage depends on its
output, whose content never changes, so a bad params.yaml stops `dvc repro` (and `dvc exp
run`) here, with one line naming the key, before DVC removes any other stage's outputs; a
good change re-runs only the stages that read what changed."""

from pathlib import Path

from genbench import cli
from genbench.config import load_params
from genbench.data import from_local_dir, verify
from genbench.errors import ConfigError, DataError
from genbench.files import atomic_write_bytes
from genbench.models import model_spec, sweep_config


def main():
    args = cli.arguments(__doc__, "--out")
    params = load_params()
    specs = {name: model_spec(params, name) for name in params.models}
    for name in params.sweep:
        sweep_config(params, specs[name])
    if params.data.local_dir is not None:
        try:
            verify(from_local_dir(Path(params.data.local_dir)))
        except DataError as exc:
            raise ConfigError(f"data.local_dir: {exc}") from None
    atomic_write_bytes(args.out, b"params.yaml: checked\n")
    print(f"params.yaml: valid ({len(specs)} models)")


if __name__ == "__main__":
    cli.run(main)
