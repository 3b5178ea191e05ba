"""Who may like what: the rules a like is checked against, on what the counter's statement
returned of the thing liked."""

import uuid

import pytest

from marketplace_contracts import CommentLiked, ReviewUnliked
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import CommentNotFound, OwnContent, ReviewNotFound
from reviews_service.domain.likes import Liked

pytestmark = pytest.mark.unit


def review(status: str = "published", author: uuid.UUID | None = None) -> Liked:
    return Liked(uuid.uuid4(), uuid.uuid4(), author or uuid.uuid4(), status, likes=3)


def test_only_published_things_of_others_are_liked() -> None:
    author = uuid.uuid4()
    with pytest.raises(OwnContent):
        review(author=author).ensure_likeable_by(Actor.user(author))
    for status in ("hidden", "deleted"):
        with pytest.raises(ReviewNotFound):
            review(status).ensure_likeable_by(Actor.user(uuid.uuid4()))
    hidden_comment = Liked(
        uuid.uuid4(), uuid.uuid4(), author, "hidden", 0, uuid.uuid4(), uuid.uuid4()
    )
    with pytest.raises(CommentNotFound):
        hidden_comment.ensure_visible()
    review().ensure_likeable_by(Actor.user(uuid.uuid4()))


def test_the_events_name_the_actor_the_author_and_the_count() -> None:
    fan = Actor.user(uuid.uuid4())
    liked = review()
    unliked = liked.unliked(fan)
    assert isinstance(unliked, ReviewUnliked)
    assert (unliked.review_id, unliked.author_id, unliked.actor_id, unliked.likes) == (
        liked.id,
        liked.author_id,
        fan.id,
        3,
    )
    comment = Liked(
        uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "published", 1, uuid.uuid4(), uuid.uuid4()
    )
    event = comment.liked(fan)
    assert isinstance(event, CommentLiked)
    assert (event.comment_id, event.review_id, event.review_author_id) == (
        comment.id,
        comment.review_id,
        comment.review_author_id,
    )
