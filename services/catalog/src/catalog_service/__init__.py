"""The catalog service: categories, products and services, stock, search and view counters."""
