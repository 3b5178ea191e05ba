"""The catalog service's use cases, one module per subject. Each function is keyword-only,
named by its verb, owns its transaction (``async with uow: ... await uow.commit()``) and
raises ``DomainError``s that the API turns into problem responses.

They are the catalog's API for everything that is not HTTP too: the demo seeding command
calls ``categories.create`` and ``products.create`` in bulk."""
