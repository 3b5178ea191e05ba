"""The review aggregate: one user's rating and text about one product.

Its methods hold the rules (who may change it, what it may become) and record the event
each change causes; a change that moves the product's rating figures returns the
``RatingChange`` for the use case to hand to the product's ``ProductRating`` in the same
transaction. Only a *published* review counts in the figures and is seen by everyone; a
*hidden* one (an admin's decision, with a reason, which an admin may undo) is seen by its
author and admins; a *deleted* one was removed by an admin and is kept, with the reason, for
the record. A review its author deletes is erased (``erased``), with its comments and likes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from marketplace_contracts import (
    ReviewCreated,
    ReviewDeleted,
    ReviewHidden,
    ReviewUnhidden,
    ReviewUpdated,
)
from marketplace_platform.aggregates import Aggregate
from reviews_service.domain.actors import SYSTEM, Actor
from reviews_service.domain.errors import (
    Moderated,
    NotHidden,
    NotTheAuthor,
    ReviewNotFound,
)
from reviews_service.domain.products import KnownProduct
from reviews_service.domain.ratings import NO_CHANGE, RatingChange, check_rating
from reviews_service.domain.texts import MAX_REVIEW_TEXT, check_reason, check_text


class Visibility(StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"
    DELETED = "deleted"


class Review(Aggregate):
    def __init__(
        self,
        *,
        id: uuid.UUID,
        product_id: uuid.UUID,
        author_id: uuid.UUID,
        rating: int,
        text: str,
        verified_purchase: bool,
        created_at: datetime,
    ) -> None:
        self.id = id
        self.product_id = product_id
        self.author_id = author_id
        self.rating = rating
        self.text = text
        self.status = Visibility.PUBLISHED.value
        self.verified_purchase = verified_purchase
        self.likes = 0
        self.comments = 0
        self.created_at = created_at
        self.updated_at = created_at
        self.moderation_reason: str | None = None
        self.moderated_by: uuid.UUID | None = None
        self.moderated_at: datetime | None = None

    # -- writing one -----------------------------------------------------------------------

    @classmethod
    def write(
        cls,
        *,
        id: uuid.UUID,
        product: KnownProduct,
        author: Actor,
        rating: int,
        text: str,
        verified_purchase: bool,
        at: datetime,
    ) -> tuple[Review, RatingChange]:
        """A new published review, and its share in the product's figures."""
        if author.id is None:
            raise ValueError("a review has a user for author")
        product.ensure_open_for_reviews()
        review = cls(
            id=id,
            product_id=product.product_id,
            author_id=author.id,
            rating=check_rating(rating),
            text=check_text(text, limit=MAX_REVIEW_TEXT),
            verified_purchase=verified_purchase,
            created_at=at,
        )
        review.record(
            ReviewCreated(
                **review._about(author),
                rating=review.rating,
                text=review.text,
                verified_purchase=verified_purchase,
                created_at=at,
            )
        )
        return review, RatingChange.added(review.rating)

    # -- what it is ------------------------------------------------------------------------

    @property
    def published(self) -> bool:
        return self.status == Visibility.PUBLISHED

    @property
    def erased(self) -> bool:
        """Deleted by its author: the row goes, with its comments and likes."""
        return self.status == Visibility.DELETED and self.moderated_by is None

    def visible_to(self, actor: Actor | None) -> bool:
        """Published: everyone. Hidden: its author and admins. Deleted: admins."""
        if self.published:
            return True
        if actor is None:
            return False
        if self.status == Visibility.HIDDEN:
            return actor.is_admin or actor.is_(self.author_id)
        return actor.is_admin and not self.erased

    def ensure_visible_to(self, actor: Actor | None) -> None:
        if not self.visible_to(actor):
            raise ReviewNotFound("There is no review with this id.")

    def _share(self) -> RatingChange:
        return RatingChange.added(self.rating) if self.published else NO_CHANGE

    # -- its author's changes --------------------------------------------------------------

    def edit(
        self, *, actor: Actor, at: datetime, rating: int | None = None, text: str | None = None
    ) -> RatingChange:
        """The author's new rating and/or text; no event when nothing changes."""
        self._ensure_author(actor, "change")
        if not self.published:
            raise Moderated(f"A moderator hid this review: {self.moderation_reason}")
        changed = []
        before = self._share()
        if rating is not None and check_rating(rating) != self.rating:
            self.rating = rating
            changed.append("rating")
        if text is not None and check_text(text, limit=MAX_REVIEW_TEXT) != self.text:
            self.text = text
            changed.append("text")
        if not changed:
            return NO_CHANGE
        self.updated_at = at
        self.record(self._updated(actor, changed))
        return self._share() + -before

    def delete(self, *, actor: Actor, at: datetime, reason: str | None = None) -> RatingChange:
        """By its author: erased. By an admin: kept as deleted, with the reason."""
        self.ensure_visible_to(actor)
        before = self._share()
        if actor.is_(self.author_id):
            self.status = Visibility.DELETED.value
            self.moderated_by = None
            self.record(ReviewDeleted(**self._about(actor), reason=None))
            return -before
        if not actor.is_admin:
            raise NotTheAuthor("Only its author (or an admin) can delete a review.")
        if self.status == Visibility.DELETED:
            return NO_CHANGE
        self._moderate(actor, Visibility.DELETED, check_reason(reason or ""), at)
        self.record(ReviewDeleted(**self._about(actor), reason=self.moderation_reason))
        return -before

    # -- an admin's --------------------------------------------------------------------------

    def hide(self, *, actor: Actor, reason: str, at: datetime) -> RatingChange:
        """Hidden from everyone but its author and admins; hiding it again changes nothing."""
        if not actor.is_admin:
            raise NotTheAuthor("Only an admin can hide a review.")
        self.ensure_visible_to(actor)
        reason = check_reason(reason)
        if not self.published:
            return NO_CHANGE
        self._moderate(actor, Visibility.HIDDEN, reason, at)
        self.record(ReviewHidden(**self._about(actor), reason=reason))
        return RatingChange.removed(self.rating)

    def unhide(self, *, actor: Actor, at: datetime) -> RatingChange:
        """Published again, counted in the figures again; un-hiding a published review
        changes nothing. The reason it was hidden is cleared from the review (which says
        what is true now) and stays in the history: the ``ReviewHidden`` event holds it.
        A review an admin deleted stays deleted (``NotHidden``)."""
        if not actor.is_admin:
            raise NotTheAuthor("Only an admin can un-hide a review.")
        self.ensure_visible_to(actor)
        if self.published:
            return NO_CHANGE
        if self.status != Visibility.HIDDEN:
            raise NotHidden("An admin deleted this review; a deletion is not undone.")
        self.status = Visibility.PUBLISHED.value
        self.moderation_reason = self.moderated_by = self.moderated_at = None
        self.updated_at = at
        self.record(ReviewUnhidden(**self._about(actor)))
        return RatingChange.added(self.rating)

    # -- the system's ----------------------------------------------------------------------

    def verify(self, purchased: bool, *, at: datetime) -> None:
        """The author's purchase of the product became known (or was refunded)."""
        if purchased == self.verified_purchase:
            return
        self.verified_purchase = purchased
        self.updated_at = at
        self.record(self._updated(SYSTEM, ["verified_purchase"]))

    # -- helpers -----------------------------------------------------------------------------

    def _ensure_author(self, actor: Actor, verb: str) -> None:
        self.ensure_visible_to(actor)
        if not actor.is_(self.author_id):
            raise NotTheAuthor(f"Only its author can {verb} a review.")

    def _moderate(self, actor: Actor, status: Visibility, reason: str, at: datetime) -> None:
        self.status = status.value
        self.moderation_reason = reason
        self.moderated_by = actor.id
        self.moderated_at = at

    def _about(self, actor: Actor) -> dict[str, object]:
        return {
            "review_id": self.id,
            "product_id": self.product_id,
            "author_id": self.author_id,
            "actor_id": actor.id,
            "actor_role": actor.role,
        }

    def _updated(self, actor: Actor, changed: list[str]) -> ReviewUpdated:
        return ReviewUpdated(
            **self._about(actor),
            rating=self.rating,
            text=self.text,
            verified_purchase=self.verified_purchase,
            changed=changed,
        )
