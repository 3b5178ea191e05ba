"""What clients read: a product's reviews, one review, a review's comments, a user's own
reviews, a product's rating figures. Each reads in one read-only unit of work (on SQLite it
never waits for a writer) through its queries (``uow.listings``: rows, no aggregates); who
may see what is still the domain's rule."""

from __future__ import annotations

import uuid

from marketplace_platform.pagination import Page
from reviews_service.adapters.queries import Row
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import CommentNotFound, ReviewNotFound
from reviews_service.domain.listings import ReviewSort
from reviews_service.domain.ratings import ProductRating
from reviews_service.service.ports import UnitOfWork, UnitOfWorkFactory


def _viewer(actor: Actor | None) -> uuid.UUID | None:
    return None if actor is None else actor.id


async def product_reviews(
    *,
    unit_of_work: UnitOfWorkFactory,
    actor: Actor | None,
    product_id: uuid.UUID,
    sort: ReviewSort,
    rating: int | None,
    verified: bool | None,
    cursor: str | None,
    limit: int,
) -> Page[Row]:
    async with unit_of_work(read_only=True) as uow:
        return await uow.listings.product_reviews(
            product_id,
            sort=sort,
            viewer=_viewer(actor),
            rating=rating,
            verified=verified,
            cursor=cursor,
            limit=limit,
        )


async def mine(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, cursor: str | None, limit: int
) -> Page[Row]:
    assert actor.id is not None
    async with unit_of_work(read_only=True) as uow:
        return await uow.listings.authored_by(actor.id, cursor=cursor, limit=limit)


async def _ensure_review_visible(
    uow: UnitOfWork, actor: Actor | None, review_id: uuid.UUID
) -> None:
    found = await uow.listings.review_aggregate(review_id)
    if found is None:
        raise ReviewNotFound("There is no review with this id.")
    found.ensure_visible_to(actor)


async def review(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor | None, review_id: uuid.UUID
) -> Row:
    async with unit_of_work(read_only=True) as uow:
        await _ensure_review_visible(uow, actor, review_id)
        row = await uow.listings.review(review_id, viewer=_viewer(actor))
    if row is None:  # erased between the two reads (on PostgreSQL, each sees the latest)
        raise ReviewNotFound("There is no review with this id.")
    return row


async def comments(
    *,
    unit_of_work: UnitOfWorkFactory,
    actor: Actor | None,
    review_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[Row]:
    async with unit_of_work(read_only=True) as uow:
        await _ensure_review_visible(uow, actor, review_id)
        return await uow.listings.comments(
            review_id, viewer=_viewer(actor), cursor=cursor, limit=limit
        )


async def comment(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor | None, comment_id: uuid.UUID
) -> Row:
    async with unit_of_work(read_only=True) as uow:
        found = await uow.listings.comment_aggregate(comment_id)
        if found is None:
            raise CommentNotFound("There is no comment with this id.")
        found.ensure_visible_to(actor)
        row = await uow.listings.comment(comment_id, viewer=_viewer(actor))
    if row is None:
        raise CommentNotFound("There is no comment with this id.")
    return row


async def rating(*, unit_of_work: UnitOfWorkFactory, product_id: uuid.UUID) -> ProductRating:
    async with unit_of_work(read_only=True) as uow:
        return await uow.listings.rating(product_id)
