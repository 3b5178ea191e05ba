"""The comment aggregate: only under a published review, changed by its author, hidden by
an admin."""

import uuid
from datetime import UTC, datetime

import pytest

from marketplace_contracts import CommentCreated, CommentDeleted, CommentHidden
from reviews_service.domain.actors import Actor
from reviews_service.domain.comments import Comment
from reviews_service.domain.errors import NotTheAuthor, ReviewNotFound
from reviews_service.domain.products import KnownProduct, ProductStatus
from reviews_service.domain.reviews import Review

pytestmark = pytest.mark.unit

AT = datetime(2026, 1, 1, tzinfo=UTC)


def review() -> Review:
    written, _ = Review.write(
        id=uuid.uuid4(),
        product=KnownProduct(uuid.uuid4(), ProductStatus.ACTIVE, AT),
        author=Actor.user(uuid.uuid4()),
        rating=4,
        text="Fine",
        verified_purchase=False,
        at=AT,
    )
    return written


def test_a_comment_names_the_review_and_its_author() -> None:
    under = review()
    author = Actor.user(uuid.uuid4())
    comment = Comment.write(id=uuid.uuid4(), review=under, author=author, text="Yes", at=AT)
    [event] = comment.pull_events()
    assert isinstance(event, CommentCreated)
    assert (event.review_author_id, event.author_id, event.product_id) == (
        under.author_id,
        author.id,
        under.product_id,
    )


def test_no_comment_under_a_hidden_review() -> None:
    under = review()
    under.hide(actor=Actor.user(uuid.uuid4(), admin=True), reason="Rude", at=AT)
    with pytest.raises(ReviewNotFound):
        Comment.write(
            id=uuid.uuid4(), review=under, author=Actor.user(uuid.uuid4()), text="x", at=AT
        )


def test_only_the_author_deletes_and_only_an_admin_hides() -> None:
    author = Actor.user(uuid.uuid4())
    comment = Comment.write(id=uuid.uuid4(), review=review(), author=author, text="Yes", at=AT)
    comment.pull_events()
    with pytest.raises(NotTheAuthor):
        comment.delete(actor=Actor.user(uuid.uuid4(), admin=True))
    with pytest.raises(NotTheAuthor):
        comment.hide(actor=author, reason="x", at=AT)
    assert comment.hide(actor=Actor.user(uuid.uuid4(), admin=True), reason="Rude", at=AT)
    assert comment.delete(actor=author) is False  # hidden: it no longer counted
    assert [type(e) for e in comment.pull_events()] == [CommentHidden, CommentDeleted]
