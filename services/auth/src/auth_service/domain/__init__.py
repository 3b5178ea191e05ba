"""The rules of the auth service: plain Python, no I/O, no web or database framework."""
