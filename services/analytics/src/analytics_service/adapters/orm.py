"""The analytics service's tables: the facts events told (per order, line, review), the
projections (products and their categories, users), and the rollups the reports read.

Rollups are keyed the way reports read them: sales by day; each product's figures by day
(``(day, product_id)``: a period's rows are one index range), by month (so a year's ranking
reads twelve buckets, not 365), by week (the edges of a period: a few weeks and at most
a dozen days) and in all, with an index per ranked figure in each period, overall and per
category; each category's by day. Their figure
columns are ``BigInteger``: kopecks add up.
"""

from __future__ import annotations

import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
)
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata

metadata = new_metadata()

# The category of a product no catalog event has named yet.
UNKNOWN_CATEGORY = uuid.UUID(int=0)

SALES_FIGURES = (
    "orders",
    "paid_orders",
    "revenue",
    "cancelled_orders",
    "refunds",
    "refunded_orders",
    "failed_payments",
    "new_buyers",
    "returning_orders",
)
PRODUCT_FIGURES = (
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
USER_FIGURES = (
    "orders",
    "paid_orders",
    "spent",
    "refunded",
    "reviews",
    "comments",
    "likes_given",
)


def _figures(names: tuple[str, ...]) -> list[Column]:
    return [Column(name, BigInteger(), nullable=False, server_default="0") for name in names]


products = Table(
    "products",
    metadata,
    Column("product_id", Uuid(), primary_key=True),
    Column("category_id", Uuid(), nullable=False),
    Column("title", String(300), nullable=True),
    # The newest catalog event's time: an older one never overwrites it.
    Column("as_of", UTCDateTime(), nullable=True),
    Index("ix_products_category", "category_id", "product_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), nullable=True),
    Column("placed_at", UTCDateTime(), nullable=True),
    Column("total", BigInteger(), nullable=False),
    Column("paid", Boolean(), nullable=False),
    Column("cancelled", Boolean(), nullable=False),
    Column("refunded", BigInteger(), nullable=False),
    Column("failed_payments", Integer(), nullable=False),
    Index("ix_orders_placed_at", "placed_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Uuid(), primary_key=True),
    Column("product_id", Uuid(), primary_key=True),
    Column("quantity", Integer(), nullable=False),
    Column("unit_price", BigInteger(), nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("review_id", Uuid(), primary_key=True),
    Column("product_id", Uuid(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=True),
    Column("rating", SmallInteger(), nullable=False),
    Column("rating_as_of", UTCDateTime(), nullable=True),
    Column("deleted", Boolean(), nullable=False),
    Column("hidden", Boolean(), nullable=False),
    Column("hidden_as_of", UTCDateTime(), nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("user_id", Uuid(), primary_key=True),
    *_figures(USER_FIGURES),
    Column("registered_at", UTCDateTime(), nullable=True),
    Column("last_active", UTCDateTime(), nullable=True),
    Column("first_order_at", UTCDateTime(), nullable=True),
    # The buyer's first paid order (by the time it was placed, then its id): it is a new
    # buyer's, every later one a returning buyer's.
    Column("first_paid_at", UTCDateTime(), nullable=True),
    Column("first_paid_order", Uuid(), nullable=True),
    Index("ix_users_last_active", "last_active"),
)

sales_days = Table(
    "sales_days",
    metadata,
    Column("day", Date(), primary_key=True),
    *_figures(SALES_FIGURES),
)

# The figures the popular lists rank by: each has an index per period, so a period's top
# rows are read in order (``queries.Reports.popular``).
RANKED = ("views", "orders", "revenue")

product_days = Table(
    "product_days",
    metadata,
    Column("day", Date(), primary_key=True),
    Column("product_id", Uuid(), primary_key=True),
    *_figures(PRODUCT_FIGURES),
    Index("ix_product_days_product", "product_id", "day"),
    *(Index(f"ix_product_days_{name}", "day", name, "product_id") for name in RANKED),
)


# The coarser rollups carry the product's category (kept equal to ``products``' by every
# write and by a move, ``repositories.Rollups``), so a category's ranking reads an index on
# (category, period, figure) instead of joining the products.
def _product_periods(name: str, period: str) -> Table:
    """A product's figures per ``period`` (its first day), with its category."""
    return Table(
        name,
        metadata,
        Column(period, Date(), primary_key=True),
        Column("product_id", Uuid(), primary_key=True),
        Column("category_id", Uuid(), nullable=False),
        *_figures(PRODUCT_FIGURES),
        Index(f"ix_{name}_product", "product_id", period),
        *(Index(f"ix_{name}_{figure}", period, figure, "product_id") for figure in RANKED),
        *(
            Index(f"ix_{name}_category_{figure}", "category_id", period, figure, "product_id")
            for figure in RANKED
        ),
    )


product_weeks = _product_periods("product_weeks", "week")
product_months = _product_periods("product_months", "month")

product_totals = Table(
    "product_totals",
    metadata,
    Column("product_id", Uuid(), primary_key=True),
    Column("category_id", Uuid(), nullable=False),
    *_figures(PRODUCT_FIGURES),
    *(Index(f"ix_product_totals_{name}", name, "product_id") for name in RANKED),
    *(
        Index(f"ix_product_totals_category_{name}", "category_id", name, "product_id")
        for name in RANKED
    ),
)

category_days = Table(
    "category_days",
    metadata,
    Column("category_id", Uuid(), primary_key=True),
    Column("day", Date(), primary_key=True),
    *_figures(PRODUCT_FIGURES),
)

# Who was active in which period (granularity ``day``/``week``/``month``, the period's first
# day); a new row adds one to the period's count in ``active_counts``.
active_users = Table(
    "active_users",
    metadata,
    Column("granularity", String(5), primary_key=True),
    Column("period", Date(), primary_key=True),
    Column("user_id", Uuid(), primary_key=True),
)

active_counts = Table(
    "active_counts",
    metadata,
    Column("granularity", String(5), primary_key=True),
    Column("period", Date(), primary_key=True),
    Column("users", BigInteger(), nullable=False),
)

# What ``rebuild`` compares, and what a fresh store starts without.
FIGURE_TABLES = (
    products,
    orders,
    order_lines,
    reviews,
    users,
    sales_days,
    product_days,
    product_weeks,
    product_months,
    product_totals,
    category_days,
    active_users,
    active_counts,
)
