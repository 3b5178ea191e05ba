"""The read side: the listings, straight from the tables to plain rows (Cosmic Python,
chapter 12: reads need no aggregate and no write lock).

The queries run on the session of a read-only unit of work (``uow.listings``; on SQLite its
transaction begins DEFERRED and never queues behind a writer). Each listing is one
statement: the page's rows, the author's current name (a join with the
``authors`` projection, so a rename shows at once), the counters kept on the row, and
``liked_by_me`` as an ``EXISTS`` on the likes table's primary key. The orders follow the
indexes of ``adapters.orm``; a page is found by its cursor (keyset pagination), so the
hundredth page costs what the first does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.pagination import Page, decode_cursor, page_after
from reviews_service.adapters.orm import (
    authors,
    comment_likes,
    comments,
    product_ratings,
    review_likes,
    reviews,
)
from reviews_service.domain.comments import Comment, CommentStatus
from reviews_service.domain.listings import ReviewSort
from reviews_service.domain.ratings import ProductRating
from reviews_service.domain.reviews import Review, Visibility

Row = dict[str, Any]

# Per sort: the column it orders by before the id (None: the id alone), and whether it runs
# downwards. Each is one scan of an index of ``adapters.orm``'s, forwards or backwards; ties
# go newest first, except in ``rating_asc``, the exact reverse of ``rating_desc``.
_SORTS: dict[ReviewSort, tuple[Any, bool]] = {
    ReviewSort.NEWEST: (None, True),
    ReviewSort.LIKED: (reviews.c.likes, True),
    ReviewSort.RATING_DESC: (reviews.c.rating, True),
    ReviewSort.RATING_ASC: (reviews.c.rating, False),
}

# The rows with their author's current name (None until auth has told of the author).
_REVIEWS = reviews.outerjoin(authors, authors.c.user_id == reviews.c.author_id)
_COMMENTS = comments.outerjoin(authors, authors.c.user_id == comments.c.author_id)


def _order(sort: ReviewSort) -> list[Any]:
    column, down = _SORTS[sort]
    keys = [reviews.c.id] if column is None else [column, reviews.c.id]
    return [key.desc() if down else key.asc() for key in keys]


def _after(sort: ReviewSort, key: tuple[Any, ...], *, rating_fixed: bool) -> ColumnElement[bool]:
    """Rows that come after ``key`` in ``sort``: one row-value comparison, an index range.
    Where a filter fixes the sort column (a rating sort of one rating), the id alone is
    compared: SQLite would otherwise range over the pair and sort what the equality left."""
    column, down = _SORTS[sort]
    if column is None or (rating_fixed and column is reviews.c.rating):
        return reviews.c.id < key[-1] if down else reviews.c.id > key[-1]
    pair, bound = tuple_(column, reviews.c.id), tuple_(literal(key[0]), literal(key[1]))
    return pair < bound if down else pair > bound


def _sort_key(sort: ReviewSort, row: Row) -> tuple[Any, ...]:
    if sort is ReviewSort.NEWEST:
        return (row["id"],)
    return (row["likes"] if sort is ReviewSort.LIKED else row["rating"], row["id"])


def _review_columns(viewer: uuid.UUID | None) -> list[Any]:
    return [
        reviews.c.id,
        reviews.c.product_id,
        reviews.c.author_id,
        authors.c.name.label("author_name"),
        reviews.c.rating,
        reviews.c.text,
        reviews.c.status,
        reviews.c.moderation_reason,
        reviews.c.verified_purchase,
        reviews.c.likes,
        reviews.c.comments,
        reviews.c.created_at,
        reviews.c.updated_at,
        _liked_by(review_likes, review_likes.c.review_id, reviews.c.id, viewer),
    ]


def _liked_by(table: Any, target: Any, row_id: Any, viewer: uuid.UUID | None) -> Any:
    if viewer is None:
        return literal(False).label("liked_by_me")
    return exists().where(target == row_id, table.c.user_id == viewer).label("liked_by_me")


class ReviewQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, query: Select[Any]) -> list[Row]:
        return [dict(row) for row in (await self.session.execute(query)).mappings()]

    async def product_reviews(
        self,
        product_id: uuid.UUID,
        *,
        sort: ReviewSort,
        viewer: uuid.UUID | None,
        rating: int | None,
        verified: bool | None,
        cursor: str | None,
        limit: int,
    ) -> Page[Row]:
        """One page of a product's published reviews."""
        types = (uuid.UUID,) if sort is ReviewSort.NEWEST else (int, uuid.UUID)
        tag = f"reviews:{sort.value}"
        query = (
            select(*_review_columns(viewer))
            .select_from(_REVIEWS)
            .where(
                reviews.c.product_id == product_id,
                reviews.c.status == Visibility.PUBLISHED.value,
            )
            .order_by(*_order(sort))
            .limit(limit + 1)
        )
        if rating is not None:
            query = query.where(reviews.c.rating == rating)
        if verified is not None:
            query = query.where(reviews.c.verified_purchase.is_(verified))
        if cursor is not None:
            key = decode_cursor(cursor, *types, tag=tag)
            query = query.where(_after(sort, key, rating_fixed=rating is not None))
        rows = await self._rows(query)
        return page_after(rows, limit=limit, key=lambda row: _sort_key(sort, row), tag=tag)

    async def authored_by(
        self, author_id: uuid.UUID, *, cursor: str | None, limit: int
    ) -> Page[Row]:
        """A user's own reviews, newest first, hidden and deleted ones too (with why)."""
        tag = "reviews:mine"
        query = (
            select(*_review_columns(author_id))
            .select_from(_REVIEWS)
            .where(reviews.c.author_id == author_id)
            .order_by(reviews.c.id.desc())
            .limit(limit + 1)
        )
        if cursor is not None:
            [before] = decode_cursor(cursor, uuid.UUID, tag=tag)
            query = query.where(reviews.c.id < before)
        rows = await self._rows(query)
        return page_after(rows, limit=limit, key=lambda row: (row["id"],), tag=tag)

    async def review(self, review_id: uuid.UUID, *, viewer: uuid.UUID | None) -> Row | None:
        query = (
            select(*_review_columns(viewer)).select_from(_REVIEWS).where(reviews.c.id == review_id)
        )
        rows = await self._rows(query)
        return rows[0] if rows else None

    async def review_aggregate(self, review_id: uuid.UUID) -> Review | None:
        """The review itself, for the domain to say who may see it."""
        return await self.session.get(Review, review_id)

    async def comment_aggregate(self, comment_id: uuid.UUID) -> Comment | None:
        return await self.session.get(Comment, comment_id)

    async def comments(
        self, review_id: uuid.UUID, *, viewer: uuid.UUID | None, cursor: str | None, limit: int
    ) -> Page[Row]:
        """A review's published comments, oldest first: a conversation reads down."""
        tag = "comments"
        query = (
            select(*_comment_columns(viewer))
            .select_from(_COMMENTS)
            .where(
                comments.c.review_id == review_id,
                comments.c.status == CommentStatus.PUBLISHED.value,
            )
            .order_by(comments.c.id.asc())
            .limit(limit + 1)
        )
        if cursor is not None:
            [after] = decode_cursor(cursor, uuid.UUID, tag=tag)
            query = query.where(comments.c.id > after)
        rows = await self._rows(query)
        return page_after(rows, limit=limit, key=lambda row: (row["id"],), tag=tag)

    async def comment(self, comment_id: uuid.UUID, *, viewer: uuid.UUID | None) -> Row | None:
        query = (
            select(*_comment_columns(viewer))
            .select_from(_COMMENTS)
            .where(comments.c.id == comment_id)
        )
        rows = await self._rows(query)
        return rows[0] if rows else None

    async def rating(self, product_id: uuid.UUID) -> ProductRating:
        """The product's figures; zeros for a product nobody has reviewed."""
        query = select(*(product_ratings.c[f"stars_{n}"] for n in range(1, 6))).where(
            product_ratings.c.product_id == product_id
        )
        row: Sequence[int] | None = (await self.session.execute(query)).first()
        return ProductRating(product_id, tuple(row) if row is not None else (0,) * 5)


def _comment_columns(viewer: uuid.UUID | None) -> list[Any]:
    return [
        comments.c.id,
        comments.c.review_id,
        comments.c.author_id,
        authors.c.name.label("author_name"),
        comments.c.text,
        comments.c.status,
        comments.c.moderation_reason,
        comments.c.likes,
        comments.c.created_at,
        comments.c.updated_at,
        _liked_by(comment_likes, comment_likes.c.comment_id, comments.c.id, viewer),
    ]
