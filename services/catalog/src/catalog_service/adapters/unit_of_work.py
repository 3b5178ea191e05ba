"""The catalog's unit of work: one transaction, with the catalog's repositories on it.

Use cases reach ``uow.products``, ``uow.categories`` and ``uow.reservations`` and never build
a repository or touch a session. Every product the product repository loads or adds is
tracked, so the events a product records (``StockChanged``, ``ProductUpdated`` ...) go to the
outbox with the commit that stores the change. The runtime makes one per request:
``runtime.unit_of_work(CatalogUnitOfWork)``.
"""

from __future__ import annotations

from catalog_service.adapters.repositories import (
    CategoryRepository,
    ProductRepository,
    ReservationRepository,
)
from marketplace_platform.events.unit_of_work import UnitOfWork


class CatalogUnitOfWork(UnitOfWork):
    products: ProductRepository
    categories: CategoryRepository
    reservations: ReservationRepository

    def open(self) -> None:
        self.products = ProductRepository(self.session, track=self.track)
        self.categories = CategoryRepository(self.session)
        self.reservations = ReservationRepository(self.session)
