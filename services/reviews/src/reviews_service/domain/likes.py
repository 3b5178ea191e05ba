"""Likes on reviews and comments: who may like what, and the events a like causes.

A like never loads the review or comment it is about. The use case stores the like first
(``INSERT ... ON CONFLICT DO NOTHING``) and moves the counter (``UPDATE ... SET likes =
likes + 1 ... RETURNING``); the counter's statement hands back what the rules need of the
liked thing (``Liked``: its status, author, product, and the count after the change). If the
rules refuse, the use case raises before it commits, and the like and the count are rolled
back with it. So the rules stay here, and a like costs a few statements, not an aggregate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from marketplace_contracts import (
    CommentLiked,
    CommentUnliked,
    Event,
    ReviewLiked,
    ReviewUnliked,
)
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import CommentNotFound, OwnContent, ReviewNotFound

PUBLISHED = "published"  # the status a review or comment can be liked in


@dataclass(frozen=True, slots=True)
class Liked:
    """A review, or a comment (``review_id`` and ``review_author_id`` set), as a like sees
    it: ``likes`` is its count as the statement that read it left it."""

    id: uuid.UUID
    product_id: uuid.UUID
    author_id: uuid.UUID
    status: str
    likes: int
    review_id: uuid.UUID | None = None
    review_author_id: uuid.UUID | None = None

    @property
    def kind(self) -> str:
        return "review" if self.review_id is None else "comment"

    def ensure_visible(self) -> None:
        """Only published reviews and comments are liked or unliked; the rest are not there
        for anyone but their author and admins, and a like is nobody's business there."""
        if self.status != PUBLISHED:
            raise not_found(self.kind)

    def ensure_likeable_by(self, actor: Actor) -> None:
        self.ensure_visible()
        if actor.is_(self.author_id):
            raise OwnContent(f"You cannot like your own {self.kind}.")

    def liked(self, actor: Actor) -> Event:
        """The event of ``actor``'s like, which brought the count to ``likes``."""
        return self._event(actor, like=True)

    def unliked(self, actor: Actor) -> Event:
        return self._event(actor, like=False)

    def _event(self, actor: Actor, *, like: bool) -> Event:
        about = {
            "product_id": self.product_id,
            "author_id": self.author_id,
            "actor_id": actor.id,
            "actor_role": actor.role,
            "likes": self.likes,
        }
        if self.review_id is None:
            review_event = ReviewLiked if like else ReviewUnliked
            return review_event(review_id=self.id, **about)
        comment_event = CommentLiked if like else CommentUnliked
        return comment_event(
            comment_id=self.id,
            review_id=self.review_id,
            review_author_id=self.review_author_id,
            **about,
        )


def not_found(kind: str) -> ReviewNotFound | CommentNotFound:
    if kind == "review":
        return ReviewNotFound("There is no review with this id.")
    return CommentNotFound("There is no comment with this id.")
