"""Sample-quality metrics, one module each, all in the evaluator's feature / probability
space. ``genbench.scorecard`` lists them (label, direction, real-data value) in one table."""
