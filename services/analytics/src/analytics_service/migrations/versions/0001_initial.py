"""Initial schema: the facts of orders, lines and reviews, the projections of products and
users, the rollups the reports read, and the platform's outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:03:08.528598
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marketplace_platform.db
from marketplace_platform.migrations import create_event_tables, drop_event_tables

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "active_counts",
        sa.Column("granularity", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("users", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("granularity", "period", name=op.f("pk_active_counts")),
    )
    op.create_table(
        "active_users",
        sa.Column("granularity", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("granularity", "period", "user_id", name=op.f("pk_active_users")),
    )
    op.create_table(
        "category_days",
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("units", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revenue", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancellations", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reviews", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("category_id", "day", name=op.f("pk_category_days")),
    )
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_order_lines")),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("placed_at", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("failed_payments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_placed_at", ["placed_at"], unique=False)

    op.create_table(
        "product_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("units", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revenue", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancellations", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reviews", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "product_id", name=op.f("pk_product_days")),
    )
    with op.batch_alter_table("product_days", schema=None) as batch_op:
        batch_op.create_index("ix_product_days_product", ["product_id", "day"], unique=False)

    op.create_table(
        "product_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("units", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revenue", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancellations", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reviews", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("month", "product_id", name=op.f("pk_product_months")),
    )
    op.create_table(
        "product_totals",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("units", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revenue", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancellations", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reviews", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_totals")),
    )
    op.create_table(
        "products",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("as_of", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_category", ["category_id", "product_id"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column(
            "rating_as_of", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column(
            "hidden_as_of", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_reviews")),
    )
    op.create_table(
        "sales_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revenue", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancelled_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunded_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("failed_payments", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("new_buyers", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("returning_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_sales_days")),
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("spent", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refunded", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reviews", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comments", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("likes_given", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "registered_at", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_active", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "first_order_at", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "first_paid_at", marketplace_platform.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("first_paid_order", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_last_active", ["last_active"], unique=False)

    create_event_tables(op)


def downgrade() -> None:
    drop_event_tables(op)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_last_active")

    op.drop_table("users")
    op.drop_table("sales_days")
    op.drop_table("reviews")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_category")

    op.drop_table("products")
    op.drop_table("product_totals")
    op.drop_table("product_months")
    with op.batch_alter_table("product_days", schema=None) as batch_op:
        batch_op.drop_index("ix_product_days_product")

    op.drop_table("product_days")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_placed_at")

    op.drop_table("orders")
    op.drop_table("order_lines")
    op.drop_table("category_days")
    op.drop_table("active_users")
    op.drop_table("active_counts")
