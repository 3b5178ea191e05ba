"""Indexes the popular lists rank by: each period's rows by views, orders and revenue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANKED = ("views", "orders", "revenue")


def upgrade() -> None:
    for name in RANKED:
        # With the product id: the top rows of a period come from the index alone.
        op.create_index(f"ix_product_days_{name}", "product_days", ["day", name, "product_id"])
        op.create_index(
            f"ix_product_months_{name}", "product_months", ["month", name, "product_id"]
        )
        op.create_index(f"ix_product_totals_{name}", "product_totals", [name, "product_id"])


def downgrade() -> None:
    for name in RANKED:
        op.drop_index(f"ix_product_totals_{name}", table_name="product_totals")
        op.drop_index(f"ix_product_months_{name}", table_name="product_months")
        op.drop_index(f"ix_product_days_{name}", table_name="product_days")
