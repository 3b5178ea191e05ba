"""The catalog service's use cases, one module per subject. Each function is keyword-only,
named by its verb, takes a unit of work factory and opens its own transactions
(``async with unit_of_work() as uow: ... await uow.commit()``; reads
``unit_of_work(read_only=True)``), and raises ``DomainError``s that the API turns into
problem responses."""
