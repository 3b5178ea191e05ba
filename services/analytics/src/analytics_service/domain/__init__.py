"""The rules of the figures: periods, and the facts kept per order and per review whose
contributions the rollups sum. Plain Python, no I/O."""
