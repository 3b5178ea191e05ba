"""The outbox and inbox tables, present in every service's database.

Outbox: events written in the same transaction as the state change they describe; the relay
publishes them afterwards. Inbox: the ids of events a consumer has already applied, written in
the same transaction as the effect, so a redelivered event changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace_platform.db import PlatformBase


class OutboxMessage(PlatformBase):
    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the event id, UUIDv7: time order
    subject: Mapped[str] = mapped_column(String(200))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    # The relay only ever looks for what is not yet published, oldest first.
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)


class InboxMessage(PlatformBase):
    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime]
