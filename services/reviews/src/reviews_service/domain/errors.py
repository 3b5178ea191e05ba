"""What can go wrong in the reviews service's use cases, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
)


class ReviewNotFound(NotFound):
    type_slug, title = "review-not-found", "Review not found"


class CommentNotFound(NotFound):
    type_slug, title = "comment-not-found", "Comment not found"


class UnknownProduct(InvalidInput):
    """A review names a product the catalog does not have."""

    type_slug, title = "unknown-product", "Unknown product"


class ProductArchived(Conflict):
    type_slug, title = "product-archived", "Product archived"


class AlreadyReviewed(Conflict):
    type_slug, title = "already-reviewed", "Already reviewed"


ALREADY_REVIEWED = (
    "You have a review of this product already: edit it, or delete it to write a new one."
)


class NotTheAuthor(Forbidden):
    type_slug, title = "not-the-author", "Not the author"


class OwnContent(Forbidden):
    """Liking what one wrote oneself."""

    type_slug, title = "own-content", "Cannot like your own"


class Moderated(Conflict):
    """The author tries to change what an admin hid."""

    type_slug, title = "moderated", "Hidden by a moderator"


class NotHidden(Conflict):
    """An admin un-hides what was not hidden but deleted."""

    type_slug, title = "not-hidden", "Not hidden"


class InvalidText(InvalidInput):
    type_slug, title = "invalid-text", "Invalid text"


class InvalidRating(InvalidInput):
    type_slug, title = "invalid-rating", "Invalid rating"


class CatalogUnavailable(ServiceUnavailable):
    type_slug, title = "catalog-unavailable", "Catalog unavailable"
