"""What can go wrong in the catalog's use cases, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import Conflict, InvalidInput, NotFound


class CategoryNotFound(NotFound):
    type_slug, title = "category-not-found", "Category not found"


class UnknownCategory(InvalidInput):
    """A request names a category that does not exist (as opposed to asking for one)."""

    type_slug, title = "unknown-category", "Unknown category"


class CategoryNameTaken(Conflict):
    type_slug, title = "category-name-taken", "Category name taken"


class CategoryNotEmpty(Conflict):
    type_slug, title = "category-not-empty", "Category not empty"


class InvalidCategoryMove(Conflict):
    type_slug, title = "invalid-category-move", "Category cannot move there"


class ProductNotFound(NotFound):
    type_slug, title = "product-not-found", "Product not found"


class ImageNotFound(NotFound):
    type_slug, title = "image-not-found", "Image not found"


class TooManyImages(Conflict):
    type_slug, title = "too-many-images", "Too many images"


class ReservationNotFound(NotFound):
    type_slug, title = "reservation-not-found", "Reservation not found"


class ReservationConflict(Conflict):
    """The reservation id was used for other items, or its state forbids the step."""

    type_slug, title = "reservation-conflict", "Reservation conflict"


class ProductUnavailable(Conflict):
    type_slug, title = "product-unavailable", "Product unavailable"


class InsufficientStock(Conflict):
    type_slug, title = "insufficient-stock", "Not enough in stock"


class UnknownProduct(InvalidInput):
    type_slug, title = "unknown-product", "Unknown product"
