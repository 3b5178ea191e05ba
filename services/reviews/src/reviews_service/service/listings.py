"""What clients read: a product's reviews, one review, a review's comments, a user's own
reviews, a product's rating figures. Reads go through ``ReviewQueries`` (no unit of work,
no write lock); who may see what is still the domain's rule."""

from __future__ import annotations

import uuid

from marketplace_platform.pagination import Page
from reviews_service.adapters.queries import ReviewQueries, Row
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import CommentNotFound, ReviewNotFound
from reviews_service.domain.listings import ReviewSort
from reviews_service.domain.ratings import ProductRating


def _viewer(actor: Actor | None) -> uuid.UUID | None:
    return None if actor is None else actor.id


async def product_reviews(
    *,
    queries: ReviewQueries,
    actor: Actor | None,
    product_id: uuid.UUID,
    sort: ReviewSort,
    rating: int | None,
    verified: bool | None,
    cursor: str | None,
    limit: int,
) -> Page[Row]:
    return await queries.product_reviews(
        product_id,
        sort=sort,
        viewer=_viewer(actor),
        rating=rating,
        verified=verified,
        cursor=cursor,
        limit=limit,
    )


async def mine(
    *, queries: ReviewQueries, actor: Actor, cursor: str | None, limit: int
) -> Page[Row]:
    assert actor.id is not None
    return await queries.authored_by(actor.id, cursor=cursor, limit=limit)


async def _ensure_review_visible(
    queries: ReviewQueries, actor: Actor | None, review_id: uuid.UUID
) -> None:
    found = await queries.review_aggregate(review_id)
    if found is None:
        raise ReviewNotFound("There is no review with this id.")
    found.ensure_visible_to(actor)


async def review(*, queries: ReviewQueries, actor: Actor | None, review_id: uuid.UUID) -> Row:
    await _ensure_review_visible(queries, actor, review_id)
    row = await queries.review(review_id, viewer=_viewer(actor))
    if row is None:  # erased between the two reads
        raise ReviewNotFound("There is no review with this id.")
    return row


async def comments(
    *,
    queries: ReviewQueries,
    actor: Actor | None,
    review_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[Row]:
    await _ensure_review_visible(queries, actor, review_id)
    return await queries.comments(review_id, viewer=_viewer(actor), cursor=cursor, limit=limit)


async def comment(*, queries: ReviewQueries, actor: Actor | None, comment_id: uuid.UUID) -> Row:
    found = await queries.comment_aggregate(comment_id)
    if found is None:
        raise CommentNotFound("There is no comment with this id.")
    found.ensure_visible_to(actor)
    row = await queries.comment(comment_id, viewer=_viewer(actor))
    if row is None:
        raise CommentNotFound("There is no comment with this id.")
    return row


async def rating(*, queries: ReviewQueries, product_id: uuid.UUID) -> ProductRating:
    return await queries.rating(product_id)
