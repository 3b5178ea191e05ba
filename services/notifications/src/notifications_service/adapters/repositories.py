"""Repositories of the notifications service: they find, add and change rows in the session
they are given, hand every aggregate they load or add to ``track`` (its recorded events go
out with the commit), and never commit.

What the consumer does for every event (read the user's preferences and address, insert the
notification and the letter, count the unread) runs prebuilt Core statements with
parameters: built once, their compiled form is found in SQLAlchemy's cache without building
and hashing a statement per call, and an insert skips the ORM's flush. A notification or
letter inserted so is not in the session (nothing in the consumer changes it afterwards);
one loaded later is, as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.db import dialect_insert
from notifications_service.adapters.orm import mail, notifications, preferences, recipients
from notifications_service.domain.kinds import DEFAULT_LANGUAGE
from notifications_service.domain.mail import Mail, MailStatus, Recipient
from notifications_service.domain.notifications import Notification
from notifications_service.domain.preferences import Preferences

Track = Callable[[Any], Any]


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _row_of(table: Table, aggregate: Any) -> dict[str, Any]:
    """The column values of a mapped object, for a Core ``INSERT`` of it."""
    return {name: getattr(aggregate, name) for name in table.columns.keys()}  # noqa: SIM118


_INSERT_NOTIFICATION = insert(notifications)
_UNREAD_COUNT = select(func.count()).where(
    notifications.c.user_id == bindparam("user_id"), notifications.c.read_at.is_(None)
)
_PREFERENCES_OF = select(
    preferences.c.language, preferences.c.switches, preferences.c.updated_at
).where(preferences.c.user_id == bindparam("user_id"))
_RECIPIENT_OF = select(recipients.c.email, recipients.c.name, recipients.c.as_of).where(
    recipients.c.user_id == bindparam("user_id")
)
_INSERT_MAIL = insert(mail)


class NotificationRepository:
    def __init__(self, session: AsyncSession, *, track: Track) -> None:
        self.session = session
        self._track = track

    async def add(self, notification: Notification) -> None:
        """Insert the new notification now (one Core ``INSERT``, no flush)."""
        await self.session.execute(
            _INSERT_NOTIFICATION, _row_of(notifications, self._track(notification))
        )

    async def get(self, notification_id: uuid.UUID) -> Notification | None:
        found = await self.session.get(Notification, notification_id)
        return None if found is None else self._track(found)

    async def remove(self, notification: Notification) -> None:
        await self.session.delete(notification)

    async def latest_of_group(self, user_id: uuid.UUID, group_key: str) -> Notification | None:
        """The newest notification of ``group_key``, locked until commit (PostgreSQL; a
        SQLite writer holds the whole database), so two likes folding at once queue here."""
        query = (
            select(Notification)
            .where(notifications.c.user_id == user_id, notifications.c.group_key == group_key)
            .order_by(notifications.c.id.desc())
            .limit(1)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found = await self.session.scalar(query)
        return None if found is None else self._track(found)

    async def mark_all_read(self, user_id: uuid.UUID, at: datetime) -> int:
        """Every unread notification of the user is read as of ``at``; how many were."""
        statement = (
            update(notifications)
            .where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
            .values(read_at=at)
        )
        return _rowcount(await self.session.execute(statement))

    async def unread_count(self, user_id: uuid.UUID) -> int:
        return int(await self.session.scalar(_UNREAD_COUNT, {"user_id": user_id}) or 0)


class PreferencesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Read in this transaction: a batch of the consumer's events of one user reads once.
        self._read: dict[uuid.UUID, Preferences] = {}

    async def of(self, user_id: uuid.UUID) -> Preferences:
        """The user's preferences, the defaults if they never changed any (read once per
        transaction; to change them, ``lock``)."""
        known = self._read.get(user_id)
        if known is not None:
            return known
        row = (await self.session.execute(_PREFERENCES_OF, {"user_id": user_id})).first()
        found = Preferences(user_id=user_id)
        if row is not None:  # as stored, as the ORM would load it
            found.language, found.switches, found.updated_at = row
        self._read[user_id] = found
        return found

    async def lock(self, user_id: uuid.UUID) -> Preferences:
        """The user's stored preferences, made with the defaults if missing, locked until
        commit: two changes at once apply one after the other, neither lost."""
        create = (
            dialect_insert(self.session)(preferences)
            .values(user_id=user_id, language=DEFAULT_LANGUAGE.value, switches={})
            .on_conflict_do_nothing()
        )
        await self.session.execute(create)
        query = (
            select(Preferences)
            .where(preferences.c.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found = await self.session.scalar(query)
        assert found is not None  # made just above, and never deleted
        self._read[user_id] = found
        return found


class RecipientRepository:
    """Users' addresses and names, from auth's events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> Recipient | None:
        row = (await self.session.execute(_RECIPIENT_OF, {"user_id": user_id})).first()
        if row is None:
            return None
        return Recipient(user_id=user_id, email=row.email, name=row.name, as_of=row.as_of)

    async def learn(self, user_id: uuid.UUID, *, email: str, name: str, as_of: datetime) -> None:
        """Remember the address and name, unless a newer fact about the user is stored
        (events may arrive out of order)."""
        insert = dialect_insert(self.session)(recipients).values(
            user_id=user_id, email=email, name=name, as_of=as_of
        )
        newer = recipients.c.as_of < insert.excluded.as_of
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["user_id"],
                set_={"email": insert.excluded.email, "name": insert.excluded.name,
                      "as_of": insert.excluded.as_of},
                where=newer,
            )
        )

    async def rename(self, user_id: uuid.UUID, *, name: str, as_of: datetime) -> None:
        """A new name (auth's profile change), unless the stored one is newer."""
        statement = (
            update(recipients)
            .where(recipients.c.user_id == user_id, recipients.c.as_of < as_of)
            .values(name=name, as_of=as_of)
        )
        await self.session.execute(statement)


class MailRepository:
    def __init__(self, session: AsyncSession, *, track: Track) -> None:
        self.session = session
        self._track = track

    async def add(self, letter: Mail) -> None:
        """Insert the new letter now (one Core ``INSERT``, no flush)."""
        await self.session.execute(_INSERT_MAIL, _row_of(mail, self._track(letter)))

    async def get(self, mail_id: uuid.UUID) -> Mail | None:
        found = await self.session.get(Mail, mail_id, populate_existing=True)
        return None if found is None else self._track(found)

    async def claim_due(self, now: datetime, *, until: datetime, limit: int) -> list[Mail]:
        """Take up to ``limit`` pending letters whose time has come and that no sender holds,
        oldest first, each for one try until ``until``; the letters taken.

        One conditional ``UPDATE`` for the batch, then one read of what it took: of two
        senders, one gets each letter (on PostgreSQL the second waits for the first's rows
        and finds them no longer free; a SQLite writer holds the whole database)."""
        free = (mail.c.claimed_until.is_(None)) | (mail.c.claimed_until < now)
        pending = mail.c.status == MailStatus.PENDING.value
        due = (
            select(mail.c.id)
            .where(pending, mail.c.next_attempt_at <= now, free)
            .order_by(mail.c.next_attempt_at, mail.c.id)
            .limit(limit)
        )
        statement = (
            update(mail)
            .where(mail.c.id.in_(due.scalar_subquery()), pending, free)
            .values(claimed_until=until, attempts=mail.c.attempts + 1)
            .returning(mail.c.id)
        )
        taken = (await self.session.scalars(statement)).all()
        return await self.get_many(taken)

    async def get_many(self, mail_ids: Sequence[uuid.UUID]) -> list[Mail]:
        """The letters of ``mail_ids`` that exist, oldest first, as stored now."""
        if not mail_ids:
            return []
        query = (
            select(Mail)
            .where(mail.c.id.in_(mail_ids))
            .order_by(mail.c.next_attempt_at, mail.c.id)
            .execution_options(populate_existing=True)
        )
        return [self._track(found) for found in (await self.session.scalars(query)).all()]
