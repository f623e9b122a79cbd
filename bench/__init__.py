"""Benchmarks: the per-sample baseline and `make perf` (perf.py)."""
