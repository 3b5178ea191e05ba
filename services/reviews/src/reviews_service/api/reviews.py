"""Reviews, their likes, and products' rating figures.

Reading is public (a token, when sent, adds ``liked_by_me``); writing needs a signed-in user,
hiding an admin. Lists answer ``{"items": [...], "next_cursor"}``: pass ``next_cursor`` back
as ``cursor`` for the next page.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from reviews_service.api.deps import (
    AdminActor,
    CatalogDep,
    CurrentActor,
    LikesDep,
    OptionalActor,
    UnitOfWorkDep,
)
from reviews_service.domain.actors import Actor
from reviews_service.domain.listings import DEFAULT_PAGE, MAX_PAGE, ReviewSort
from reviews_service.domain.ratings import MAX_RATING, MIN_RATING
from reviews_service.domain.texts import MAX_REASON
from reviews_service.schemas import (
    LikeRead,
    Moderation,
    RatingRead,
    ReviewCreate,
    ReviewPage,
    ReviewRead,
    ReviewUpdate,
)
from reviews_service.service import listings, reviews
from reviews_service.service.likes import LikeChange

router = APIRouter(prefix="/api/reviews", tags=["reviews"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=512)]


async def _review(
    unit_of_work: UnitOfWorkDep, actor: Actor | None, review_id: uuid.UUID
) -> JSONResponse:
    row = await listings.review(unit_of_work=unit_of_work, actor=actor, review_id=review_id)
    return JSONResponse(ReviewRead.document(row))


@router.get("", response_model=ReviewPage)
async def list_reviews(
    product_id: uuid.UUID,
    unit_of_work: UnitOfWorkDep,
    actor: OptionalActor,
    sort: ReviewSort = ReviewSort.NEWEST,
    rating: Annotated[int | None, Query(ge=MIN_RATING, le=MAX_RATING)] = None,
    verified: Annotated[bool | None, Query(description="Only verified purchases (or not).")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
) -> JSONResponse:
    """A product's published reviews, with like and comment counts."""
    page = await listings.product_reviews(
        unit_of_work=unit_of_work,
        actor=actor,
        product_id=product_id,
        sort=sort,
        rating=rating,
        verified=verified,
        cursor=cursor,
        limit=limit,
    )
    return JSONResponse(ReviewPage.document(page))


# The gateway lets GET /api/reviews/* through without a token (a review is public); this one
# path under it needs one, which the merged document learns from its own ``security``.
@router.get("/mine", response_model=ReviewPage, openapi_extra={"security": [{"bearerAuth": []}]})
async def list_my_reviews(
    unit_of_work: UnitOfWorkDep,
    actor: CurrentActor,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
) -> JSONResponse:
    """The caller's reviews, newest first, with the ones an admin hid or deleted."""
    page = await listings.mine(unit_of_work=unit_of_work, actor=actor, cursor=cursor, limit=limit)
    return JSONResponse(ReviewPage.document(page))


@router.get("/products/{product_id}/rating")
async def get_product_rating(product_id: uuid.UUID, unit_of_work: UnitOfWorkDep) -> RatingRead:
    """A product's rating figures: average, count, and how many gave each rating."""
    return RatingRead.of(await listings.rating(unit_of_work=unit_of_work, product_id=product_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewRead,
    responses={409: {"description": "Already reviewed, or the product is archived."}},
)
async def create_review(
    body: ReviewCreate,
    actor: CurrentActor,
    unit_of_work: UnitOfWorkDep,
    catalog: CatalogDep,
) -> JSONResponse:
    """Review a product: one review per user and product."""
    review = await reviews.create(
        unit_of_work=unit_of_work,
        catalog=catalog,
        actor=actor,
        product_id=body.product_id,
        rating=body.rating,
        text=body.text,
    )
    row = await listings.review(unit_of_work=unit_of_work, actor=actor, review_id=review.id)
    return JSONResponse(ReviewRead.document(row), status_code=status.HTTP_201_CREATED)


@router.get("/{review_id}", response_model=ReviewRead)
async def get_review(
    review_id: uuid.UUID, unit_of_work: UnitOfWorkDep, actor: OptionalActor
) -> JSONResponse:
    """One review."""
    return await _review(unit_of_work, actor, review_id)


@router.patch("/{review_id}", response_model=ReviewRead)
async def update_review(
    review_id: uuid.UUID,
    body: ReviewUpdate,
    actor: CurrentActor,
    unit_of_work: UnitOfWorkDep,
) -> JSONResponse:
    """Change your review's rating or text."""
    await reviews.edit(
        unit_of_work=unit_of_work,
        actor=actor,
        review_id=review_id,
        rating=body.rating,
        text=body.text,
    )
    return await _review(unit_of_work, actor, review_id)


@router.delete("/{review_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_review(
    review_id: uuid.UUID,
    actor: CurrentActor,
    unit_of_work: UnitOfWorkDep,
    reason: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_REASON,
            description="Why: required when an admin deletes someone else's review.",
        ),
    ] = None,
) -> Response:
    """Delete your review (it is gone), or, as an admin, anyone's (it is kept with the reason)."""
    await reviews.delete(unit_of_work=unit_of_work, actor=actor, review_id=review_id, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{review_id}/hide", response_model=ReviewRead)
async def hide_review(
    review_id: uuid.UUID,
    body: Moderation,
    admin: AdminActor,
    unit_of_work: UnitOfWorkDep,
) -> JSONResponse:
    """Hide a review from everyone but its author, with a reason (admins)."""
    await reviews.hide(
        unit_of_work=unit_of_work, actor=admin, review_id=review_id, reason=body.reason
    )
    return await _review(unit_of_work, admin, review_id)


@router.post(
    "/{review_id}/unhide",
    response_model=ReviewRead,
    responses={409: {"description": "An admin deleted it: a deletion is not undone."}},
)
async def unhide_review(
    review_id: uuid.UUID, admin: AdminActor, unit_of_work: UnitOfWorkDep
) -> JSONResponse:
    """Publish a hidden review again (admins); its reason is cleared, the events keep it."""
    await reviews.unhide(unit_of_work=unit_of_work, actor=admin, review_id=review_id)
    return await _review(unit_of_work, admin, review_id)


@router.put("/{review_id}/like", response_model=LikeRead)
async def like_review(review_id: uuid.UUID, actor: CurrentActor, likes: LikesDep) -> JSONResponse:
    """Like someone else's review; liking it again changes nothing."""
    state = await likes.submit(LikeChange(actor, "review", review_id, like=True))
    return JSONResponse(LikeRead.document(state))


@router.delete("/{review_id}/like", response_model=LikeRead)
async def unlike_review(review_id: uuid.UUID, actor: CurrentActor, likes: LikesDep) -> JSONResponse:
    """Take your like back; without one, nothing changes."""
    state = await likes.submit(LikeChange(actor, "review", review_id, like=False))
    return JSONResponse(LikeRead.document(state))
