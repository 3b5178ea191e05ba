"""Event consumers of the auth service."""
