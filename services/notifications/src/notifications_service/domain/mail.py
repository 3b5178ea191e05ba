"""Email, as a queue of letters written in the same transaction as their notification.

A letter is stored ``pending`` with the notification (or not at all), then a sender claims
it, hands it to the mail server and marks it ``sent``. That is the transactional outbox
again, for SMTP: a mail server that is down or refuses for now (4xx) only defers the letter
(``deferred``, retried with growing pauses, forever); one that refuses it for good (5xx, a
bad address) ends it ``failed`` with the reason. Nothing is lost, and a letter the server
accepted is never sent again, except in one window: a sender that dies after the server's
"250 OK" and before its commit. That letter goes again when its claim expires, with the same
``Message-ID`` header, which mail systems use to drop duplicates.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from marketplace_platform.aggregates import Aggregate

# The order statuses a payment sets: "processing" (a payment started), "paid" (it succeeded),
# "created" again (it failed). Their news reaches the mailbox once, as the payment's own letter
# (``payment.succeeded``, ``payment.failed``, with the amount or the reason): a buyer is not
# sent three letters for one purchase. The inbox and the live pushes still show every change.
PAYMENT_STEPS = frozenset({"processing", "paid", "created"})

FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=15)
MAX_ERROR = 500


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def retry_delay(attempts: int) -> timedelta:
    """5 s after the first failed try, doubling, at most 15 minutes."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


class Mail(Aggregate):
    def __init__(
        self,
        *,
        id: uuid.UUID,
        user_id: uuid.UUID,
        to_address: str,
        subject: str,
        body: str,
        created_at: datetime,
    ) -> None:
        self.id = id
        self.user_id = user_id
        self.to_address = to_address
        self.subject = subject
        self.body = body
        self.created_at = created_at
        self.status = MailStatus.PENDING.value
        self.attempts = 0
        self.next_attempt_at = created_at
        # Set while a sender holds the letter; another sender takes it only after this.
        self.claimed_until: datetime | None = None
        self.sent_at: datetime | None = None
        self.last_error: str | None = None

    @property
    def message_id(self) -> str:
        """The same for every try of this letter, so a receiver can drop a duplicate."""
        return f"<{self.id}@notifications.marketplace>"

    def sent(self, at: datetime) -> None:
        self.status = MailStatus.SENT.value
        self.sent_at = at
        self.claimed_until = None
        self.last_error = None

    def deferred(self, error: str, at: datetime) -> None:
        """The server could not take it now: try again later."""
        self.next_attempt_at = at + retry_delay(self.attempts)
        self.claimed_until = None
        self.last_error = error[:MAX_ERROR]

    def failed(self, error: str) -> None:
        """The server refused it for good: trying again would fail the same way."""
        self.status = MailStatus.FAILED.value
        self.claimed_until = None
        self.last_error = error[:MAX_ERROR]


def status_mailed(status: str) -> bool:
    """Whether an order's change to ``status`` is worth a letter of its own (``order.status``
    by email): a cancellation or a delivery is; a payment's steps are the payment's letter."""
    return status not in PAYMENT_STEPS


class Recipient:
    """Where a user's mail goes, as auth's events told: the address they registered with and
    the name they go by."""

    def __init__(self, *, user_id: uuid.UUID, email: str, name: str, as_of: datetime) -> None:
        self.user_id = user_id
        self.email = email
        self.name = name
        self.as_of = as_of


class MailDeferred(Exception):
    """The mail server cannot take the letter now (down, busy, 4xx): try again later."""


class MailRejected(Exception):
    """The mail server refused the letter for good (5xx): trying again would not help."""
