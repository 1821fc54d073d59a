"""Stage download: the four MNIST IDX files, verified by SHA-256, in the --out folder."""

from genbench import cli
from genbench.config import load_params
from genbench.data import fetch_mnist


def main():
    args = cli.arguments(__doc__, "--out")
    source = fetch_mnist(args.out, load_params().data.local_dir)
    print(f"MNIST verified (SHA-256) from {source} into {args.out}")


if __name__ == "__main__":
    cli.run(main)
