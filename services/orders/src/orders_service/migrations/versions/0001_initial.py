"""Initial schema: orders, their items, history and payments' news, the stock calls owed to
the catalog, idempotency keys, and the platform's outbox and inbox.

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
STATUSES = "'created', 'processing', 'paid', 'cancelled', 'delivered'"


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("payment_failure", sa.String(64), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("status_changed_at", Timestamp, nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_orders_status")),
        sa.CheckConstraint("total >= 0", name=op.f("ck_orders_total")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index("ix_orders_user_id_id", "orders", ["user_id", "id"])
    op.create_index("ix_orders_status_status_changed_at", "orders", ["status", "status_changed_at"])

    op.create_table(
        "order_items",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(1000), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_order_items_quantity")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_items_unit_price")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            ondelete="CASCADE",
            name=op.f("fk_order_items_order_id_orders"),
        ),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_order_items")),
    )

    op.create_table(
        "order_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            ondelete="CASCADE",
            name=op.f("fk_order_history_order_id_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_history")),
    )
    op.create_index(op.f("ix_order_history_order_id"), "order_history", ["order_id"])

    op.create_table(
        "order_payments",
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            ondelete="CASCADE",
            name=op.f("fk_order_payments_order_id_orders"),
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_order_payments")),
    )
    op.create_index(op.f("ix_order_payments_order_id"), "order_payments", ["order_id"])

    op.create_table(
        "stock_actions",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("due_at", Timestamp, nullable=False),
        sa.CheckConstraint("action IN ('release', 'commit')", name=op.f("ck_stock_actions_action")),
        sa.PrimaryKeyConstraint("reservation_id", name=op.f("pk_stock_actions")),
    )
    op.create_index(op.f("ix_stock_actions_due_at"), "stock_actions", ["due_at"])

    create_idempotency_table(op)
    create_event_tables(op)


def downgrade() -> None:
    drop_event_tables(op)
    drop_idempotency_table(op)
    op.drop_index(op.f("ix_stock_actions_due_at"), table_name="stock_actions")
    op.drop_table("stock_actions")
    op.drop_index(op.f("ix_order_payments_order_id"), table_name="order_payments")
    op.drop_table("order_payments")
    op.drop_index(op.f("ix_order_history_order_id"), table_name="order_history")
    op.drop_table("order_history")
    op.drop_table("order_items")
    op.drop_index("ix_orders_status_status_changed_at", table_name="orders")
    op.drop_index("ix_orders_user_id_id", table_name="orders")
    op.drop_table("orders")
