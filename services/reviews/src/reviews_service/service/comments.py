"""Comments under reviews: written, edited and deleted by their author, hidden (and published
again) by an admin. The review's comment count moves with them, by a relative update in the
same transaction."""

from __future__ import annotations

import uuid

from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id
from reviews_service.domain.actors import Actor
from reviews_service.domain.comments import Comment
from reviews_service.domain.errors import CommentNotFound, ReviewNotFound
from reviews_service.service.ports import UnitOfWork, UnitOfWorkFactory


async def create(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, review_id: uuid.UUID, text: str
) -> Comment:
    async with unit_of_work() as uow:
        review = await uow.reviews.get(review_id)
        if review is None:
            raise ReviewNotFound("There is no review with this id.")
        comment = Comment.write(id=new_id(), review=review, author=actor, text=text, at=utcnow())
        uow.comments.add(comment)
        await uow.reviews.add_comments(review_id, 1)
        await uow.commit()
    return comment


async def edit(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, comment_id: uuid.UUID, text: str
) -> Comment:
    async with unit_of_work() as uow:
        comment = await _locked(uow, comment_id)
        comment.edit(actor=actor, text=text, at=utcnow())
        await uow.commit()
    return comment


async def delete(*, unit_of_work: UnitOfWorkFactory, actor: Actor, comment_id: uuid.UUID) -> None:
    async with unit_of_work() as uow:
        comment = await _locked(uow, comment_id)
        if comment.delete(actor=actor):
            await uow.reviews.add_comments(comment.review_id, -1)
        await uow.comments.erase(comment)
        await uow.commit()


async def hide(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, comment_id: uuid.UUID, reason: str
) -> Comment:
    async with unit_of_work() as uow:
        comment = await _locked(uow, comment_id)
        if comment.hide(actor=actor, reason=reason, at=utcnow()):
            await uow.reviews.add_comments(comment.review_id, -1)
        await uow.commit()
    return comment


async def unhide(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, comment_id: uuid.UUID
) -> Comment:
    async with unit_of_work() as uow:
        comment = await _locked(uow, comment_id)
        if comment.unhide(actor=actor, at=utcnow()):
            await uow.reviews.add_comments(comment.review_id, 1)
        await uow.commit()
    return comment


async def _locked(uow: UnitOfWork, comment_id: uuid.UUID) -> Comment:
    comment = await uow.comments.lock(comment_id)
    if comment is None:
        raise CommentNotFound("There is no comment with this id.")
    return comment
