"""Placed orders: payments' projection of orders' creation events, so that paying an order
payments has seen placed needs no call to orders (``domain.orders``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "placed_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("placed_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_placed_orders"),
    )


def downgrade() -> None:
    op.drop_table("placed_orders")
