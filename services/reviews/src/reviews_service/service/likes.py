"""Likes on reviews and comments: ``PUT`` likes, ``DELETE`` unlikes, both idempotent.

One like per user is the likes table's primary key: the like is an ``INSERT ... ON CONFLICT
DO NOTHING``, and only the transaction whose insert took a row adds one to the counter (a
relative ``UPDATE``), so twenty concurrent likes by one user count once and a hundred users
liking at once count a hundred. An event goes out only for a like that changed something.

The hot path is three statements in one transaction (the like, the counter, the outbox row)
and no aggregate: the counter's ``UPDATE ... RETURNING`` hands back what the domain's rules
need (``domain.likes.Liked``), and a like they refuse (one's own, a hidden review) is rolled
back with the count it moved. Only a like or unlike that changed nothing reads the thing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from marketplace_platform.clock import utcnow
from reviews_service.adapters.repositories import LikeRepository
from reviews_service.domain.actors import Actor
from reviews_service.domain.likes import Liked, not_found
from reviews_service.service.ports import UnitOfWork, UnitOfWorkFactory

Target = Literal["review", "comment"]


@dataclass(frozen=True, slots=True)
class LikeState:
    likes: int
    liked_by_me: bool


def _likes_of(uow: UnitOfWork, target: Target) -> LikeRepository:
    return uow.review_likes if target == "review" else uow.comment_likes


async def like(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, target: Target, target_id: uuid.UUID
) -> LikeState:
    """The actor likes a published review or comment of someone else's."""
    assert actor.id is not None
    async with unit_of_work() as uow:
        likes = _likes_of(uow, target)
        if await likes.add(target_id, actor.id, at=utcnow()):
            liked = _found(target, await likes.count(target_id, 1))
            liked.ensure_likeable_by(actor)  # refused: the like and the count roll back
            uow.publish(liked.liked(actor))
            await uow.commit()
        else:  # liked before (or no such thing): nothing to change
            liked = _found(target, await likes.liked(target_id))
            liked.ensure_likeable_by(actor)
    return LikeState(liked.likes, liked_by_me=True)


async def unlike(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, target: Target, target_id: uuid.UUID
) -> LikeState:
    """The actor takes their like back; without one, nothing changes."""
    assert actor.id is not None
    async with unit_of_work() as uow:
        likes = _likes_of(uow, target)
        if await likes.remove(target_id, actor.id):
            liked = _found(target, await likes.count(target_id, -1))
            liked.ensure_visible()
            uow.publish(liked.unliked(actor))
            await uow.commit()
        else:
            liked = _found(target, await likes.liked(target_id))
            liked.ensure_visible()
    return LikeState(liked.likes, liked_by_me=False)


def _found(target: Target, liked: Liked | None) -> Liked:
    if liked is None:
        raise not_found(target)
    return liked
