"""Synthetic data generators for tests, benchmarks and screenshots (not shipped in the package)."""
