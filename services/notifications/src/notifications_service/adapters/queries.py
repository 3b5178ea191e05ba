"""The read side of the inbox: pages, the catch-up after an id, the unread count, straight
from the table on read-only sessions (on SQLite they begin DEFERRED and never queue behind a
writer). Each is a range of an index of ``adapters.orm``; a page is found by its cursor, the
last id it showed (keyset pagination), so the hundredth page costs what the first does."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from marketplace_platform.db import Database
from marketplace_platform.pagination import Page, decode_cursor, page_after
from notifications_service.adapters.orm import notifications
from notifications_service.domain.messages import notification_document
from notifications_service.domain.notifications import Notification

Document = dict[str, Any]


class InboxQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(
        self, user_id: uuid.UUID, *, unread: bool, cursor: str | None, limit: int
    ) -> Page[Document]:
        """The user's notifications, newest first; only the unread ones if ``unread``."""
        tag = "notifications:unread" if unread else "notifications"
        query = (
            select(Notification)
            .where(notifications.c.user_id == user_id)
            .order_by(notifications.c.id.desc())
            .limit(limit + 1)
        )
        if unread:
            query = query.where(notifications.c.read_at.is_(None))
        if cursor is not None:
            (after,) = decode_cursor(cursor, uuid.UUID, tag=tag)
            query = query.where(notifications.c.id < after)
        async with self.db.read_session() as session:
            rows = [notification_document(n) for n in (await session.scalars(query)).all()]
        return page_after(rows, limit=limit, key=lambda row: (uuid.UUID(row["id"]),), tag=tag)

    async def after(
        self, user_id: uuid.UUID, since: uuid.UUID, *, limit: int
    ) -> tuple[list[Document], bool]:
        """What came after ``since``, oldest first: at most the ``limit`` newest, and whether
        there were more (a client that far behind should reload its inbox)."""
        query = (
            select(Notification)
            .where(notifications.c.user_id == user_id, notifications.c.id > since)
            .order_by(notifications.c.id.desc())
            .limit(limit + 1)
        )
        async with self.db.read_session() as session:
            found = (await session.scalars(query)).all()
        return [notification_document(n) for n in reversed(found[:limit])], len(found) > limit

    async def unread(self, user_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            notifications.c.user_id == user_id, notifications.c.read_at.is_(None)
        )
        async with self.db.read_session() as session:
            return int(await session.scalar(query) or 0)
