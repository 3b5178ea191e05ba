"""Read paths: one index per sort holding its whole keyset, index-only facet counts, and the
category tree's version row.

Each sort of the product list (newest, price, rating, popular) gets an index on
``status`` followed by every column of its keyset, so a page is a range read in index
order instead of a sort of all active products; ``(status, category_id)`` and the
``category_id`` at the end of the price index let the per-category counts read an index
alone. ``category_tree_version`` is bumped with every change of the category tree, so that
replicas caching the tree know when to reload it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name: (columns after this revision, columns before it; None: new here)
INDEXES: dict[str, tuple[list[str], list[str] | None]] = {
    "ix_products_status_id": (["status", "id"], None),
    "ix_products_status_price": (["status", "price", "id", "category_id"], ["status", "price"]),
    "ix_products_status_rating": (
        ["status", "rating_avg", "review_count", "id"],
        ["status", "rating_avg"],
    ),
    "ix_products_status_orders": (
        ["status", "orders_count", "views", "id"],
        ["status", "orders_count"],
    ),
    "ix_products_status_category": (["status", "category_id"], None),
}


def upgrade() -> None:
    op.create_table(
        "category_tree_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_category_tree_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_tree_version")),
    )
    op.execute("INSERT INTO category_tree_version (id, version) VALUES (1, 0)")
    for name, (columns, before) in INDEXES.items():
        if before is not None:
            op.drop_index(name, table_name="products")
        op.create_index(name, "products", columns)
    if op.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the planner to weigh the new indexes by.
        op.execute("ANALYZE products")


def downgrade() -> None:
    for name, (_, before) in INDEXES.items():
        op.drop_index(name, table_name="products")
        if before is not None:
            op.create_index(name, "products", before)
    op.drop_table("category_tree_version")
