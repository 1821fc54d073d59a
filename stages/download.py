"""Stage download: verified MNIST IDX files in data/mnist/MNIST/raw."""

from genbench import cli, paths
from genbench.config import load_params
from genbench.data import fetch_mnist


def main():
    params = load_params()
    source = fetch_mnist(paths.MNIST_ROOT, params.data.local_dir)
    print(f"MNIST verified (SHA-256) from {source} into {paths.MNIST_ROOT / 'MNIST/raw'}")


if __name__ == "__main__":
    cli.run(main)
