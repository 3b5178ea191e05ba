"""A unit of work on dicts, a pusher and a mailer in memory, so the use cases run without a
database, a broker or a mail server: what they store, push and send is asserted on the
fakes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from marketplace_platform.testing.fakes import FakeUnitOfWork
from notifications_service.domain.mail import Mail, MailStatus, Recipient
from notifications_service.domain.notifications import Notification
from notifications_service.domain.preferences import Preferences
from notifications_service.service.notify import Outlets


class FakeNotifications:
    def __init__(self, track: Any) -> None:
        self.rows: dict[uuid.UUID, Notification] = {}
        self.track = track

    async def add(self, notification: Notification) -> None:
        self.rows[notification.id] = self.track(notification)

    async def get(self, notification_id: uuid.UUID) -> Notification | None:
        found = self.rows.get(notification_id)
        return None if found is None else self.track(found)

    async def remove(self, notification: Notification) -> None:
        del self.rows[notification.id]

    async def latest_of_group(self, user_id: uuid.UUID, group_key: str) -> Notification | None:
        group = [n for n in self.rows.values() if (n.user_id, n.group_key) == (user_id, group_key)]
        return self.track(max(group, key=lambda n: n.id)) if group else None

    async def mark_all_read(self, user_id: uuid.UUID, at: datetime) -> int:
        unread = [n for n in self.of(user_id) if n.read_at is None]
        for notification in unread:
            notification.read_at = at
        return len(unread)

    async def unread_count(self, user_id: uuid.UUID) -> int:
        return sum(1 for n in self.of(user_id) if n.read_at is None)

    def of(self, user_id: uuid.UUID) -> list[Notification]:
        return sorted((n for n in self.rows.values() if n.user_id == user_id), key=lambda n: n.id)


class FakeMail:
    def __init__(self, track: Any) -> None:
        self.rows: dict[uuid.UUID, Mail] = {}
        self.track = track

    async def add(self, letter: Mail) -> None:
        self.rows[letter.id] = self.track(letter)

    async def get(self, mail_id: uuid.UUID) -> Mail | None:
        found = self.rows.get(mail_id)
        return None if found is None else self.track(found)

    def _free(self, letter: Mail, now: datetime) -> bool:
        return letter.status == MailStatus.PENDING.value and (
            letter.claimed_until is None or letter.claimed_until < now
        )

    async def claim_due(self, now: datetime, *, until: datetime, limit: int) -> list[Mail]:
        due = [m for m in self.rows.values() if self._free(m, now) and m.next_attempt_at <= now]
        taken = sorted(due, key=lambda m: (m.next_attempt_at, m.id))[:limit]
        for letter in taken:
            letter.claimed_until, letter.attempts = until, letter.attempts + 1
        return [self.track(letter) for letter in taken]

    async def get_many(self, mail_ids: Sequence[uuid.UUID]) -> list[Mail]:
        found = [self.rows[mail_id] for mail_id in mail_ids if mail_id in self.rows]
        found.sort(key=lambda m: (m.next_attempt_at, m.id))
        return [self.track(letter) for letter in found]


class FakePreferences:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Preferences] = {}

    async def of(self, user_id: uuid.UUID) -> Preferences:
        return self.rows.get(user_id) or Preferences(user_id=user_id)

    async def lock(self, user_id: uuid.UUID) -> Preferences:
        return self.rows.setdefault(user_id, Preferences(user_id=user_id))


class FakeRecipients:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Recipient] = {}

    async def get(self, user_id: uuid.UUID) -> Recipient | None:
        return self.rows.get(user_id)

    async def learn(self, user_id: uuid.UUID, *, email: str, name: str, as_of: datetime) -> None:
        known = self.rows.get(user_id)
        if known is None or known.as_of < as_of:
            self.rows[user_id] = Recipient(user_id=user_id, email=email, name=name, as_of=as_of)

    async def rename(self, user_id: uuid.UUID, *, name: str, as_of: datetime) -> None:
        known = self.rows.get(user_id)
        if known is not None and known.as_of < as_of:
            known.name, known.as_of = name, as_of


class FakeNotificationsUnitOfWork(FakeUnitOfWork):
    def open(self) -> None:
        self.notifications = FakeNotifications(self.track)
        self.mail = FakeMail(self.track)
        self.preferences = FakePreferences()
        self.recipients = FakeRecipients()


class FakePusher:
    def __init__(self) -> None:
        self.pushed: list[tuple[uuid.UUID, dict[str, Any]]] = []

    async def push(self, user_id: uuid.UUID, message: dict[str, Any]) -> None:
        self.pushed.append((user_id, message))

    def types(self, user_id: uuid.UUID) -> list[str]:
        return [message["type"] for to, message in self.pushed if to == user_id]


class FakeMailer:
    """Sends every letter, or answers what ``outcomes`` says for the next round."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.outcomes: list[Exception | None] | None = None

    async def send(self, letters: Sequence[Mail]) -> list[Exception | None]:
        outcomes = self.outcomes or [None] * len(letters)
        self.outcomes = None
        self.sent += [letter for letter, outcome in zip(letters, outcomes, strict=True)
                      if outcome is None]
        return outcomes


@pytest.fixture
def uow() -> FakeNotificationsUnitOfWork:
    return FakeNotificationsUnitOfWork(source="notifications")


@pytest.fixture
def pusher() -> FakePusher:
    return FakePusher()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def nudges() -> list[int]:
    return []


@pytest.fixture
def outlets(pusher: FakePusher, nudges: list[int]) -> Outlets:
    return Outlets(
        pusher=pusher,
        mail_queued=lambda: nudges.append(1),
        site_url="https://shop.example",
        fold_window=timedelta(minutes=5),
    )
