"""The payments service's tables. The platform's outbox and inbox live on ``PlatformBase`` and
the idempotency keys on ``IdempotencyBase``; the migration history creates all three sets.

No column can hold a card number: a card is kept as its brand and last four digits.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata

_REASONS = "'card_declined', 'insufficient_funds', 'processing_error', 'expired_card'"
_ACTIVE = text("status IN ('pending', 'succeeded')")
_OPEN = text("closed_at IS NULL")


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class Payment(Base):
    """One try at paying an order with one card (see ``domain.payments``). Its id is also the
    processor's charge key: asking the processor about it (recovery) or charging it twice
    (a retry) can only ever concern this payment."""

    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    order_id: Mapped[uuid.UUID]
    # 1 for the order's first try, 2 after a decline, ...
    attempt: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of ``currency``
    currency: Mapped[str] = mapped_column(String(3))
    failure_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    card_brand: Mapped[str] = mapped_column(String(16))
    card_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
    refunded_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'refunded')", name="status"
        ),
        CheckConstraint(f"failure_reason IS NULL OR failure_reason IN ({_REASONS})", name="reason"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        # Two first tries racing collide here: the loser is told a payment is in progress.
        Index("ux_payments_order_attempt", "order_id", "attempt", unique=True),
        # At most one pending or succeeded payment per order, whatever the application does.
        Index(
            "ux_payments_order_active",
            "order_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        # Recovery looks for pending payments by age.
        Index("ix_payments_status_updated_at", "status", "updated_at"),
    )


class CancelledOrder(Base):
    """Payments' projection of orders' cancellations, fed by orders' events: the reconciler
    refunds every succeeded payment of an order listed here (``service.refunds``).

    ``closed_at`` is set once nothing of the order can need a refund any more; the
    reconciler looks only at open rows, through a partial index, so an idle round is one
    query that finds nothing."""

    __tablename__ = "cancelled_orders"

    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    cancelled_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index(
            "ix_cancelled_orders_open",
            "cancelled_at",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )
