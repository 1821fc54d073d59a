"""Turning numbers into tables and pictures: the metric catalogue (what each number is and how
to read it), normalization, intervals over seeds, tables and figures. Nothing here imports
torch (a test holds it), so an edit to a metric's computation never re-runs these stages' code."""
