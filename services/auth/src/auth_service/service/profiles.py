"""A user's own profile: read, change, and the avatar."""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.domain.errors import AvatarNotFound, UserNotFound
from auth_service.domain.users import User
from auth_service.schemas import OrderHistoryItem
from auth_service.service import order_history
from marketplace_platform.clock import utcnow
from marketplace_platform.files import FileNotFound, FileStore, StoredFile
from marketplace_platform.images import Variant, process_upload

log = logging.getLogger(__name__)

AVATAR = Variant("avatar", 256)
AVATAR_SMALL = Variant("avatar_small", 64)


async def get(*, unit_of_work: UnitOfWorkFactory, user_id: uuid.UUID) -> User:
    """A read, so a read-only unit of work: on SQLite it never waits for the write lock."""
    async with unit_of_work(read_only=True) as uow:
        return await _get_or_raise(uow, user_id)


async def get_order_history(
    *, unit_of_work: UnitOfWorkFactory, user_id: uuid.UUID
) -> list[OrderHistoryItem]:
    """The profile's order history, newest first: a projection of the orders service's
    events kept in this database by ``consumers/orders.py``."""
    return await order_history.get_all(unit_of_work=unit_of_work, user_id=user_id)


async def update(
    *, unit_of_work: UnitOfWorkFactory, user_id: uuid.UUID, changes: dict[str, Any]
) -> User:
    """Apply the changed fields; the user records ``UserUpdated`` naming them, if any
    changed."""
    async with unit_of_work() as uow:
        user = await _get_or_raise(uow, user_id)
        user.change_profile(changes, now=utcnow())
        # Even with nothing to write: a rolled-back session would expire ``user``.
        await uow.commit()
    return user


async def set_avatar(
    *,
    unit_of_work: UnitOfWorkFactory,
    store: FileStore,
    user_id: uuid.UUID,
    image: bytes,
    max_pixels: int,
) -> User:
    """Make the uploaded image the user's avatar (the image pipeline refuses anything that
    is not a safe PNG, JPEG or WebP, or has more than ``max_pixels``); the previous avatar's
    files are removed."""
    variants = await process_upload(image, (AVATAR, AVATAR_SMALL), max_pixels=max_pixels)
    large = await store.put(variants[AVATAR.name].data, content_type="image/webp")
    small = await store.put(variants[AVATAR_SMALL.name].data, content_type="image/webp")
    try:
        async with unit_of_work() as uow:
            user = await _get_or_raise(uow, user_id)
            previous = user.avatar_files
            user.set_avatar(file=large, small_file=small, now=utcnow())
            await uow.commit()
    except BaseException:
        await _remove_files(store, large, small)
        raise
    await _remove_files(store, *previous)
    return user


async def delete_avatar(
    *, unit_of_work: UnitOfWorkFactory, store: FileStore, user_id: uuid.UUID
) -> None:
    async with unit_of_work() as uow:
        user = await _get_or_raise(uow, user_id)
        previous = user.avatar_files
        if previous == (None, None):
            return
        user.remove_avatar(now=utcnow())
        await uow.commit()
    await _remove_files(store, *previous)


async def get_avatar(*, store: FileStore, name: str) -> StoredFile:
    try:
        return await store.get(name)
    except FileNotFound:
        raise AvatarNotFound("There is no avatar of that name.") from None


async def _get_or_raise(uow: AuthUnitOfWork, user_id: uuid.UUID) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise UserNotFound("The account does not exist (any more).")
    return user


async def _remove_files(store: FileStore, *names: str | None) -> None:
    # Best effort: an orphaned file wastes a little disk, and must not fail the request.
    for name in names:
        if name is not None:
            with contextlib.suppress(OSError):
                await store.delete(name)
