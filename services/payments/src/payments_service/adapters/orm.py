"""The payments service's tables, and how the domain's classes are stored in them.

The domain's ``Payment`` and ``CancelledOrder`` are plain Python (``domain/``); this module
maps them to tables *imperatively* (Cosmic Python, chapter 2): the tables are declared here,
the classes know nothing of them, and SQLAlchemy loads and saves them as they are. Importing
this module sets the mapping up, once per process; the repositories import it.

The platform's outbox and inbox live on ``PlatformBase`` and the idempotency keys on
``IdempotencyBase``; the migration history creates all three sets.

No column can hold a card number: a card is kept as its brand and last four digits.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Enum,
    Index,
    Integer,
    String,
    Table,
    text,
)
from sqlalchemy.orm import registry
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata
from payments_service.domain.payments import FailureReason, Payment, PaymentStatus
from payments_service.domain.refunds import CancelledOrder

_REASONS = "'card_declined', 'insufficient_funds', 'processing_error', 'expired_card'"
_ACTIVE = text("status IN ('pending', 'succeeded')")
_OPEN = text("closed_at IS NULL")

metadata = new_metadata()
mapper_registry = registry(metadata=metadata)


def _stored_as_text(kind: type[enum.StrEnum], length: int) -> Enum:
    """A domain enum in a plain ``VARCHAR`` holding its value ("pending"): the check
    constraints below say which values are allowed, on both engines."""
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


payments = Table(
    "payments",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("order_id", Uuid(), nullable=False),
    Column("attempt", Integer(), nullable=False),
    Column("user_id", Uuid(), nullable=False, index=True),
    Column("status", _stored_as_text(PaymentStatus, 16), nullable=False),
    Column("amount", BigInteger(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("failure_reason", _stored_as_text(FailureReason, 32), nullable=True),
    Column("card_brand", String(16), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("settled_at", UTCDateTime(), nullable=True),
    Column("refunded_at", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name="status"),
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

# ``closed_at`` is set once nothing of the order can need a refund any more; the reconciler
# looks only at open rows, through a partial index, so an idle round is one query that finds
# nothing.
cancelled_orders = Table(
    "cancelled_orders",
    metadata,
    Column("order_id", Uuid(), primary_key=True),
    Column("cancelled_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Index("ix_cancelled_orders_open", "cancelled_at", sqlite_where=_OPEN, postgresql_where=_OPEN),
)

mapper_registry.map_imperatively(Payment, payments)
mapper_registry.map_imperatively(CancelledOrder, cancelled_orders)
