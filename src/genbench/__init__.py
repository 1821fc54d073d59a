"""genbench: compare generative models on MNIST."""
