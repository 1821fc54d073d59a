"""Expected failures that stage scripts report as one clear line."""


class ConfigError(ValueError):
    """A bad value in params.yaml; the message names the key."""


class DataError(RuntimeError):
    """A source could not provide valid MNIST files."""


class DivergenceError(RuntimeError):
    """A training loss became NaN or infinite."""
