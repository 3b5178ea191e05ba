"""What the use cases need from outside, as protocols: the real adapters implement them, and
unit tests hand in fakes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from notifications_service.adapters.repositories import (
    MailRepository,
    NotificationRepository,
    PreferencesRepository,
    RecipientRepository,
)
from notifications_service.domain.mail import Mail
from notifications_service.domain.messages import Message


class UnitOfWork(Protocol):
    """What ``NotificationsUnitOfWork`` offers a use case (and the fake one imitates)."""

    notifications: NotificationRepository
    mail: MailRepository
    preferences: PreferencesRepository
    recipients: RecipientRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    def after_commit(self, action: Any) -> None: ...


class Pusher(Protocol):
    """Sends a message to every open socket of a user, on whichever replica."""

    async def push(self, user_id: uuid.UUID, message: Message) -> None: ...


class Mailer(Protocol):
    """Hands letters to the mail server; per letter None (sent) or the error it met
    (``MailDeferred``, ``MailRejected``)."""

    async def send(self, letters: Sequence[Mail]) -> list[Exception | None]: ...
