"""Initial schema: reviews, comments, likes, products' rating figures, the projections of
other services' events (products, authors, purchases), and the platform's outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marketplace_platform.migrations import create_event_tables, drop_event_tables

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UTCDateTime stores through DateTime(timezone=True) on both engines.
Timestamp = sa.DateTime(timezone=True)


def _moderation() -> list[sa.Column]:
    return [
        sa.Column("moderation_reason", sa.String(500), nullable=True),
        sa.Column("moderated_by", sa.Uuid(), nullable=True),
        sa.Column("moderated_at", Timestamp, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("verified_purchase", sa.Boolean(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        *_moderation(),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reviews_rating")),
        sa.CheckConstraint(
            "status IN ('published', 'hidden', 'deleted')", name=op.f("ck_reviews_status")
        ),
        sa.CheckConstraint("likes >= 0 AND comments >= 0", name=op.f("ck_reviews_counts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("product_id", "author_id", name="uq_reviews_product_id_author_id"),
    )
    op.create_index("ix_reviews_product_newest", "reviews", ["product_id", "status", "id"])
    op.create_index("ix_reviews_product_liked", "reviews", ["product_id", "status", "likes", "id"])
    op.create_index(
        "ix_reviews_product_rating", "reviews", ["product_id", "status", "rating", "id"]
    )
    op.create_index("ix_reviews_author_newest", "reviews", ["author_id", "id"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("review_author_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        *_moderation(),
        sa.CheckConstraint("status IN ('published', 'hidden')", name=op.f("ck_comments_status")),
        sa.CheckConstraint("likes >= 0", name=op.f("ck_comments_likes")),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_comments_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_review_thread", "comments", ["review_id", "status", "id"])

    for table, target, parent in (
        ("review_likes", "review_id", "reviews"),
        ("comment_likes", "comment_id", "comments"),
    ):
        op.create_table(
            table,
            sa.Column(target, sa.Uuid(), nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=False),
            sa.Column("created_at", Timestamp, nullable=False),
            sa.ForeignKeyConstraint(
                [target],
                [f"{parent}.id"],
                name=op.f(f"fk_{table}_{target}_{parent}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(target, "user_id", name=op.f(f"pk_{table}")),
        )

    op.create_table(
        "product_ratings",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        *(sa.Column(f"stars_{n}", sa.Integer(), nullable=False) for n in range(1, 6)),
        sa.CheckConstraint(
            "stars_1 >= 0 AND stars_2 >= 0 AND stars_3 >= 0 AND stars_4 >= 0 AND stars_5 >= 0",
            name=op.f("ck_product_ratings_stars"),
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_ratings")),
    )

    op.create_table(
        "products",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_products")),
    )
    op.create_table(
        "authors",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("as_of", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_authors")),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_purchase_orders")),
    )
    op.create_table(
        "purchase_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.order_id"],
            name=op.f("fk_purchase_lines_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_purchase_lines")),
    )
    op.create_index(
        "ix_purchase_lines_user_id_product_id", "purchase_lines", ["user_id", "product_id"]
    )

    create_event_tables(op)


def downgrade() -> None:
    drop_event_tables(op)
    op.drop_index("ix_purchase_lines_user_id_product_id", table_name="purchase_lines")
    for table in ("purchase_lines", "purchase_orders", "authors", "products", "product_ratings"):
        op.drop_table(table)
    op.drop_table("comment_likes")
    op.drop_table("review_likes")
    op.drop_index("ix_comments_review_thread", table_name="comments")
    op.drop_table("comments")
    for index in (
        "ix_reviews_author_newest",
        "ix_reviews_product_rating",
        "ix_reviews_product_liked",
        "ix_reviews_product_newest",
    ):
        op.drop_index(index, table_name="reviews")
    op.drop_table("reviews")
