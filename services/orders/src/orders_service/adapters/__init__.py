"""Adapters: the database (ORM, repositories) and the HTTP clients of other services."""
