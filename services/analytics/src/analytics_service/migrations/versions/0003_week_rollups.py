"""Weekly product rollups, and the product's category on the weekly, monthly and total
rollups, so a period's ranking reads few buckets and a category's reads an index on
(category, period, figure). Both are filled from what the store holds: weeks summed from
the daily rows, categories from the products.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANKED = ("views", "orders", "revenue")
FIGURES = (
    "views",
    "orders",
    "paid_orders",
    "units",
    "revenue",
    "cancellations",
    "refunds",
    "reviews",
    "rating_sum",
)
COLUMNS = ", ".join(FIGURES)
SUMS = ", ".join(f"sum(d.{name})" for name in FIGURES)


def _week_of_day() -> str:
    """The Monday of ``d.day``'s week, in SQL."""
    if op.get_bind().dialect.name == "sqlite":
        # strftime('%w') is 0 on Sunday: Monday is ((w + 6) % 7) days back.
        return "date(d.day, '-' || ((CAST(strftime('%w', d.day) AS INTEGER) + 6) % 7) || ' days')"
    return "CAST(date_trunc('week', d.day) AS DATE)"


def upgrade() -> None:
    op.create_table(
        "product_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint("week", "product_id", name=op.f("pk_product_weeks")),
    )
    week = _week_of_day()
    op.execute(
        f"INSERT INTO product_weeks (week, product_id, category_id, {COLUMNS}) "  # noqa: S608
        f"SELECT {week}, d.product_id, p.category_id, {SUMS} "
        "FROM product_days d JOIN products p ON p.product_id = d.product_id "
        f"GROUP BY {week}, d.product_id, p.category_id"
    )
    for table in ("product_months", "product_totals"):
        op.add_column(table, sa.Column("category_id", sa.Uuid(), nullable=True))
        op.execute(
            f"UPDATE {table} SET category_id = (SELECT p.category_id FROM products p"  # noqa: S608
            f" WHERE p.product_id = {table}.product_id)"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("category_id", existing_type=sa.Uuid(), nullable=False)
    op.create_index("ix_product_weeks_product", "product_weeks", ["product_id", "week"])
    op.create_index("ix_product_months_product", "product_months", ["product_id", "month"])
    for name in RANKED:
        op.create_index(f"ix_product_weeks_{name}", "product_weeks", ["week", name, "product_id"])
        for table, period in (("product_weeks", "week"), ("product_months", "month")):
            op.create_index(
                f"ix_{table}_category_{name}", table, ["category_id", period, name, "product_id"]
            )
        op.create_index(
            f"ix_product_totals_category_{name}",
            "product_totals",
            ["category_id", name, "product_id"],
        )
    if op.get_bind().dialect.name == "postgresql":
        # Statistics for the filled table and the new column now, not at autovacuum's next
        # pass: without them the planner reads a category's buckets the slow way.
        op.execute("ANALYZE product_weeks, product_months, product_totals")


def downgrade() -> None:
    for name in RANKED:
        op.drop_index(f"ix_product_totals_category_{name}", table_name="product_totals")
        op.drop_index(f"ix_product_months_category_{name}", table_name="product_months")
    op.drop_index("ix_product_months_product", table_name="product_months")
    for table in ("product_months", "product_totals"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("category_id")
    op.drop_table("product_weeks")
