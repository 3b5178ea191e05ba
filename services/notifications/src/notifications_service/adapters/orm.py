"""The notifications service's tables, and the mapping of the domain's classes onto them
(``map_imperatively``: the domain imports no SQLAlchemy).

Indexes follow the reads: a user's inbox newest first and the catch-up after an id are one
range of ``(user_id, id)`` (ids are UUIDv7, so id order is time order); the unread count and
the unread filter are a range of ``(user_id, read_at, id)``; the folding of likes looks up
``(user_id, group_key, id)``; the mail sender scans ``(status, next_attempt_at)``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import registry
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata
from notifications_service.domain.mail import Mail, Recipient
from notifications_service.domain.notifications import Notification
from notifications_service.domain.preferences import Preferences

metadata = new_metadata()
mapper_registry = registry(metadata=metadata)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text(), nullable=False),
    Column("link", String(500), nullable=False),
    Column("count", Integer(), nullable=False),
    Column("group_key", String(100), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime(), nullable=True),
    CheckConstraint("count >= 1", name="count"),
    Index("ix_notifications_user_id_id", "user_id", "id"),
    Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
    Index("ix_notifications_user_group", "user_id", "group_key", "id"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("user_id", Uuid(), primary_key=True),
    Column("language", String(8), nullable=False),
    Column("switches", JSON(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=True),
)

recipients = Table(
    "recipients",
    metadata,
    Column("user_id", Uuid(), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("as_of", UTCDateTime(), nullable=False),
)

MAIL_STATUSES = "'pending', 'sent', 'failed'"

mail = Table(
    "mail",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), nullable=False),
    Column("to_address", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_until", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("last_error", String(500), nullable=True),
    CheckConstraint(f"status IN ({MAIL_STATUSES})", name="status"),
    Index("ix_mail_status_next_attempt_at", "status", "next_attempt_at"),
)


def _map() -> None:
    mapper_registry.map_imperatively(Notification, notifications)
    mapper_registry.map_imperatively(Preferences, preferences)
    mapper_registry.map_imperatively(Recipient, recipients)
    mapper_registry.map_imperatively(Mail, mail)


_map()
