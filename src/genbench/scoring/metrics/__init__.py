"""Sample-quality metrics, one module each, computed on features and probabilities of the
evaluator; ``genbench.scoring.scorecard`` computes each catalogued metric with them."""
