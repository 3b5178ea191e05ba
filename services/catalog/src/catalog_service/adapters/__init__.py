"""The catalog service's ties to the outside: tables, queries, full-text search per engine."""
