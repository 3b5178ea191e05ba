"""Events published by the reviews service.

Every event about a review or a comment names who acted (``actor_id``, with ``actor_role``)
and the author of the thing acted on (``author_id``; for a comment also the review's
author), so that notifications ("someone liked your review") and analytics need no call
back to the reviews service. Texts travel as the plain text the author wrote.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from marketplace_contracts.envelope import Event

ActorRole = Literal["user", "admin", "system"]


class ProductRatingChanged(Event):
    """A product's rating aggregate after a review was added, changed or removed. The figures
    are absolute (not a delta): a consumer keeps the newest by the envelope's ``time``.
    ``distribution`` counts the reviews of each rating, 1 to 5 (absent from older events)."""

    TYPE: ClassVar[str] = "reviews.product_rating.changed.v1"

    product_id: uuid.UUID
    average_rating: float = Field(ge=0, le=5)
    review_count: int = Field(ge=0)
    distribution: list[int] | None = Field(default=None, min_length=5, max_length=5)

    def event_subject(self) -> str:
        return str(self.product_id)


class _ReviewEvent(Event):
    review_id: uuid.UUID
    product_id: uuid.UUID
    author_id: uuid.UUID
    actor_id: uuid.UUID | None = Field(description="Who acted; null for the system.")
    actor_role: ActorRole

    def event_subject(self) -> str:
        return str(self.review_id)


class ReviewCreated(_ReviewEvent):
    TYPE: ClassVar[str] = "reviews.review.created.v1"

    rating: int = Field(ge=1, le=5)
    text: str
    verified_purchase: bool
    created_at: datetime


class ReviewUpdated(_ReviewEvent):
    """The author edited it (``rating``, ``text``), or the system learnt of a purchase
    (``verified_purchase``); ``changed`` names what changed."""

    TYPE: ClassVar[str] = "reviews.review.updated.v1"

    rating: int = Field(ge=1, le=5)
    text: str
    verified_purchase: bool
    changed: list[str]


class ReviewDeleted(_ReviewEvent):
    """Deleted by its author (gone), or by an admin (kept, unseen, with the ``reason``)."""

    TYPE: ClassVar[str] = "reviews.review.deleted.v1"

    reason: str | None = None


class ReviewHidden(_ReviewEvent):
    """An admin hid it from everyone but its author, for ``reason``."""

    TYPE: ClassVar[str] = "reviews.review.hidden.v1"

    reason: str


class ReviewUnhidden(_ReviewEvent):
    """An admin published again a review they (or another admin) had hidden. The reason it
    was hidden is in that ``ReviewHidden``; the review itself no longer carries one."""

    TYPE: ClassVar[str] = "reviews.review.unhidden.v1"


class ReviewLiked(_ReviewEvent):
    """``likes`` is the review's count after this like."""

    TYPE: ClassVar[str] = "reviews.review.liked.v1"

    likes: int = Field(ge=0)


class ReviewUnliked(_ReviewEvent):
    TYPE: ClassVar[str] = "reviews.review.unliked.v1"

    likes: int = Field(ge=0)


class _CommentEvent(Event):
    comment_id: uuid.UUID
    review_id: uuid.UUID
    product_id: uuid.UUID
    author_id: uuid.UUID = Field(description="The comment's author.")
    review_author_id: uuid.UUID
    actor_id: uuid.UUID | None = Field(description="Who acted; null for the system.")
    actor_role: ActorRole

    def event_subject(self) -> str:
        return str(self.comment_id)


class CommentCreated(_CommentEvent):
    TYPE: ClassVar[str] = "reviews.comment.created.v1"

    text: str
    created_at: datetime


class CommentUpdated(_CommentEvent):
    TYPE: ClassVar[str] = "reviews.comment.updated.v1"

    text: str


class CommentDeleted(_CommentEvent):
    """Deleted by its author, or erased with its review when the review's author deleted
    that (``actor_id`` is then the review's author)."""

    TYPE: ClassVar[str] = "reviews.comment.deleted.v1"


class CommentHidden(_CommentEvent):
    TYPE: ClassVar[str] = "reviews.comment.hidden.v1"

    reason: str


class CommentUnhidden(_CommentEvent):
    """An admin published again a comment that was hidden."""

    TYPE: ClassVar[str] = "reviews.comment.unhidden.v1"


class CommentLiked(_CommentEvent):
    TYPE: ClassVar[str] = "reviews.comment.liked.v1"

    likes: int = Field(ge=0)


class CommentUnliked(_CommentEvent):
    TYPE: ClassVar[str] = "reviews.comment.unliked.v1"

    likes: int = Field(ge=0)
