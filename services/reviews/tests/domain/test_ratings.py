"""The rating figures: five counts, from which the count and the average follow."""

import uuid

import pytest

from marketplace_contracts import ProductRatingChanged
from reviews_service.domain.errors import InvalidRating
from reviews_service.domain.ratings import ProductRating, RatingChange, check_rating

pytestmark = pytest.mark.unit


def test_changes_add_up() -> None:
    moved = RatingChange.moved(2, 5)
    assert moved.deltas == (0, -1, 0, 0, 1)
    assert (moved + RatingChange.added(2)).deltas == (0, 0, 0, 0, 1)
    assert (-moved).deltas == (0, 1, 0, 0, -1)
    assert not RatingChange.moved(3, 3)


def test_applying_a_change_records_the_figures_after_it() -> None:
    rating = ProductRating(uuid.uuid4())
    for stars in (5, 4, 4):
        rating.apply(RatingChange.added(stars))

    assert (rating.count, rating.average, rating.distribution) == (3, 4.3333, [0, 0, 0, 2, 1])
    last = rating.pull_events()[-1]
    assert isinstance(last, ProductRatingChanged)
    assert (last.review_count, last.average_rating) == (3, 4.3333)
    assert last.distribution == [0, 0, 0, 2, 1]


def test_no_change_records_nothing() -> None:
    rating = ProductRating(uuid.uuid4(), (0, 0, 1, 0, 0))
    rating.apply(RatingChange.moved(3, 3))
    assert rating.pending_events == ()


def test_no_reviews_average_zero() -> None:
    rating = ProductRating(uuid.uuid4(), (0, 0, 1, 0, 0))
    rating.apply(RatingChange.removed(3))
    assert (rating.count, rating.average) == (0, 0.0)


def test_figures_never_go_below_zero() -> None:
    rating = ProductRating(uuid.uuid4())
    with pytest.raises(ValueError, match="below zero"):
        rating.apply(RatingChange.removed(1))
    assert rating.distribution == [0, 0, 0, 0, 0]


@pytest.mark.parametrize("value", [0, 6, -1, True, 4.0, "5"])
def test_a_rating_is_a_whole_number_from_one_to_five(value) -> None:
    with pytest.raises(InvalidRating):
        check_rating(value)
