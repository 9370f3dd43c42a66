"""Benchmarks of the engine against SpiffWorkflow alone; run them with ``python -m bench.<name>``."""
