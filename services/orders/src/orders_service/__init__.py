"""The orders service: orders, their status machine and history, and their side of the saga."""
