"""Event consumers of the orders service."""
