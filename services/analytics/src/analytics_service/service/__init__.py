"""The analytics service's use cases: what each event does to the facts and rollups
(``ingest``), and the reports read from them (``reports``)."""
