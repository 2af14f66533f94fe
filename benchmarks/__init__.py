"""Benchmarks of scratch against its peers (see benchmarks/README.md)."""
