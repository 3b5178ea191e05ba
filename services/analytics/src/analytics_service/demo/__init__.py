"""Generated history for benchmarks (``python -m analytics_service seed``)."""
