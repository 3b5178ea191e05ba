"""The orders service's tables, and how the domain's classes are stored in them.

The domain classes (``Order`` and its items and history, ``KnownPayment``, ``StockCall``) are
plain Python; ``map_imperatively`` teaches the ORM to load and store them here, so the domain
never imports SQLAlchemy (Cosmic Python, chapter 2). Statuses and other enumerations are kept
as the strings the migrations define, and read back as the domain's enums.

The platform's outbox/inbox live on ``PlatformBase`` and the idempotency keys on
``IdempotencyBase``; the migration history creates all three sets, and the migration tests
check it still matches ``metadata``.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import registry, relationship
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata
from orders_service.domain.orders import HistoryEntry, Order, OrderItem
from orders_service.domain.payments import KnownPayment, PaymentOutcome
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.domain.stock import StockAction, StockCall

STATUSES = "'created', 'processing', 'paid', 'cancelled', 'delivered'"


class EnumText(TypeDecorator[enum.StrEnum]):
    """A ``StrEnum`` stored as its value in a ``VARCHAR`` column."""

    impl = String
    cache_ok = True

    def __init__(self, kind: type[enum.StrEnum], length: int) -> None:
        super().__init__(length)
        self.kind = kind

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.kind(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> enum.StrEnum | None:
        return None if value is None else self.kind(value)


def _of_an_order() -> Column[Any]:
    """The order a row of its history or payments belongs to, deleted with it."""
    return Column(
        "order_id", Uuid(), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )


metadata = new_metadata()
mapper = registry(metadata=metadata)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid(), primary_key=True),  # also the stock reservation's id
    Column("user_id", Uuid(), nullable=False),
    Column("status", EnumText(OrderStatus, 16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Integer(), nullable=False),  # minor units
    Column("address", String(500)),
    Column("payment_failure", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("status_changed_at", UTCDateTime(), nullable=False),
    CheckConstraint(f"status IN ({STATUSES})", name="status"),
    CheckConstraint("total >= 0", name="total"),
    # "My orders", newest first; the sweepers' "in this status since before then".
    Index("ix_orders_user_id_id", "user_id", "id"),
    Index("ix_orders_status_status_changed_at", "status", "status_changed_at"),
    # The unpaid timeout's "created, and placed before then".
    Index("ix_orders_status_created_at", "status", "created_at"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("order_id", Uuid(), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", Uuid(), primary_key=True),
    Column("position", Integer(), nullable=False),  # the buyer's order of the lines
    Column("quantity", Integer(), nullable=False),
    Column("unit_price", Integer(), nullable=False),
    Column("title", String(1000), nullable=False),
    CheckConstraint("quantity >= 1", name="quantity"),
    CheckConstraint("unit_price >= 0", name="unit_price"),
)

order_history = Table(
    "order_history",
    metadata,
    Column("id", Uuid(), primary_key=True),  # UUIDv7: time order
    _of_an_order(),
    Column("status", EnumText(OrderStatus, 16), nullable=False),
    Column("from_status", EnumText(OrderStatus, 16)),
    Column("reason", String(200)),
    Column("actor", EnumText(Actor, 16), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

order_payments = Table(
    "order_payments",
    metadata,
    Column("payment_id", Uuid(), primary_key=True),
    _of_an_order(),
    Column("outcome", EnumText(PaymentOutcome, 16), nullable=False),
    Column("reason", String(64)),
    Column("updated_at", UTCDateTime(), nullable=False),
)

stock_actions = Table(
    "stock_actions",
    metadata,
    Column("reservation_id", Uuid(), primary_key=True),
    Column("action", EnumText(StockAction, 16), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("last_error", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False, index=True),
    CheckConstraint("action IN ('release', 'commit')", name="action"),
)


def _map() -> None:
    mapper.map_imperatively(OrderItem, order_items)
    mapper.map_imperatively(HistoryEntry, order_history)
    mapper.map_imperatively(
        Order,
        orders,
        properties={
            # Loaded with the order (one query per collection for a whole page of orders):
            # an order is always shown with its lines and history.
            "items": relationship(
                OrderItem,
                order_by=order_items.c.position,
                collection_class=ordering_list("position"),
                lazy="selectin",
                cascade="all, delete-orphan",
            ),
            "history": relationship(
                HistoryEntry,
                order_by=order_history.c.id,
                lazy="selectin",
                cascade="all, delete-orphan",
            ),
        },
    )
    mapper.map_imperatively(KnownPayment, order_payments)
    mapper.map_imperatively(StockCall, stock_actions)


_map()
