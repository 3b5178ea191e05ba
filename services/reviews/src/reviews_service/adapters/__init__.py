"""The reviews service's adapters: tables and their mapping to the domain, repositories, the
unit of work, the read-side queries, and the catalog client."""
