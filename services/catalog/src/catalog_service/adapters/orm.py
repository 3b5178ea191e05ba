"""The catalog service's tables. The platform's outbox and inbox live on ``PlatformBase``; the
migration history creates both sets, and the search machinery that only the migrations know
about (see ``migrations/versions/0001_initial.py`` and ``adapters/search.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Uuid

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


class Product(Base):
    """A product or a service, with the figures other services' events keep up to date."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(BigInteger)  # minor units of ``currency``
    currency: Mapped[str] = mapped_column(String(3))
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    stock: Mapped[int | None] = mapped_column(Integer, default=None)  # None: never runs out
    attributes: Mapped[dict[str, Any]] = mapped_column(Attributes, default=dict)
    # Denormalised figures, fed by events (``consumers``): read on every list, written rarely.
    rating_avg: Mapped[float] = mapped_column(Double, default=0.0)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('product', 'service')", name="kind"),
        CheckConstraint("status IN ('active', 'archived')", name="status"),
        CheckConstraint("price > 0", name="price_positive"),
        # The last line of defence of "never oversell": a decrement below zero fails.
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint(
            "(kind = 'service' AND stock IS NULL) OR (kind = 'product' AND stock IS NOT NULL)",
            name="stock_by_kind",
        ),
        # One index per sort, holding the whole keyset after ``status``: a page is a range
        # read in index order, never a sort of every active product. ``category_id`` at the
        # end lets the facet counts of a price range read the index alone.
        Index("ix_products_status_id", "status", "id"),
        Index("ix_products_status_price", "status", "price", "id", "category_id"),
        Index("ix_products_status_rating", "status", "rating_avg", "review_count", "id"),
        Index("ix_products_status_orders", "status", "orders_count", "views", "id"),
        # Facet counts of a browse without text: per category, from the index alone.
        Index("ix_products_status_category", "status", "category_id"),
    )


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(64))  # at most 1200 px on the longer side
    small_file: Mapped[str] = mapped_column(String(64))  # 320 x 320 square
    created_at: Mapped[datetime]


class StockReservation(Base):
    """Units held for one order (``id`` is the order id); see ``domain.stock``."""

    __tablename__ = "stock_reservations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    # None only for a release that came before its reservation: no items, no currency.
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    items: Mapped[list[StockReservationItem]] = relationship(
        order_by="StockReservationItem.product_id", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("status IN ('reserved', 'committed', 'released')", name="status"),
    )


class StockReservationItem(Base):
    """One line, with the price and title as they were when reserved: what the order shows."""

    __tablename__ = "stock_reservation_items"

    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stock_reservations.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
