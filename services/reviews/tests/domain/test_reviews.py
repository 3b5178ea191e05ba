"""The review aggregate's rules: who may change it, and what each change records."""

import uuid
from datetime import UTC, datetime

import pytest

from marketplace_contracts import (
    ReviewCreated,
    ReviewDeleted,
    ReviewHidden,
    ReviewUnhidden,
    ReviewUpdated,
)
from reviews_service.domain.actors import SYSTEM, Actor
from reviews_service.domain.errors import (
    InvalidText,
    Moderated,
    NotTheAuthor,
    ProductArchived,
)
from reviews_service.domain.products import KnownProduct, ProductStatus
from reviews_service.domain.ratings import RatingChange
from reviews_service.domain.reviews import Review

pytestmark = pytest.mark.unit

AT = datetime(2026, 1, 1, tzinfo=UTC)


def product(status: ProductStatus = ProductStatus.ACTIVE) -> KnownProduct:
    return KnownProduct(uuid.uuid4(), status, AT)


def written(rating: int = 4) -> tuple[Review, Actor]:
    author = Actor.user(uuid.uuid4())
    review, _ = Review.write(
        id=uuid.uuid4(),
        product=product(),
        author=author,
        rating=rating,
        text="Fine",
        verified_purchase=False,
        at=AT,
    )
    review.pull_events()
    return review, author


def test_writing_records_the_review_and_adds_its_share() -> None:
    author = Actor.user(uuid.uuid4())
    review, change = Review.write(
        id=uuid.uuid4(),
        product=product(),
        author=author,
        rating=3,
        text="<b>ok</b>",
        verified_purchase=True,
        at=AT,
    )
    assert change == RatingChange.added(3)
    [event] = review.pull_events()
    assert isinstance(event, ReviewCreated)
    assert (event.actor_id, event.author_id, event.text) == (author.id, author.id, "<b>ok</b>")


def test_an_archived_product_takes_no_review() -> None:
    with pytest.raises(ProductArchived):
        Review.write(
            id=uuid.uuid4(),
            product=product(ProductStatus.ARCHIVED),
            author=Actor.user(uuid.uuid4()),
            rating=3,
            text="x",
            verified_purchase=False,
            at=AT,
        )


def test_editing_moves_the_share_and_names_what_changed() -> None:
    review, author = written(rating=2)
    change = review.edit(actor=author, rating=5, at=AT)
    assert change == RatingChange.moved(2, 5)
    [event] = review.pull_events()
    assert isinstance(event, ReviewUpdated)
    assert event.changed == ["rating"]


def test_another_user_or_an_admin_cannot_edit() -> None:
    review, _ = written()
    for other in (Actor.user(uuid.uuid4()), Actor.user(uuid.uuid4(), admin=True)):
        with pytest.raises(NotTheAuthor):
            review.edit(actor=other, text="Mine now", at=AT)
    assert review.text == "Fine"
    assert review.pending_events == ()


def test_a_blank_edit_is_refused_before_anything_changes() -> None:
    review, author = written(rating=2)
    with pytest.raises(InvalidText):
        review.edit(actor=author, rating=5, text=" ", at=AT)


def test_the_author_erases_and_an_admin_deletes_with_a_reason() -> None:
    review, author = written(rating=4)
    assert review.delete(actor=author, at=AT) == RatingChange.removed(4)
    assert review.erased

    kept, _ = written(rating=4)
    admin = Actor.user(uuid.uuid4(), admin=True)
    with pytest.raises(InvalidText):
        kept.delete(actor=admin, at=AT)
    assert kept.delete(actor=admin, reason="Spam", at=AT) == RatingChange.removed(4)
    assert not kept.erased
    assert (kept.status, kept.moderation_reason, kept.moderated_by) == ("deleted", "Spam", admin.id)
    [event] = kept.pull_events()
    assert isinstance(event, ReviewDeleted)
    assert (event.actor_role, event.reason) == ("admin", "Spam")


def test_a_hidden_review_leaves_the_figures_and_is_seen_by_few() -> None:
    review, author = written(rating=1)
    admin = Actor.user(uuid.uuid4(), admin=True)
    assert review.hide(actor=admin, reason="Rude", at=AT) == RatingChange.removed(1)
    assert review.hide(actor=admin, reason="Rude", at=AT) == RatingChange()
    assert [type(e) for e in review.pull_events()] == [ReviewHidden]
    assert review.visible_to(author)
    assert review.visible_to(admin)
    assert not review.visible_to(Actor.user(uuid.uuid4()))
    assert not review.visible_to(None)
    with pytest.raises(Moderated):
        review.edit(actor=author, rating=5, at=AT)


def test_an_admin_unhides_and_the_reason_goes() -> None:
    review, author = written(rating=2)
    admin = Actor.user(uuid.uuid4(), admin=True)
    review.hide(actor=admin, reason="Rude", at=AT)
    with pytest.raises(NotTheAuthor):
        review.unhide(actor=author, at=AT)
    assert review.unhide(actor=admin, at=AT) == RatingChange.added(2)
    assert review.unhide(actor=admin, at=AT) == RatingChange()
    assert (review.published, review.moderation_reason, review.moderated_at) == (True, None, None)
    assert [type(e) for e in review.pull_events()] == [ReviewHidden, ReviewUnhidden]


def test_verification_is_recorded_only_when_it_changes() -> None:
    review, _ = written()
    review.verify(False, at=AT)
    review.verify(True, at=AT)
    [event] = review.pull_events()
    assert isinstance(event, ReviewUpdated)
    assert (event.changed, event.actor_id, event.actor_role) == (
        ["verified_purchase"],
        None,
        "system",
    )
    assert SYSTEM.id is None
