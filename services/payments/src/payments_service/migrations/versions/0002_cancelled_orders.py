"""Cancelled orders: payments' projection of orders' cancellations, which the refund
reconciler works from (a refund no longer depends on one event being handled in time).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "cancelled_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("cancelled_at", Timestamp, nullable=False),
        sa.Column("closed_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("order_id", name="pk_cancelled_orders"),
    )
    op.create_index(
        "ix_cancelled_orders_open",
        "cancelled_orders",
        ["cancelled_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_table("cancelled_orders")
