"""Event contracts: the only thing services know about each other."""

from marketplace_contracts.auth import UserRegistered, UserUpdated
from marketplace_contracts.catalog import (
    ProductArchived,
    ProductCreated,
    ProductPriceChanged,
    ProductUpdated,
    ProductViews,
    ProductViewsCounted,
    StockChanged,
)
from marketplace_contracts.envelope import Envelope, Event, stream_name, stream_subjects
from marketplace_contracts.orders import (
    OrderCancelled,
    OrderCreated,
    OrderLine,
    OrderPaid,
    OrderStatusChanged,
)
from marketplace_contracts.payments import (
    PaymentFailed,
    PaymentRefunded,
    PaymentStarted,
    PaymentSucceeded,
)
from marketplace_contracts.reviews import ProductRatingChanged

EVENT_TYPES: dict[str, type[Event]] = {
    model.TYPE: model
    for model in (
        UserRegistered,
        UserUpdated,
        ProductCreated,
        ProductUpdated,
        ProductArchived,
        ProductPriceChanged,
        StockChanged,
        ProductViewsCounted,
        ProductRatingChanged,
        OrderCreated,
        OrderStatusChanged,
        OrderCancelled,
        OrderPaid,
        PaymentStarted,
        PaymentSucceeded,
        PaymentFailed,
        PaymentRefunded,
    )
}

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "Event",
    "OrderCancelled",
    "OrderCreated",
    "OrderLine",
    "OrderPaid",
    "OrderStatusChanged",
    "PaymentFailed",
    "PaymentRefunded",
    "PaymentStarted",
    "PaymentSucceeded",
    "ProductArchived",
    "ProductCreated",
    "ProductPriceChanged",
    "ProductRatingChanged",
    "ProductUpdated",
    "ProductViews",
    "ProductViewsCounted",
    "StockChanged",
    "UserRegistered",
    "UserUpdated",
    "stream_name",
    "stream_subjects",
]
