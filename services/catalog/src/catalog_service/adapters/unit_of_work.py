"""The catalog's unit of work: one transaction, with the catalog's repositories on it.

Use cases reach ``uow.products``, ``uow.categories`` and ``uow.reservations`` (and a search's
queries through ``uow.search``) and never build a repository or touch a session. Every
product the product repository loads or adds is tracked, so the events a product records
(``StockChanged``, ``ProductUpdated`` ...) go to the outbox with the commit that stores the
change. Use cases are given a factory (``UnitOfWorkFactory``) and open one per transaction;
the components make it from the runtime: ``partial(runtime.unit_of_work, CatalogUnitOfWork)``.
"""

from __future__ import annotations

from catalog_service.adapters.repositories import (
    CategoryRepository,
    ProductRepository,
    ReservationRepository,
)
from catalog_service.adapters.search import ProductSearchQueries
from catalog_service.domain.search import ProductSearch
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.events.unit_of_work import UnitOfWorkFactory as PlatformUnitOfWorkFactory


class CatalogUnitOfWork(UnitOfWork):
    products: ProductRepository
    categories: CategoryRepository
    reservations: ReservationRepository

    def open(self) -> None:
        self.products = ProductRepository(self.session, track=self.track)
        self.categories = CategoryRepository(self.session)
        self.reservations = ReservationRepository(self.session)

    def search(
        self, search: ProductSearch, *, similarity_threshold: float, fuzzy: bool = False
    ) -> ProductSearchQueries:
        """The queries of one search, run in this transaction."""
        return ProductSearchQueries(
            self.session, search, similarity_threshold=similarity_threshold, fuzzy=fuzzy
        )


UnitOfWorkFactory = PlatformUnitOfWorkFactory[CatalogUnitOfWork]
