"""Expected failures that stage scripts report as one clear line."""

DIVERGED = 1e6  # a training loss this large (or NaN, or infinite) means training has diverged


class ConfigError(ValueError):
    """A bad value in params.yaml; the message names the key."""


class DataError(RuntimeError):
    """A source could not provide valid MNIST files."""


class DivergenceError(RuntimeError):
    """A training loss became NaN or infinite."""


class YardstickError(RuntimeError):
    """The evaluator file is missing or is not the one the params ask for."""


class LockedError(RuntimeError):
    """Another process holds a lock (a second writer of the same outputs)."""


class InputError(ValueError):
    """Samples handed to ``genbench score`` that it cannot score fairly (exit code 2)."""
