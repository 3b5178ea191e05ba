"""Likes on reviews and comments: ``PUT`` likes, ``DELETE`` unlikes, both idempotent.

One like per user is the likes table's primary key: the like is an ``INSERT ... ON CONFLICT
DO NOTHING``, and only the transaction whose insert took a row adds one to the counter (a
relative ``UPDATE``), so twenty concurrent likes by one user count once and a hundred users
liking at once count a hundred. An event goes out only for a like that changed something.

The hot path is three statements in one transaction (the like, the counter, the outbox row)
and no aggregate: the counter's ``UPDATE ... RETURNING`` hands back what the domain's rules
need (``domain.likes.Liked``). Only a like or unlike that changed nothing reads the thing.

Group commit: ``change_all`` applies many users' likes and unlikes in one transaction (the
service joins concurrent requests with ``marketplace_platform.batching.Batcher``), so a
hundred likes cost one ``BEGIN``, one outbox insert and one ``COMMIT``. Each change keeps its
own outcome: one the rules refuse (one's own, a hidden review) is taken back inside the
transaction before it commits (its row removed or restored, its count moved back), so nobody
ever sees it, and the others commit. ``like`` and ``unlike`` are a batch of one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from marketplace_contracts import Event
from marketplace_platform.clock import utcnow
from marketplace_platform.problems import DomainError
from marketplace_platform.tracing import current_traceparent, traceparent_var
from reviews_service.adapters.repositories import LikeRepository
from reviews_service.domain.actors import Actor
from reviews_service.domain.likes import Liked, not_found
from reviews_service.service.ports import UnitOfWork, UnitOfWorkFactory

Target = Literal["review", "comment"]


@dataclass(frozen=True, slots=True)
class LikeState:
    likes: int
    liked_by_me: bool


@dataclass(frozen=True, slots=True)
class LikeChange:
    """``actor`` likes (``like``) or unlikes the review or comment ``target_id``.
    ``traceparent``: the request's, taken where the change is made, so that its event carries
    it although a batch is stored outside that request (``_publish``)."""

    actor: Actor
    target: Target
    target_id: uuid.UUID
    like: bool = True
    traceparent: str | None = field(default_factory=current_traceparent)


def _likes_of(uow: UnitOfWork, target: Target) -> LikeRepository:
    return uow.review_likes if target == "review" else uow.comment_likes


async def like(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, target: Target, target_id: uuid.UUID
) -> LikeState:
    """The actor likes a published review or comment of someone else's."""
    return await _one(unit_of_work, LikeChange(actor, target, target_id, like=True))


async def unlike(
    *, unit_of_work: UnitOfWorkFactory, actor: Actor, target: Target, target_id: uuid.UUID
) -> LikeState:
    """The actor takes their like back; without one, nothing changes."""
    return await _one(unit_of_work, LikeChange(actor, target, target_id, like=False))


async def change_all(
    *, unit_of_work: UnitOfWorkFactory, changes: Sequence[LikeChange]
) -> list[LikeState | DomainError]:
    """Apply ``changes`` in order in one transaction; each one's state after it, or the
    problem the rules refused it with (and it changed nothing). A run of likes of one kind
    (reviews, comments) is stored with one statement for the likes and one for the counts
    (``_like_many``); unlikes, rarer, one at a time."""
    outcomes: list[LikeState | DomainError] = []
    changed = False
    async with unit_of_work() as uow:
        for run in _runs(changes):
            states, moved = await (_like_many if len(run) > 1 else _one_by_one)(uow, run)
            outcomes += states
            changed = changed or moved
        if changed:
            await uow.commit()
    return outcomes


def _runs(changes: Sequence[LikeChange]) -> list[list[LikeChange]]:
    """``changes`` cut, in order, into runs of likes of the same kind and single unlikes."""
    runs: list[list[LikeChange]] = []
    for change in changes:
        last = runs[-1] if runs else None
        if last and change.like and last[0].like and last[0].target == change.target:
            last.append(change)
        else:
            runs.append([change])
    return runs


async def _like_many(
    uow: UnitOfWork, changes: list[LikeChange]
) -> tuple[list[LikeState | DomainError], bool]:
    """Likes of one kind, in order: what ``_like`` does for each, in two statements for all
    (the new likes, then every liked thing's counter), and each event counting as if the
    likes had come one after another."""
    target = changes[0].target
    likes = _likes_of(uow, target)
    pairs = [(change.target_id, change.actor.id) for change in changes]
    new = await likes.add_all(pairs, at=utcnow())  # type: ignore[arg-type]
    if new is None:  # a like of nothing among them: one at a time
        return await _one_by_one(uow, changes)
    # A pair twice in the batch (one user's twin requests) is new the first time only.
    seen: set[tuple[uuid.UUID, uuid.UUID | None]] = set()
    fresh = []
    for pair in pairs:
        fresh.append(pair in new and pair not in seen)
        seen.add(pair)
    added = Counter(
        change.target_id for change, is_new in zip(changes, fresh, strict=True) if is_new
    )
    counted = await likes.count_all(dict(added)) if added else {}
    outcomes: list[LikeState | DomainError | None] = [None] * len(changes)
    refused: list[tuple[uuid.UUID, uuid.UUID]] = []
    for index, (change, is_new) in enumerate(zip(changes, fresh, strict=True)):
        if is_new:
            try:
                counted[change.target_id].ensure_likeable_by(change.actor)
            except DomainError as problem:
                outcomes[index] = problem
                refused.append(pairs[index])  # type: ignore[arg-type]
    for target_id, user_id in refused:  # taken back before the transaction commits
        await likes.remove(target_id, user_id)
    kept = Counter(target_id for target_id, _ in refused)
    if kept:
        counted.update(await likes.count_all({key: -n for key, n in kept.items()}))
    # The accepted new likes of each thing count up from what it had before the batch.
    before = {key: counted[key].likes - added[key] + kept[key] for key in added}
    changed = False
    for index, (change, is_new) in enumerate(zip(changes, fresh, strict=True)):
        if not is_new or outcomes[index] is not None:
            continue
        before[change.target_id] += 1
        liked = replace(counted[change.target_id], likes=before[change.target_id])
        _publish(uow, change, liked.liked(change.actor))
        outcomes[index] = LikeState(liked.likes, liked_by_me=True)
        changed = True
    for index, (change, is_new) in enumerate(zip(changes, fresh, strict=True)):
        if is_new:
            continue
        try:  # liked before: nothing to change, the count as the batch leaves it
            liked = counted.get(change.target_id) or _found(
                target, await likes.liked(change.target_id)
            )
            liked.ensure_likeable_by(change.actor)
            outcomes[index] = LikeState(liked.likes, liked_by_me=True)
        except DomainError as problem:
            outcomes[index] = problem
    return [outcome for outcome in outcomes if outcome is not None], changed


async def _one_by_one(
    uow: UnitOfWork, changes: list[LikeChange]
) -> tuple[list[LikeState | DomainError], bool]:
    outcomes: list[LikeState | DomainError] = []
    changed = False
    for change in changes:
        try:
            state, moved = await (_like if change.like else _unlike)(uow, change)
        except DomainError as refused:
            outcomes.append(refused)
            continue
        outcomes.append(state)
        changed = changed or moved
    return outcomes, changed


async def _one(unit_of_work: UnitOfWorkFactory, change: LikeChange) -> LikeState:
    [outcome] = await change_all(unit_of_work=unit_of_work, changes=[change])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def _like(uow: UnitOfWork, change: LikeChange) -> tuple[LikeState, bool]:
    """The state after the like, and whether it changed anything."""
    actor, target, target_id = change.actor, change.target, change.target_id
    assert actor.id is not None
    likes = _likes_of(uow, target)
    if await likes.add(target_id, actor.id, at=utcnow()):
        liked = _found(target, await likes.count(target_id, 1))
        try:
            liked.ensure_likeable_by(actor)
        except DomainError:  # refused: taken back before the transaction commits
            await likes.remove(target_id, actor.id)
            await likes.count(target_id, -1)
            raise
        _publish(uow, change, liked.liked(actor))
        return LikeState(liked.likes, liked_by_me=True), True
    # Liked before (or no such thing): nothing to change.
    liked = _found(target, await likes.liked(target_id))
    liked.ensure_likeable_by(actor)
    return LikeState(liked.likes, liked_by_me=True), False


async def _unlike(uow: UnitOfWork, change: LikeChange) -> tuple[LikeState, bool]:
    actor, target, target_id = change.actor, change.target, change.target_id
    assert actor.id is not None
    likes = _likes_of(uow, target)
    given_at = await likes.remove(target_id, actor.id)
    if given_at is not None:
        liked = _found(target, await likes.count(target_id, -1))
        try:
            liked.ensure_visible()
        except DomainError:  # refused: the like is put back as it was
            await likes.add(target_id, actor.id, at=given_at)
            await likes.count(target_id, 1)
            raise
        _publish(uow, change, liked.unliked(actor))
        return LikeState(liked.likes, liked_by_me=False), True
    liked = _found(target, await likes.liked(target_id))
    liked.ensure_visible()
    return LikeState(liked.likes, liked_by_me=False), False


def _publish(uow: UnitOfWork, change: LikeChange, event: Event) -> None:
    """Record ``event`` with the trace of the request that made ``change``."""
    token = traceparent_var.set(change.traceparent)
    try:
        uow.publish(event)
    finally:
        traceparent_var.reset(token)


def _found(target: Target, liked: Liked | None) -> Liked:
    if liked is None:
        raise not_found(target)
    return liked
