"""The orders service's tables. The platform's outbox/inbox live on ``PlatformBase`` and the
idempotency keys on ``IdempotencyBase``; the migration history creates all three sets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata

STATUSES = "'created', 'processing', 'paid', 'cancelled', 'delivered'"


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # also the stock reservation's id
    user_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(Integer)  # minor units
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    # Why the last payment failed, shown until the order is paid.
    payment_failure: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Reconciliation and auto-delivery count from here; the unpaid timeout from created_at.
    status_changed_at: Mapped[datetime]

    items: Mapped[list[OrderItem]] = relationship(
        order_by="OrderItem.position", lazy="selectin", cascade="all, delete-orphan"
    )
    history: Mapped[list[OrderHistoryEntry]] = relationship(
        order_by="OrderHistoryEntry.id", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(f"status IN ({STATUSES})", name="status"),
        CheckConstraint("total >= 0", name="total"),
        # "My orders", newest first; the sweepers' "in this status since before then".
        Index("ix_orders_user_id_id", "user_id", "id"),
        Index("ix_orders_status_status_changed_at", "status", "status_changed_at"),
        # The unpaid timeout's "created, and placed before then".
        Index("ix_orders_status_created_at", "status", "created_at"),
    )


class OrderItem(Base):
    """A line with the price and title the product had when the order was placed."""

    __tablename__ = "order_items"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(1000))

    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("unit_price >= 0", name="unit_price"),
    )


class OrderHistoryEntry(Base):
    """A change of status (or a note on the current one: a refund), why, who, when."""

    __tablename__ = "order_history"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # UUIDv7: time order
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
    actor: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class OrderPayment(Base):
    """What the order last learnt of one of its payments: judges late and repeated news."""

    __tablename__ = "order_payments"

    payment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime]


class StockAction(Base):
    """A call the catalog still has to receive (release or commit a reservation), written in
    the transaction that decided it: a catalog that is down delays it, never loses it."""

    __tablename__ = "stock_actions"

    reservation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (CheckConstraint("action IN ('release', 'commit')", name="action"),)
