"""Helpers of ``benchmarks/run.py`` (the national-scale benchmark and load test)."""
