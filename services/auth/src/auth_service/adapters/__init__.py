"""The auth service's ties to the outside: database tables and queries, keys, tokens, hashing."""
