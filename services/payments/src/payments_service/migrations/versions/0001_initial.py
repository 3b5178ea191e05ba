"""Initial schema: payments, the platform's outbox and inbox, and the idempotency keys of
``POST /api/payments``.

No column can hold a card number: a card is its brand and last four digits.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marketplace_platform.migrations import (
    create_event_tables,
    create_idempotency_table,
    drop_event_tables,
    drop_idempotency_table,
)

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UTCDateTime stores through DateTime(timezone=True) on both engines.
Timestamp = sa.DateTime(timezone=True)
REASONS = "'card_declined', 'insufficient_funds', 'processing_error', 'expired_card'"
ACTIVE = sa.text("status IN ('pending', 'succeeded')")


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("failure_reason", sa.String(length=32), nullable=True),
        sa.Column("card_brand", sa.String(length=16), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("settled_at", Timestamp, nullable=True),
        sa.Column("refunded_at", Timestamp, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'refunded')", name="ck_payments_status"
        ),
        sa.CheckConstraint(
            f"failure_reason IS NULL OR failure_reason IN ({REASONS})", name="ck_payments_reason"
        ),
        sa.CheckConstraint("amount >= 0", name="ck_payments_amount_not_negative"),
        sa.CheckConstraint("attempt >= 1", name="ck_payments_attempt_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
    )
    op.create_index("ix_payments_user_id", "payments", ["user_id"])
    op.create_index("ux_payments_order_attempt", "payments", ["order_id", "attempt"], unique=True)
    op.create_index(
        "ux_payments_order_active",
        "payments",
        ["order_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index("ix_payments_status_updated_at", "payments", ["status", "updated_at"])

    create_event_tables(op)

    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
    drop_event_tables(op)
    op.drop_table("payments")
