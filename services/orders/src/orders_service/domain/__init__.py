"""The orders domain: plain Python, no I/O."""
