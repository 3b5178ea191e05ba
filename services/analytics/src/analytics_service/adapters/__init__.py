"""The analytics service's adapters: tables, the facts and rollups repositories, the read
queries and the unit of work."""
