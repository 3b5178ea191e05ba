"""The reviews service's use cases: each takes a unit of work factory (and the peers it asks),
opens one unit of work per transaction (a read-only one to read), checks the rules through
the domain, and commits once."""
