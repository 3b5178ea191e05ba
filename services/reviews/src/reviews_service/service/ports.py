"""What the use cases need from outside, as protocols: the real adapters implement them, and
unit tests hand in fakes."""

from __future__ import annotations

import uuid
from typing import Protocol

from marketplace_contracts import Envelope, Event
from marketplace_platform.events.unit_of_work import UnitOfWorkFactory as PlatformUnitOfWorkFactory
from reviews_service.adapters.queries import ReviewQueries
from reviews_service.adapters.repositories import (
    AuthorRepository,
    CommentRepository,
    LikeRepository,
    ProductRepository,
    PurchaseRepository,
    RatingRepository,
    ReviewRepository,
)
from reviews_service.domain.products import ProductStatus


class Catalog(Protocol):
    async def product_status(self, product_id: uuid.UUID) -> ProductStatus | None: ...


class UnitOfWork(Protocol):
    """What ``ReviewsUnitOfWork`` offers a use case (and the fake one imitates)."""

    reviews: ReviewRepository
    comments: CommentRepository
    ratings: RatingRepository
    review_likes: LikeRepository
    comment_likes: LikeRepository
    products: ProductRepository
    authors: AuthorRepository
    purchases: PurchaseRepository
    listings: ReviewQueries

    def publish(self, event: Event) -> Envelope: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = PlatformUnitOfWorkFactory[UnitOfWork]
