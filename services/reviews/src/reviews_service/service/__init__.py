"""The reviews service's use cases: each takes a unit of work (and the peers it asks), checks
the rules through the domain, and commits once."""
