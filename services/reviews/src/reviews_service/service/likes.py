"""Likes on reviews and comments: ``PUT`` likes, ``DELETE`` unlikes, both idempotent.

One like per user is the likes table's primary key: the like is an ``INSERT ... ON CONFLICT
DO NOTHING``, and only the transaction whose insert took a row adds one to the counter (a
relative ``UPDATE``), so twenty concurrent likes by one user count once and a hundred users
liking at once count a hundred. An event goes out only for a like that changed something.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from marketplace_platform.clock import utcnow
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import CommentNotFound, ReviewNotFound
from reviews_service.service.ports import UnitOfWork

Target = Literal["review", "comment"]


@dataclass(frozen=True, slots=True)
class LikeState:
    likes: int
    liked_by_me: bool


def _stores(uow: UnitOfWork, target: Target) -> tuple[Any, Any, type[Exception]]:
    """The liked thing's repository, its likes, and the error for one that is not there."""
    if target == "review":
        return uow.reviews, uow.review_likes, ReviewNotFound
    return uow.comments, uow.comment_likes, CommentNotFound


async def like(*, uow: UnitOfWork, actor: Actor, target: Target, target_id: uuid.UUID) -> LikeState:
    """The actor likes a published review or comment of someone else's."""
    assert actor.id is not None
    async with uow:
        things, likes_of, not_found = _stores(uow, target)
        thing = await things.get(target_id)
        if thing is None:
            raise not_found(f"There is no {target} with this id.")
        thing.ensure_likeable_by(actor)
        likes = thing.likes
        if await likes_of.add(target_id, actor.id, at=utcnow()):
            likes = await things.add_likes(target_id, 1)
            thing.liked(actor=actor, likes=likes)
        await uow.commit()
    return LikeState(likes, liked_by_me=True)


async def unlike(
    *, uow: UnitOfWork, actor: Actor, target: Target, target_id: uuid.UUID
) -> LikeState:
    """The actor takes their like back; without one, nothing changes."""
    assert actor.id is not None
    async with uow:
        things, likes_of, not_found = _stores(uow, target)
        thing = await things.get(target_id)
        if thing is None or not thing.published:
            raise not_found(f"There is no {target} with this id.")
        likes = thing.likes
        if await likes_of.remove(target_id, actor.id):
            likes = await things.add_likes(target_id, -1)
            thing.unliked(actor=actor, likes=likes)
        await uow.commit()
    return LikeState(likes, liked_by_me=False)
