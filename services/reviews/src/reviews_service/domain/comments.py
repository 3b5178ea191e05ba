"""The comment aggregate: a user's reply under a review.

Comments are a conversation, shown oldest first under their review. Their author edits or
deletes them (deleted is erased, with its likes); an admin hides them, with a reason, and may
publish them again. A comment also goes when its review's author deletes the review. Each
comment keeps the review's product and author, which never change, so that its events can
name them without reading the review again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from marketplace_contracts import (
    CommentCreated,
    CommentDeleted,
    CommentHidden,
    CommentUnhidden,
    CommentUpdated,
)
from marketplace_platform.aggregates import Aggregate
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import (
    CommentNotFound,
    Moderated,
    NotTheAuthor,
    ReviewNotFound,
)
from reviews_service.domain.reviews import Review
from reviews_service.domain.texts import MAX_COMMENT_TEXT, check_reason, check_text


class CommentStatus(StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"


class Comment(Aggregate):
    def __init__(
        self,
        *,
        id: uuid.UUID,
        review_id: uuid.UUID,
        product_id: uuid.UUID,
        review_author_id: uuid.UUID,
        author_id: uuid.UUID,
        text: str,
        created_at: datetime,
    ) -> None:
        self.id = id
        self.review_id = review_id
        self.product_id = product_id
        self.review_author_id = review_author_id
        self.author_id = author_id
        self.text = text
        self.status = CommentStatus.PUBLISHED.value
        self.likes = 0
        self.created_at = created_at
        self.updated_at = created_at
        self.moderation_reason: str | None = None
        self.moderated_by: uuid.UUID | None = None
        self.moderated_at: datetime | None = None

    @classmethod
    def write(
        cls, *, id: uuid.UUID, review: Review, author: Actor, text: str, at: datetime
    ) -> Comment:
        """A comment under a published review (others are not there to comment on)."""
        if author.id is None:
            raise ValueError("a comment has a user for author")
        if not review.published:
            raise ReviewNotFound("There is no review with this id.")
        comment = cls(
            id=id,
            review_id=review.id,
            product_id=review.product_id,
            review_author_id=review.author_id,
            author_id=author.id,
            text=check_text(text, limit=MAX_COMMENT_TEXT),
            created_at=at,
        )
        comment.record(CommentCreated(**comment._about(author), text=comment.text, created_at=at))
        return comment

    @property
    def published(self) -> bool:
        return self.status == CommentStatus.PUBLISHED

    def visible_to(self, actor: Actor | None) -> bool:
        """Published: everyone; hidden: its author and admins."""
        if self.published:
            return True
        return actor is not None and (actor.is_admin or actor.is_(self.author_id))

    def ensure_visible_to(self, actor: Actor | None) -> None:
        if not self.visible_to(actor):
            raise CommentNotFound("There is no comment with this id.")

    def edit(self, *, actor: Actor, text: str, at: datetime) -> None:
        self._ensure_author(actor, "change")
        if not self.published:
            raise Moderated(f"A moderator hid this comment: {self.moderation_reason}")
        if check_text(text, limit=MAX_COMMENT_TEXT) == self.text:
            return
        self.text = text
        self.updated_at = at
        self.record(CommentUpdated(**self._about(actor), text=text))

    def delete(self, *, actor: Actor) -> bool:
        """Its author erases it; True if it counted among its review's comments."""
        self._ensure_author(actor, "delete")
        self.record(CommentDeleted(**self._about(actor)))
        return self.published

    def hide(self, *, actor: Actor, reason: str, at: datetime) -> bool:
        """True if it was published until now (hiding twice changes nothing)."""
        if not actor.is_admin:
            raise NotTheAuthor("Only an admin can hide a comment.")
        reason = check_reason(reason)
        if not self.published:
            return False
        self.status = CommentStatus.HIDDEN.value
        self.moderation_reason = reason
        self.moderated_by = actor.id
        self.moderated_at = at
        self.record(CommentHidden(**self._about(actor), reason=reason))
        return True

    def unhide(self, *, actor: Actor, at: datetime) -> bool:
        """Published again (True), with its reason cleared as a review's is; un-hiding a
        published comment changes nothing (False)."""
        if not actor.is_admin:
            raise NotTheAuthor("Only an admin can un-hide a comment.")
        if self.published:
            return False
        self.status = CommentStatus.PUBLISHED.value
        self.moderation_reason = self.moderated_by = self.moderated_at = None
        self.updated_at = at
        self.record(CommentUnhidden(**self._about(actor)))
        return True

    def erased_with_review(self, *, actor: Actor) -> None:
        """Its review's author deleted the review, and the comment goes with it: the event
        says so, with that author as the actor, so consumers need not infer it."""
        self.record(CommentDeleted(**self._about(actor)))

    def _ensure_author(self, actor: Actor, verb: str) -> None:
        self.ensure_visible_to(actor)
        if not actor.is_(self.author_id):
            raise NotTheAuthor(f"Only its author can {verb} a comment.")

    def _about(self, actor: Actor) -> dict[str, object]:
        return {
            "comment_id": self.id,
            "review_id": self.review_id,
            "product_id": self.product_id,
            "author_id": self.author_id,
            "review_author_id": self.review_author_id,
            "actor_id": actor.id,
            "actor_role": actor.role,
        }
