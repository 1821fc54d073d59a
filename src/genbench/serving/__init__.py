"""Digits on demand: drawing from a trained checkpoint, the web app and its load test."""
