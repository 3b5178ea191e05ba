"""A catalog unit of work on dicts, for unit tests of the use cases: no database, no HTTP.

``FakeCatalogUnitOfWork`` builds fake repositories where ``CatalogUnitOfWork`` builds SQL
ones, with the methods the use cases call, so a use case runs unchanged against it. The
product repository tracks what it hands out, as the real one does, so the events products
record reach ``uow.committed`` only when the use case commits.

Use cases take a factory (``unit_of_work``): here every unit of work it makes is the one
fake ``uow`` (it can be re-entered), so a test passes ``unit_of_work`` and asserts on ``uow``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

import pytest

from catalog_service.adapters.orm import Category
from catalog_service.domain.products import Kind, Product
from catalog_service.domain.stock import Reservation
from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id
from marketplace_platform.testing.fakes import FakeUnitOfWork


class FakeProductRepository:
    def __init__(self, track: Callable[[Product], Product]) -> None:
        self.rows: dict[uuid.UUID, Product] = {}
        self._track = track

    def add(self, product: Product) -> None:
        self.rows[product.id] = self._track(product)

    async def exists(self, product_id: uuid.UUID) -> bool:
        return product_id in self.rows

    async def lock(self, product_id: uuid.UUID) -> Product | None:
        return (await self.lock_many([product_id])).get(product_id)

    async def lock_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
        return {i: self._track(self.rows[i]) for i in sorted(set(ids)) if i in self.rows}


class FakeReservationRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Reservation] = {}

    def add(self, reservation: Reservation) -> None:
        self.rows[reservation.id] = reservation

    async def get(self, reservation_id: uuid.UUID) -> Reservation | None:
        return self.rows.get(reservation_id)

    lock = get


class FakeCategoryRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Category] = {}

    async def get(self, category_id: uuid.UUID) -> Category | None:
        return self.rows.get(category_id)


class FakeCatalogUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="catalog")
        # Built once and kept across transactions, like the tables they stand for, so that a
        # test can fill them before the use case runs.
        self.products = FakeProductRepository(self.track)
        self.reservations = FakeReservationRepository()
        self.categories = FakeCategoryRepository()

    def stocked(
        self, *, stock: int | None = 10, price: int = 1000, currency: str = "RUB"
    ) -> Product:
        """A product already in the catalog (its creation's events long published)."""
        product = Product.create(
            id=new_id(),
            kind=Kind.PRODUCT if stock is not None else Kind.SERVICE,
            title=f"Product {uuid.uuid4().hex[:6]}",
            price=price,
            currency=currency,
            category_id=new_id(),
            stock=stock,
            now=utcnow(),
        )
        product.pull_events()
        self.products.rows[product.id] = product
        return product


@pytest.fixture
def uow() -> FakeCatalogUnitOfWork:
    return FakeCatalogUnitOfWork()


@pytest.fixture
def unit_of_work(uow: FakeCatalogUnitOfWork) -> Callable[..., FakeCatalogUnitOfWork]:
    def factory(*, read_only: bool = False) -> FakeCatalogUnitOfWork:
        return uow

    return factory
