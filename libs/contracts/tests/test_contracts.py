"""Every event contract is versioned, named after its publisher, and survives the envelope."""

import re
import uuid
from datetime import UTC, datetime

import pytest

from marketplace_contracts import (
    EVENT_TYPES,
    Envelope,
    OrderLine,
    OrderPaid,
    ProductRatingChanged,
    ProductViews,
    ProductViewsCounted,
    ReviewCreated,
    ReviewLiked,
)

pytestmark = pytest.mark.unit

SUBJECT = re.compile(
    r"^(auth|catalog|orders|payments|reviews|notifications|analytics)\.[a-z_]+\.[a-z_]+\.v\d+$"
)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_type_is_a_versioned_subject_of_a_publisher(event_type: str) -> None:
    assert SUBJECT.match(event_type)
    assert event_type == EVENT_TYPES[event_type].TYPE


def test_events_round_trip_through_the_envelope() -> None:
    product = uuid.uuid4()
    events = [
        ProductRatingChanged(product_id=product, average_rating=4.25, review_count=4),
        OrderPaid(
            order_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            items=[OrderLine(product_id=product, quantity=2, unit_price=1999)],
            total=3998,
            currency="RUB",
        ),
        ProductRatingChanged(
            product_id=product, average_rating=3.5, review_count=2, distribution=[0, 0, 1, 1, 0]
        ),
        ReviewCreated(
            review_id=uuid.uuid4(),
            product_id=product,
            author_id=uuid.uuid4(),
            actor_id=uuid.uuid4(),
            actor_role="user",
            rating=4,
            text="<script>alert(1)</script> хорошо",
            verified_purchase=False,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        ProductViewsCounted(
            since=datetime(2026, 1, 1, tzinfo=UTC),
            until=datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC),
            counts=[ProductViews(product_id=product, views=3)],
        ),
    ]
    for event in events:
        envelope = Envelope.wrap(event, id=uuid.uuid4(), source="test")
        wire = Envelope.model_validate_json(envelope.model_dump_json())
        assert wire.parse(type(event)) == event


def test_a_rating_outside_one_to_five_is_refused() -> None:
    with pytest.raises(ValueError, match="less than or equal to 5"):
        ProductRatingChanged(product_id=uuid.uuid4(), average_rating=5.5, review_count=1)


def test_a_distribution_has_one_count_per_rating() -> None:
    with pytest.raises(ValueError, match="at least 5 items"):
        ProductRatingChanged(
            product_id=uuid.uuid4(), average_rating=4, review_count=1, distribution=[0, 1]
        )


@pytest.mark.parametrize(
    "event_type",
    sorted(t for t in EVENT_TYPES if t.startswith(("reviews.review.", "reviews.comment."))),
)
def test_every_review_and_comment_event_names_the_actor_and_the_author(event_type: str) -> None:
    fields = EVENT_TYPES[event_type].model_fields
    assert {"actor_id", "actor_role", "author_id", "review_id", "product_id"} <= set(fields)


def test_a_system_change_has_no_actor_id() -> None:
    review, author = uuid.uuid4(), uuid.uuid4()
    liked = ReviewLiked(
        review_id=review,
        product_id=uuid.uuid4(),
        author_id=author,
        actor_id=None,
        actor_role="system",
        likes=1,
    )
    envelope = Envelope.wrap(liked, id=uuid.uuid4(), source="reviews")
    assert envelope.subject == str(review)
    assert envelope.parse(ReviewLiked).actor_id is None
