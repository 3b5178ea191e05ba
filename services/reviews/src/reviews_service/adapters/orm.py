"""The reviews service's tables, and the mapping of the domain's aggregates onto them.

The domain classes (``Review``, ``Comment``, ``ProductRating``, ``KnownProduct``) are plain
Python; ``map_imperatively`` teaches SQLAlchemy to load and store them without them
importing it (Cosmic Python, chapter 2). The mapping is made once, when this module is
imported.

Indexes are the listing's: a product's published reviews by newest, by likes and by rating
(``(product_id, status, <sort key>, id)``, so a page is a short index range scan however
many reviews a product has), a user's own reviews, a review's comments in order. The likes
tables' primary keys make "one like per user" a fact of the database, and answer
``liked_by_me`` for a page in one index look-up per row.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata
from reviews_service.domain.comments import Comment
from reviews_service.domain.products import KnownProduct
from reviews_service.domain.ratings import ProductRating
from reviews_service.domain.reviews import Review

metadata = new_metadata()
mapper_registry = registry(metadata=metadata)

REVIEW_STATUSES = "'published', 'hidden', 'deleted'"
COMMENT_STATUSES = "'published', 'hidden'"

reviews = Table(
    "reviews",
    metadata,
    Column("id", Uuid(), primary_key=True),  # UUIDv7: time order
    Column("product_id", Uuid(), nullable=False),
    Column("author_id", Uuid(), nullable=False),
    Column("rating", SmallInteger(), nullable=False),
    Column("text", Text(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("verified_purchase", Boolean(), nullable=False),
    Column("likes", Integer(), nullable=False),
    Column("comments", Integer(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("moderation_reason", String(500), nullable=True),
    Column("moderated_by", Uuid(), nullable=True),
    Column("moderated_at", UTCDateTime(), nullable=True),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    CheckConstraint(f"status IN ({REVIEW_STATUSES})", name="status"),
    CheckConstraint("likes >= 0 AND comments >= 0", name="counts"),
    # One review per user and product: the second is a 409, whatever the race.
    UniqueConstraint("product_id", "author_id", name="uq_reviews_product_id_author_id"),
    Index("ix_reviews_product_newest", "product_id", "status", "id"),
    Index("ix_reviews_product_liked", "product_id", "status", "likes", "id"),
    Index("ix_reviews_product_rating", "product_id", "status", "rating", "id"),
    Index("ix_reviews_author_newest", "author_id", "id"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("review_id", Uuid(), ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Uuid(), nullable=False),
    Column("review_author_id", Uuid(), nullable=False),
    Column("author_id", Uuid(), nullable=False),
    Column("text", Text(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("likes", Integer(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("moderation_reason", String(500), nullable=True),
    Column("moderated_by", Uuid(), nullable=True),
    Column("moderated_at", UTCDateTime(), nullable=True),
    CheckConstraint(f"status IN ({COMMENT_STATUSES})", name="status"),
    CheckConstraint("likes >= 0", name="likes"),
    Index("ix_comments_review_thread", "review_id", "status", "id"),
)

review_likes = Table(
    "review_likes",
    metadata,
    Column(
        "review_id",
        Uuid(),
        ForeignKey("reviews.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid(), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

comment_likes = Table(
    "comment_likes",
    metadata,
    Column(
        "comment_id",
        Uuid(),
        ForeignKey("comments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid(), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

product_ratings = Table(
    "product_ratings",
    metadata,
    Column("product_id", Uuid(), primary_key=True),
    *(Column(f"stars_{n}", Integer(), nullable=False) for n in range(1, 6)),
    CheckConstraint(" AND ".join(f"stars_{n} >= 0" for n in range(1, 6)), name="stars"),
)

# -- what other services' events taught us ----------------------------------------------

products = Table(
    "products",
    metadata,
    Column("product_id", Uuid(), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("as_of", UTCDateTime(), nullable=False),
)

authors = Table(
    "authors",
    metadata,
    Column("user_id", Uuid(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("as_of", UTCDateTime(), nullable=False),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("order_id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("as_of", UTCDateTime(), nullable=False),
)

purchase_lines = Table(
    "purchase_lines",
    metadata,
    Column(
        "order_id",
        Uuid(),
        ForeignKey("purchase_orders.order_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), nullable=False),
    Index("ix_purchase_lines_user_id_product_id", "user_id", "product_id"),
)


def _map() -> None:
    mapper_registry.map_imperatively(Review, reviews)
    mapper_registry.map_imperatively(Comment, comments)
    mapper_registry.map_imperatively(ProductRating, product_ratings)
    mapper_registry.map_imperatively(KnownProduct, products)


_map()
