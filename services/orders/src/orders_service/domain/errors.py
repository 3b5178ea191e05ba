"""What can go wrong in the orders service's use cases, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import Conflict, InvalidInput, NotFound, ServiceUnavailable


class OrderNotFound(NotFound):
    """Also what another user gets for someone's order: its existence is not revealed."""

    type_slug, title = "order-not-found", "Order not found"


class InvalidTransition(Conflict):
    type_slug, title = "invalid-transition", "Invalid status transition"


class UnknownProduct(InvalidInput):
    type_slug, title = "unknown-product", "Unknown product"


class DuplicateProduct(InvalidInput):
    type_slug, title = "duplicate-product", "Product listed twice"


class ProductUnavailable(Conflict):
    type_slug, title = "product-unavailable", "Product unavailable"


class InsufficientStock(Conflict):
    type_slug, title = "insufficient-stock", "Not enough in stock"


class CatalogUnavailable(ServiceUnavailable):
    type_slug, title = "catalog-unavailable", "Catalog unavailable"


class ReservationLapsed(ServiceUnavailable):
    """The order took so long to store that its reservation was released meanwhile."""

    type_slug, title = "reservation-lapsed", "Reservation lapsed"


class TooManyUnpaidOrders(Conflict):
    """The problem names the limit (``limit``) and the user's open orders (``open_orders``)."""

    type_slug, title = "too-many-unpaid-orders", "Too many unpaid orders"


class TooManyUnpaidUnits(Conflict):
    """The problem names the limit (``limit``), the units the user's unpaid orders hold
    (``held_units``) and those asked for (``requested_units``)."""

    type_slug, title = "too-many-unpaid-units", "Too many units held by unpaid orders"
