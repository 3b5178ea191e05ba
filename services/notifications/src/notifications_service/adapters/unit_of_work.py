"""The notifications service's unit of work: one transaction, the repositories it reaches
through, and the events its aggregates recorded, written to the outbox when it commits."""

from __future__ import annotations

from marketplace_platform.events.unit_of_work import UnitOfWork
from notifications_service.adapters.repositories import (
    MailRepository,
    NotificationRepository,
    PreferencesRepository,
    RecipientRepository,
)


class NotificationsUnitOfWork(UnitOfWork):
    def open(self) -> None:
        session = self.session
        self.notifications = NotificationRepository(session, track=self.track)
        self.mail = MailRepository(session, track=self.track)
        self.preferences = PreferencesRepository(session)
        self.recipients = RecipientRepository(session)
