"""A product's rating figures: how many reviews gave each rating, 1 to 5.

The aggregate stores only the five counts; the number of reviews and the average are
derived from them, so they can never disagree. A review's share in the figures is a
``RatingChange`` (one more 4, one less 2 ...); every review change that matters to the
figures (published, edited, hidden, deleted) hands one to ``ProductRating.apply`` in the
transaction that stores the review, and the aggregate records the figures after it as
``reviews.product_rating.changed.v1``.

Why the figures stay exact under concurrency is the repository's half of the bargain: it
loads the row under a lock held until commit (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite every writing transaction holds the database's write lock), so two reviews of one
product are applied one after the other, each to the figures the other left.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from marketplace_contracts import ProductRatingChanged
from marketplace_platform.aggregates import Aggregate
from reviews_service.domain.errors import InvalidRating

MIN_RATING, MAX_RATING = 1, 5
RATINGS = range(MIN_RATING, MAX_RATING + 1)
AVERAGE_DIGITS = 4  # what both the API and the event show: the catalog keeps the same


def check_rating(rating: int) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise InvalidRating(f"A rating is a whole number from {MIN_RATING} to {MAX_RATING}.")
    return rating


@dataclass(frozen=True, slots=True)
class RatingChange:
    """How many reviews of each rating (index 0 is rating 1) to add; negative removes."""

    deltas: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @classmethod
    def added(cls, rating: int) -> RatingChange:
        return cls(tuple(int(r == rating) for r in RATINGS))  # type: ignore[arg-type]

    @classmethod
    def removed(cls, rating: int) -> RatingChange:
        return cls(tuple(-int(r == rating) for r in RATINGS))  # type: ignore[arg-type]

    @classmethod
    def moved(cls, old: int, new: int) -> RatingChange:
        return cls.removed(old) + cls.added(new)

    def __add__(self, other: RatingChange) -> RatingChange:
        return RatingChange(tuple(a + b for a, b in zip(self.deltas, other.deltas, strict=True)))  # type: ignore[arg-type]

    def __neg__(self) -> RatingChange:
        return RatingChange(tuple(-d for d in self.deltas))  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        return any(self.deltas)


NO_CHANGE = RatingChange()


class ProductRating(Aggregate):
    """The figures of one product: ``stars_1`` ... ``stars_5`` reviews of each rating."""

    def __init__(self, product_id: uuid.UUID, distribution: tuple[int, ...] = (0,) * 5) -> None:
        self.product_id = product_id
        (self.stars_1, self.stars_2, self.stars_3, self.stars_4, self.stars_5) = distribution

    @property
    def distribution(self) -> list[int]:
        return [self.stars_1, self.stars_2, self.stars_3, self.stars_4, self.stars_5]

    @property
    def count(self) -> int:
        return sum(self.distribution)

    @property
    def average(self) -> float:
        """0 with no reviews; otherwise the mean, rounded to ``AVERAGE_DIGITS``."""
        count = self.count
        if not count:
            return 0.0
        total = sum(rating * n for rating, n in zip(RATINGS, self.distribution, strict=True))
        return round(total / count, AVERAGE_DIGITS)

    def apply(self, change: RatingChange) -> None:
        """Add ``change`` to the figures and record them; nothing happens for no change."""
        if not change:
            return
        after = [n + d for n, d in zip(self.distribution, change.deltas, strict=True)]
        if min(after) < 0:
            # A review is removed only once and only after it was added: a bug, not input.
            raise ValueError(f"rating figures of {self.product_id} would go below zero")
        (self.stars_1, self.stars_2, self.stars_3, self.stars_4, self.stars_5) = after
        self.record(
            ProductRatingChanged(
                product_id=self.product_id,
                average_rating=self.average,
                review_count=self.count,
                distribution=self.distribution,
            )
        )
