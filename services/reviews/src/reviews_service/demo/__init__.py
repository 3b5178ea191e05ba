"""Generated data for benchmarks: ``python -m reviews_service seed``."""
