"""The rules of the catalog service: plain Python, no I/O, no web or database framework."""
