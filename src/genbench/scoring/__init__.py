"""Turning images into numbers: the frozen yardstick (the evaluator and its shipped file), the
real-data reference, the scorecard's computations and the metrics under ``metrics/``, the
per-epoch quick FID and the sampler sweep. Everything here needs torch."""
