"""A unit of work on dicts and a catalog in memory, so the use cases run without a database
or a network: what they decide, commit and publish is asserted on the fakes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from marketplace_platform.testing.fakes import FakeUnitOfWork
from reviews_service.domain.comments import Comment
from reviews_service.domain.likes import Liked
from reviews_service.domain.products import PURCHASED_STATUSES, KnownProduct, ProductStatus
from reviews_service.domain.ratings import ProductRating


class FakeReviews:
    def __init__(self, track: Any, purchases: FakePurchases | None = None) -> None:
        self.rows: dict[uuid.UUID, Any] = {}
        self.track = track
        self.purchases = purchases  # what ``of_author_in_order`` joins with

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

    async def of_author_in_order(self, order_id: uuid.UUID, author_id: uuid.UUID) -> list[Any]:
        products = self.purchases.lines.get(order_id, set()) if self.purchases else set()
        return [
            self.track(item)
            for item in sorted(self.rows.values(), key=lambda item: item.product_id)
            if item.author_id == author_id and item.product_id in products
        ]

    async def exists_of_author(self, product_id: uuid.UUID, author_id: uuid.UUID) -> bool:
        return await self.of_author(product_id, author_id) is not None

    async def erase(self, item: Any) -> None:
        del self.rows[item.id]

    async def of_review(self, review_id: uuid.UUID) -> list[Any]:
        return [self.track(item) for item in self.rows.values() if item.review_id == review_id]

    async def add_comments(self, item_id: uuid.UUID, delta: int) -> int:
        self.rows[item_id].comments += delta
        return int(self.rows[item_id].comments)


class FakeComments(FakeReviews):
    def add(self, item: Any) -> None:  # type: ignore[override]
        self.rows[item.id] = self.track(item)


class FakeLikes:
    """Who liked what, and the liked things' counters (``targets``: the fake reviews or
    comments). What a transaction changed is undone if it rolls back, as a database would:
    a refused like is stored, then taken back."""

    def __init__(self, targets: FakeReviews) -> None:
        self.rows: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.times: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}  # when each was given
        self.targets = targets
        self._undo: list[Any] = []

    async def add(self, target_id: uuid.UUID, user_id: uuid.UUID, *, at: datetime) -> bool:
        key = (target_id, user_id)
        if target_id not in self.targets.rows or key in self.rows:
            return False
        self.rows.add(key)
        self.times[key] = at
        self._undo.append(lambda: self.rows.discard(key))
        return True

    async def remove(self, target_id: uuid.UUID, user_id: uuid.UUID) -> datetime | None:
        key = (target_id, user_id)
        if key not in self.rows:
            return None
        self.rows.discard(key)
        self._undo.append(lambda: self.rows.add(key))
        return self.times[key]

    async def count(self, target_id: uuid.UUID, delta: int) -> Liked | None:
        thing = self.targets.rows.get(target_id)
        if thing is None:
            return None
        thing.likes += delta
        self._undo.append(lambda: setattr(thing, "likes", thing.likes - delta))
        return self._liked(thing)

    async def liked(self, target_id: uuid.UUID) -> Liked | None:
        thing = self.targets.rows.get(target_id)
        return None if thing is None else self._liked(thing)

    async def add_all(self, likes, *, at: datetime) -> set[tuple[uuid.UUID, uuid.UUID]] | None:
        if any(target_id not in self.targets.rows for target_id, _ in likes):
            return None  # the foreign key fails the statement, which stores nothing
        return {like for like in likes if await self.add(*like, at=at)}

    async def count_all(self, deltas: dict[uuid.UUID, int]) -> dict[uuid.UUID, Liked]:
        counted = {key: await self.count(key, delta) for key, delta in deltas.items()}
        return {key: liked for key, liked in counted.items() if liked is not None}

    def ended(self, *, committed: bool) -> None:
        if not committed:
            for undo in reversed(self._undo):
                undo()
        self._undo.clear()

    @staticmethod
    def _liked(thing: Any) -> Liked:
        comment = isinstance(thing, Comment)
        return Liked(
            thing.id,
            thing.product_id,
            thing.author_id,
            thing.status,
            thing.likes,
            review_id=thing.review_id if comment else None,
            review_author_id=thing.review_author_id if comment else None,
        )


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

    async def purchased(self, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
        return any(
            user == user_id and status in PURCHASED_STATUSES and product_id in self.lines[order]
            for order, (user, status) in self.orders.items()
        )


class FakeReviewsUnitOfWork(FakeUnitOfWork):
    def open(self) -> None:
        self.purchases = FakePurchases()
        self.reviews = FakeReviews(self.track, self.purchases)
        self.comments = FakeComments(self.track)
        self.ratings = FakeRatings(self.track)
        self.review_likes = FakeLikes(self.reviews)
        self.comment_likes = FakeLikes(self.comments)
        self.products = FakeProducts()

    async def _commit(self) -> None:
        await super()._commit()
        self.review_likes.ended(committed=True)
        self.comment_likes.ended(committed=True)

    async def _rollback(self) -> None:
        await super()._rollback()
        self.review_likes.ended(committed=False)
        self.comment_likes.ended(committed=False)


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
def unit_of_work(uow: FakeReviewsUnitOfWork) -> Callable[..., FakeReviewsUnitOfWork]:
    """The factory the use cases take: here always the one fake, whose dicts are the
    database across transactions."""

    def factory(*, read_only: bool = False) -> FakeReviewsUnitOfWork:
        return uow

    return factory


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog()
