"""Benchmarks: rerun them with the commands in docs/benchmarks.md."""
