"""A unit of work on dicts and a catalog in memory, so the use cases run without a database
or a network: what they decide, commit and publish is asserted on the fakes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from marketplace_platform.testing.fakes import FakeUnitOfWork
from reviews_service.domain.products import PURCHASED_STATUSES, KnownProduct, ProductStatus
from reviews_service.domain.ratings import ProductRating


class FakeReviews:
    def __init__(self, track: Any) -> None:
        self.rows: dict[uuid.UUID, Any] = {}
        self.track = track

    async def add(self, item: Any) -> None:
        self.rows[item.id] = self.track(item)

    async def get(self, item_id: uuid.UUID) -> Any:
        item = self.rows.get(item_id)
        return None if item is None else self.track(item)

    lock = get

    async def of_author(self, product_id: uuid.UUID, author_id: uuid.UUID) -> Any:
        for item in self.rows.values():
            if (item.product_id, item.author_id) == (product_id, author_id):
                return self.track(item)
        return None

    async def exists_of_author(self, product_id: uuid.UUID, author_id: uuid.UUID) -> bool:
        return await self.of_author(product_id, author_id) is not None

    async def erase(self, item: Any) -> None:
        del self.rows[item.id]

    async def add_likes(self, item_id: uuid.UUID, delta: int) -> int:
        self.rows[item_id].likes += delta
        return int(self.rows[item_id].likes)

    async def add_comments(self, item_id: uuid.UUID, delta: int) -> int:
        self.rows[item_id].comments += delta
        return int(self.rows[item_id].comments)


class FakeComments(FakeReviews):
    def add(self, item: Any) -> None:  # type: ignore[override]
        self.rows[item.id] = self.track(item)


class FakeLikes:
    def __init__(self) -> None:
        self.rows: set[tuple[uuid.UUID, uuid.UUID]] = set()

    async def add(self, target_id: uuid.UUID, user_id: uuid.UUID, *, at: datetime) -> bool:
        new = (target_id, user_id) not in self.rows
        self.rows.add((target_id, user_id))
        return new

    async def remove(self, target_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        had = (target_id, user_id) in self.rows
        self.rows.discard((target_id, user_id))
        return had


class FakeRatings:
    def __init__(self, track: Any) -> None:
        self.rows: dict[uuid.UUID, ProductRating] = {}
        self.track = track

    async def lock(self, product_id: uuid.UUID) -> ProductRating:
        return self.track(self.rows.setdefault(product_id, ProductRating(product_id)))


class FakeProducts:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, KnownProduct] = {}

    async def get(self, product_id: uuid.UUID) -> KnownProduct | None:
        return self.rows.get(product_id)

    async def learn(self, product_id: uuid.UUID, status: ProductStatus, *, as_of: datetime) -> None:
        known = self.rows.get(product_id)
        if known is None or known.as_of < as_of:
            self.rows[product_id] = KnownProduct(product_id, status, as_of)


class FakePurchases:
    def __init__(self) -> None:
        self.orders: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
        self.lines: dict[uuid.UUID, set[uuid.UUID]] = {}

    async def learn_order(self, order_id, user_id, status, *, as_of, product_ids=()) -> None:
        self.orders[order_id] = (user_id, status)
        self.lines.setdefault(order_id, set()).update(product_ids)

    async def products_of(self, order_id: uuid.UUID) -> list[uuid.UUID]:
        return sorted(self.lines.get(order_id, ()))

    async def purchased(self, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
        return any(
            user == user_id and status in PURCHASED_STATUSES and product_id in self.lines[order]
            for order, (user, status) in self.orders.items()
        )


class FakeReviewsUnitOfWork(FakeUnitOfWork):
    def open(self) -> None:
        self.reviews = FakeReviews(self.track)
        self.comments = FakeComments(self.track)
        self.ratings = FakeRatings(self.track)
        self.review_likes = FakeLikes()
        self.comment_likes = FakeLikes()
        self.products = FakeProducts()
        self.purchases = FakePurchases()


class FakeCatalog:
    def __init__(self) -> None:
        self.products: dict[uuid.UUID, ProductStatus] = {}
        self.asked: list[uuid.UUID] = []

    async def product_status(self, product_id: uuid.UUID) -> ProductStatus | None:
        self.asked.append(product_id)
        return self.products.get(product_id)


@pytest.fixture
def uow() -> FakeReviewsUnitOfWork:
    return FakeReviewsUnitOfWork(source="reviews")


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog()
