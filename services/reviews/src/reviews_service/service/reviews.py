"""Writing, editing, deleting, hiding and un-hiding reviews, with the product's rating
figures changed in the same transaction."""

from __future__ import annotations

import uuid

from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import (
    ALREADY_REVIEWED,
    AlreadyReviewed,
    ReviewNotFound,
    UnknownProduct,
)
from reviews_service.domain.ratings import RatingChange
from reviews_service.domain.reviews import Review
from reviews_service.service.ports import Catalog, UnitOfWork, UnitOfWorkFactory


async def create(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    actor: Actor,
    product_id: uuid.UUID,
    rating: int,
    text: str,
) -> Review:
    """The actor's review of a product on sale; ``AlreadyReviewed`` if they have one."""
    assert actor.id is not None
    async with unit_of_work(read_only=True) as uow:
        known = await uow.products.get(product_id)
    if known is None:
        # Outside any transaction: nobody waits on the database while the catalog answers.
        status = await catalog.product_status(product_id)
        if status is None:
            raise UnknownProduct("There is no product with this id.", product_id=str(product_id))
    async with unit_of_work() as uow:
        if known is None:
            await uow.products.learn(product_id, status, as_of=utcnow())
        product = await uow.products.get(product_id)
        assert product is not None
        if await uow.reviews.exists_of_author(product_id, actor.id):
            raise AlreadyReviewed(ALREADY_REVIEWED)
        review, change = Review.write(
            id=new_id(),
            product=product,
            author=actor,
            rating=rating,
            text=text,
            verified_purchase=await uow.purchases.purchased(actor.id, product_id),
            at=utcnow(),
        )
        await uow.reviews.add(review)
        await _apply(uow, product_id, change)
        await uow.commit()
    return review


async def edit(
    *,
    unit_of_work: UnitOfWorkFactory,
    actor: Actor,
    review_id: uuid.UUID,
    rating: int | None = None,
    text: str | None = None,
) -> Review:
    """The author's new rating and/or text."""
    async with unit_of_work() as uow:
        review = await _locked(uow, review_id)
        change = review.edit(actor=actor, rating=rating, text=text, at=utcnow())
        await _apply(uow, review.product_id, change)
        await uow.commit()
    return review


async def delete(
    *,
    unit_of_work: UnitOfWorkFactory,
    actor: Actor,
    review_id: uuid.UUID,
    reason: str | None = None,
) -> None:
    """The author erases their review, and its comments go with it (each with its
    ``CommentDeleted``, so that what consumers learnt of them is taken back too); an admin
    deletes anyone's, giving a reason, and it is kept, comments and all, unseen."""
    async with unit_of_work() as uow:
        review = await _locked(uow, review_id)
        change = review.delete(actor=actor, reason=reason, at=utcnow())
        if review.erased:
            for comment in await uow.comments.of_review(review_id):
                comment.erased_with_review(actor=actor)
            await uow.reviews.erase(review)
        await _apply(uow, review.product_id, change)
        await uow.commit()


async def hide(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, review_id: uuid.UUID, reason: str
) -> Review:
    """An admin hides a review from everyone but its author, giving a reason."""
    async with unit_of_work() as uow:
        review = await _locked(uow, review_id)
        change = review.hide(actor=actor, reason=reason, at=utcnow())
        await _apply(uow, review.product_id, change)
        await uow.commit()
    return review


async def unhide(*, unit_of_work: UnitOfWorkFactory, actor: Actor, review_id: uuid.UUID) -> Review:
    """An admin publishes a hidden review again; it counts in the figures again."""
    async with unit_of_work() as uow:
        review = await _locked(uow, review_id)
        change = review.unhide(actor=actor, at=utcnow())
        await _apply(uow, review.product_id, change)
        await uow.commit()
    return review


async def _locked(uow: UnitOfWork, review_id: uuid.UUID) -> Review:
    review = await uow.reviews.lock(review_id)
    if review is None:
        raise ReviewNotFound("There is no review with this id.")
    return review


async def _apply(uow: UnitOfWork, product_id: uuid.UUID, change: RatingChange) -> None:
    """The review's change to its product's figures, under the figures' lock."""
    if not change:
        return
    rating = await uow.ratings.lock(product_id)
    rating.apply(change)
