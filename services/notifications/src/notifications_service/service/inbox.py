"""The inbox: a user's notifications, read, marked read, deleted. Another user's notification
is a 404, exactly like one that does not exist. Every change of the unread count is pushed to
the user's open sockets, so the badge of every tab follows."""

from __future__ import annotations

import uuid
from typing import Any

from marketplace_platform.clock import utcnow
from marketplace_platform.pagination import Page
from notifications_service.adapters.queries import InboxQueries
from notifications_service.domain.errors import NotificationNotFound
from notifications_service.domain.messages import notification_document, unread_message
from notifications_service.domain.notifications import Notification
from notifications_service.service.ports import Pusher, UnitOfWork

Document = dict[str, Any]


async def get_all(
    *, queries: InboxQueries, user_id: uuid.UUID, unread: bool, cursor: str | None, limit: int
) -> Page[Document]:
    return await queries.page(user_id, unread=unread, cursor=cursor, limit=limit)


async def unread_count(*, queries: InboxQueries, user_id: uuid.UUID) -> int:
    return await queries.unread(user_id)


async def _own(uow: UnitOfWork, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    notification = await uow.notifications.get(notification_id)
    if notification is None:
        raise NotificationNotFound("There is no notification with this id.")
    notification.ensure_owned_by(user_id)
    return notification


def _push_unread(uow: UnitOfWork, pusher: Pusher, user_id: uuid.UUID, unread: int) -> None:
    message = unread_message(unread)
    uow.after_commit(lambda: pusher.push(user_id, message))


async def mark_read(
    *, uow: UnitOfWork, pusher: Pusher, user_id: uuid.UUID, notification_id: uuid.UUID
) -> Document:
    """Read; reading it again changes nothing (and keeps the first read time)."""
    async with uow:
        notification = await _own(uow, user_id, notification_id)
        if notification.mark_read(utcnow()):
            _push_unread(uow, pusher, user_id, await uow.notifications.unread_count(user_id))
        document = notification_document(notification)
        await uow.commit()
    return document


async def mark_all_read(*, uow: UnitOfWork, pusher: Pusher, user_id: uuid.UUID) -> int:
    """Every unread notification of the user is read now; how many were."""
    async with uow:
        marked = await uow.notifications.mark_all_read(user_id, utcnow())
        if marked:
            _push_unread(uow, pusher, user_id, 0)
        await uow.commit()
    return marked


async def delete(
    *, uow: UnitOfWork, pusher: Pusher, user_id: uuid.UUID, notification_id: uuid.UUID
) -> None:
    async with uow:
        notification = await _own(uow, user_id, notification_id)
        was_unread = notification.unread
        await uow.notifications.remove(notification)
        if was_unread:
            _push_unread(uow, pusher, user_id, await uow.notifications.unread_count(user_id))
        await uow.commit()


async def catch_up(
    *, queries: InboxQueries, user_id: uuid.UUID, since: uuid.UUID, limit: int
) -> tuple[list[Document], bool]:
    """What a reconnecting client missed after the last id it saw, oldest first, and whether
    there was more than ``limit`` of it."""
    return await queries.after(user_id, since, limit=limit)
