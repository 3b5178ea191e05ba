"""What can go wrong in the payments use cases, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import Conflict, InvalidInput, NotFound, ServiceUnavailable


class InvalidCard(InvalidInput):
    """A card field is malformed or the card has expired. The detail names the field and
    never repeats the value."""

    type_slug, title = "invalid-card", "Invalid card"


class PaymentNotFound(NotFound):
    type_slug, title = "payment-not-found", "Payment not found"


class OrderNotFound(NotFound):
    """The order does not exist or is someone else's: the caller cannot tell which."""

    type_slug, title = "order-not-found", "Order not found"


class OrderNotPayable(Conflict):
    type_slug, title = "order-not-payable", "Order not awaiting payment"


class OrderSettling(Conflict):
    """The order still shows the last try as under way: its failure is on its way to orders
    as an event. Worth repeating in a moment, so the answer says when."""

    type_slug, title = "order-settling", "Order still settling the last payment"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class AmountMismatch(Conflict):
    type_slug, title = "amount-mismatch", "Amount does not match the order"


class PaymentInProgress(Conflict):
    type_slug, title = "payment-in-progress", "Payment in progress"


class AlreadyPaid(Conflict):
    type_slug, title = "already-paid", "Order already paid"


class OrdersUnavailable(ServiceUnavailable):
    type_slug, title = "orders-unavailable", "Orders service unavailable"
