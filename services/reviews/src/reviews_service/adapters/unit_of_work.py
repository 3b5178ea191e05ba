"""The reviews service's unit of work: one transaction, the repositories it reaches through,
and the events its aggregates recorded, written to the outbox when it commits.

Use cases are given a factory (``service.ports.UnitOfWorkFactory``) and open one unit of
work per transaction; those that only read open a read-only one (``read_only=True``: on
SQLite it never queues behind a writer) and reach the listings' queries through
``uow.listings``. The components make the factory from the runtime:
``partial(runtime.unit_of_work, ReviewsUnitOfWork)``.
"""

from __future__ import annotations

from marketplace_platform.events.unit_of_work import UnitOfWork
from reviews_service.adapters.orm import comment_likes, comments, review_likes, reviews
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


class ReviewsUnitOfWork(UnitOfWork):
    def open(self) -> None:
        session = self.session
        self.reviews = ReviewRepository(session, track=self.track)
        self.comments = CommentRepository(session, track=self.track)
        self.ratings = RatingRepository(session, track=self.track)
        self.review_likes = LikeRepository(session, review_likes, reviews)
        self.comment_likes = LikeRepository(session, comment_likes, comments)
        self.products = ProductRepository(session)
        self.authors = AuthorRepository(session)
        self.purchases = PurchaseRepository(session)
        self.listings = ReviewQueries(session)
