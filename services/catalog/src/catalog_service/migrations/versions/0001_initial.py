"""Initial schema: categories, products and their images, stock reservations, the platform's
outbox and inbox, and full-text search on each engine.

PostgreSQL: a weighted ``tsvector`` generated column (title A, attribute values B,
description C) under a GIN index, and a trigram GIN index on the title for typos.
SQLite: an FTS5 index over the products table (external content), kept in step by triggers.
The database maintains both, so every write path keeps search right.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from marketplace_platform.migrations import create_event_tables, drop_event_tables

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UTCDateTime stores through DateTime(timezone=True) on both engines.
Timestamp = sa.DateTime(timezone=True)
Attributes = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

POSTGRES_SEARCH = [
    # Trusted since PostgreSQL 13: a database owner may create it, no superuser needed.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # The 'russian' configuration stems Cyrillic words with the Russian Snowball stemmer and
    # ASCII words with the English one: one vector serves both languages.
    """
    ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, title), 'A')
        || setweight(jsonb_to_tsvector('russian'::regconfig, attributes, '["string", "numeric"]'), 'B')
        || setweight(to_tsvector('russian'::regconfig, description), 'C')
    ) STORED
    """,
    "CREATE INDEX ix_products_search_vector ON products USING gin (search_vector)",
    "CREATE INDEX ix_products_title_trgm ON products USING gin (title gin_trgm_ops)",
]

SQLITE_SEARCH = [
    # External content: the index reads title, attributes (JSON text: its keys and values
    # become words) and description from ``products`` by rowid and stores only the index.
    """
    CREATE VIRTUAL TABLE products_fts USING fts5(
        title, attributes, description,
        content='products', tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts (rowid, title, attributes, description)
        VALUES (new.rowid, new.title, new.attributes, new.description);
    END
    """,
    """
    CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, title, attributes, description)
        VALUES ('delete', old.rowid, old.title, old.attributes, old.description);
    END
    """,
    # Only when indexed text changes: stock and counter updates leave the index alone.
    """
    CREATE TRIGGER products_fts_update AFTER UPDATE OF title, attributes, description
    ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, title, attributes, description)
        VALUES ('delete', old.rowid, old.title, old.attributes, old.description);
        INSERT INTO products_fts (rowid, title, attributes, description)
        VALUES (new.rowid, new.title, new.attributes, new.description);
    END
    """,
]


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["categories.id"],
            ondelete="RESTRICT",
            name=op.f("fk_categories_parent_id_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("path", name=op.f("uq_categories_path")),
    )
    op.create_index(op.f("ix_categories_parent_id"), "categories", ["parent_id"])
    op.create_index(
        "ux_categories_sibling_name", "categories", ["parent_id", "name_key"], unique=True
    )
    op.create_index(
        "ux_categories_top_name",
        "categories",
        ["name_key"],
        unique=True,
        sqlite_where=sa.text("parent_id IS NULL"),
        postgresql_where=sa.text("parent_id IS NULL"),
    )

    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("attributes", Attributes, nullable=False),
        sa.Column("rating_avg", sa.Double(), nullable=False),
        sa.Column("review_count", sa.Integer(), nullable=False),
        sa.Column("rating_changed_at", Timestamp, nullable=True),
        sa.Column("orders_count", sa.Integer(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("kind IN ('product', 'service')", name=op.f("ck_products_kind")),
        sa.CheckConstraint("status IN ('active', 'archived')", name=op.f("ck_products_status")),
        sa.CheckConstraint("price > 0", name=op.f("ck_products_price_positive")),
        sa.CheckConstraint(
            "stock IS NULL OR stock >= 0", name=op.f("ck_products_stock_not_negative")
        ),
        sa.CheckConstraint(
            "(kind = 'service' AND stock IS NULL) OR (kind = 'product' AND stock IS NOT NULL)",
            name=op.f("ck_products_stock_by_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            ondelete="RESTRICT",
            name=op.f("fk_products_category_id_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_index(op.f("ix_products_category_id"), "products", ["category_id"])
    op.create_index("ix_products_status_price", "products", ["status", "price"])
    op.create_index("ix_products_status_rating", "products", ["status", "rating_avg"])
    op.create_index("ix_products_status_orders", "products", ["status", "orders_count"])

    op.create_table(
        "product_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(64), nullable=False),
        sa.Column("small_file", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            ondelete="CASCADE",
            name=op.f("fk_product_images_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
    )
    op.create_index(op.f("ix_product_images_product_id"), "product_images", ["product_id"])

    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "status IN ('reserved', 'committed', 'released')",
            name=op.f("ck_stock_reservations_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservations")),
    )

    op.create_table(
        "stock_reservation_items",
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["stock_reservations.id"],
            ondelete="CASCADE",
            name=op.f("fk_stock_reservation_items_reservation_id_stock_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            ondelete="RESTRICT",
            name=op.f("fk_stock_reservation_items_product_id_products"),
        ),
        sa.PrimaryKeyConstraint(
            "reservation_id", "product_id", name=op.f("pk_stock_reservation_items")
        ),
    )
    op.create_index(
        op.f("ix_stock_reservation_items_product_id"), "stock_reservation_items", ["product_id"]
    )
    create_event_tables(op)

    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_SEARCH if dialect == "postgresql" else SQLITE_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("products_fts_update", "products_fts_delete", "products_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    drop_event_tables(op)
    op.drop_index(
        op.f("ix_stock_reservation_items_product_id"), table_name="stock_reservation_items"
    )
    op.drop_table("stock_reservation_items")
    op.drop_table("stock_reservations")
    op.drop_index(op.f("ix_product_images_product_id"), table_name="product_images")
    op.drop_table("product_images")
    # On PostgreSQL the search column and its indexes go with the table.
    op.drop_table("products")
    op.drop_table("categories")
