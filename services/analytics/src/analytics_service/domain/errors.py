"""What can go wrong in the analytics service's reports, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import InvalidInput, NotFound


class ProductNotFound(NotFound):
    type_slug, title = "product-not-found", "No figures for this product"


class UserNotFound(NotFound):
    type_slug, title = "user-not-found", "No activity for this user"


class InvalidPeriod(InvalidInput):
    type_slug, title = "invalid-period", "Invalid period"
