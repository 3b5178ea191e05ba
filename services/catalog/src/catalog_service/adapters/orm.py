"""The catalog service's tables, and how the domain's classes map onto them.

Two kinds of classes live in these tables:

- **Aggregates** (``domain.products.Product`` with its ``ProductImage``s,
  ``domain.stock.Reservation`` with its ``ReservedItem``s) are plain Python classes in
  ``domain``. Their tables are declared here as ``Table``s and the classes are mapped onto
  them *imperatively* (``registry.map_imperatively``), so the domain never imports SQLAlchemy
  and the rules are tested without a database.
- **Data** (``Category``, ``CategoryTreeVersion``) has rules but no behaviour of its own and
  records no events: it stays a declarative ORM class, which the repositories return.

The platform's outbox and inbox live on ``PlatformBase``; the migration history creates both
sets, and the search machinery that only the migrations know about (see
``migrations/versions/0001_initial.py`` and ``adapters/search.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Uuid

from catalog_service.domain.products import Product, ProductImage
from catalog_service.domain.stock import Reservation, ReservedItem
from marketplace_platform.db import UTCDateTime, new_metadata
from marketplace_platform.ids import new_id

# JSONB on PostgreSQL: binary, indexable, and what the search vector reads values from.
Attributes = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # case-folded: unique among siblings
    # Materialised path "/<top id>/.../<own id>/" (see ``domain.categories``).
    path: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ux_categories_sibling_name", "parent_id", "name_key", unique=True),
        # NULLs are distinct in a unique index, so top-level names need an index of their own.
        Index(
            "ux_categories_top_name",
            "name_key",
            unique=True,
            sqlite_where=text("parent_id IS NULL"),
            postgresql_where=text("parent_id IS NULL"),
        ),
    )


class CategoryTreeVersion(Base):
    """One row whose ``version`` goes up in the same transaction as every change of the
    category tree: replicas holding the tree in memory compare it to know when to reload
    (see ``service.category_cache``)."""

    __tablename__ = "category_tree_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


products = Table(
    "products",
    Base.metadata,
    Column("id", Uuid(), primary_key=True, default=new_id),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="active"),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("price", BigInteger, nullable=False),  # minor units of ``currency``
    Column("currency", String(3), nullable=False),
    Column(
        "category_id",
        Uuid(),
        ForeignKey("categories.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("stock", Integer, nullable=True),  # None: never runs out
    Column("attributes", Attributes, nullable=False, default=dict),
    # Denormalised figures, fed by events (``consumers``): read on every list, written rarely.
    Column("rating_avg", Double, nullable=False, default=0.0),
    Column("review_count", Integer, nullable=False, default=0),
    Column("rating_changed_at", UTCDateTime(), nullable=True),
    Column("orders_count", Integer, nullable=False, default=0),
    Column("views", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("kind IN ('product', 'service')", name="kind"),
    CheckConstraint("status IN ('active', 'archived')", name="status"),
    CheckConstraint("price > 0", name="price_positive"),
    # The last line of defence of "never oversell": a decrement below zero fails.
    CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    CheckConstraint(
        "(kind = 'service' AND stock IS NULL) OR (kind = 'product' AND stock IS NOT NULL)",
        name="stock_by_kind",
    ),
    # One index per sort, holding the whole keyset after ``status``: a page is a range read
    # in index order, never a sort of every active product. ``category_id`` at the end lets
    # the facet counts of a price range read the index alone.
    Index("ix_products_status_id", "status", "id"),
    Index("ix_products_status_price", "status", "price", "id", "category_id"),
    Index("ix_products_status_rating", "status", "rating_avg", "review_count", "id"),
    Index("ix_products_status_orders", "status", "orders_count", "views", "id"),
    # Facet counts of a browse without text: per category, from the index alone.
    Index("ix_products_status_category", "status", "category_id"),
)

product_images = Table(
    "product_images",
    Base.metadata,
    Column("id", Uuid(), primary_key=True, default=new_id),
    Column(
        "product_id",
        Uuid(),
        ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("file", String(64), nullable=False),  # at most 1200 px on the longer side
    Column("small_file", String(64), nullable=False),  # 320 x 320 square
    Column("created_at", UTCDateTime(), nullable=False),
)

# Units held for one order (``id`` is the order id); see ``domain.stock``.
stock_reservations = Table(
    "stock_reservations",
    Base.metadata,
    Column("id", Uuid(), primary_key=True),
    Column("status", String(16), nullable=False),
    # None only for a release that came before its reservation: no items, no currency.
    Column("currency", String(3), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("status IN ('reserved', 'committed', 'released')", name="status"),
)

# One line, with the price and title as they were when reserved: what the order shows.
stock_reservation_items = Table(
    "stock_reservation_items",
    Base.metadata,
    Column(
        "reservation_id",
        Uuid(),
        ForeignKey("stock_reservations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "product_id",
        Uuid(),
        ForeignKey("products.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("title", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
)

# The aggregates, mapped onto their tables. Once, when this module is first imported: every
# path to the database (the unit of work, the read queries) imports it.
Base.registry.map_imperatively(ProductImage, product_images)
Base.registry.map_imperatively(
    Product,
    products,
    properties={
        "images": relationship(
            ProductImage,
            order_by=product_images.c.position,
            lazy="selectin",
            cascade="all, delete-orphan",
        )
    },
)
Base.registry.map_imperatively(ReservedItem, stock_reservation_items)
Base.registry.map_imperatively(
    Reservation,
    stock_reservations,
    properties={
        "items": relationship(
            ReservedItem,
            order_by=stock_reservation_items.c.product_id,
            lazy="selectin",
            cascade="all, delete-orphan",
        )
    },
)
