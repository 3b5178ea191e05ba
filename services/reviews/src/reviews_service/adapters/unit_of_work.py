"""The reviews service's unit of work: one transaction, the repositories it reaches through,
and the events its aggregates recorded, written to the outbox when it commits."""

from __future__ import annotations

from marketplace_platform.events.unit_of_work import UnitOfWork
from reviews_service.adapters.orm import comment_likes, review_likes
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
        self.review_likes = LikeRepository(session, review_likes, "review_id")
        self.comment_likes = LikeRepository(session, comment_likes, "comment_id")
        self.products = ProductRepository(session)
        self.authors = AuthorRepository(session)
        self.purchases = PurchaseRepository(session)
