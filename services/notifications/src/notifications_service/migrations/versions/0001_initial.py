"""Initial schema: notifications, preferences, recipients (from auth's events), the mail
queue, and the platform's outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marketplace_platform.migrations import create_event_tables, drop_event_tables

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UTCDateTime stores through DateTime(timezone=True) on both engines.
Timestamp = sa.DateTime(timezone=True)

NOTIFICATION_INDEXES = {
    "ix_notifications_user_id_id": ["user_id", "id"],
    "ix_notifications_user_unread": ["user_id", "read_at", "id"],
    "ix_notifications_user_group": ["user_id", "group_key", "id"],
}


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(100), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("read_at", Timestamp, nullable=True),
        sa.CheckConstraint("count >= 1", name=op.f("ck_notifications_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    for name, columns in NOTIFICATION_INDEXES.items():
        op.create_index(name, "notifications", columns)
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("switches", sa.JSON(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_preferences")),
    )
    op.create_table(
        "recipients",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("as_of", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recipients")),
    )
    op.create_table(
        "mail",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("claimed_until", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_mail_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail")),
    )
    op.create_index("ix_mail_status_next_attempt_at", "mail", ["status", "next_attempt_at"])
    create_event_tables(op)


def downgrade() -> None:
    drop_event_tables(op)
    op.drop_index("ix_mail_status_next_attempt_at", table_name="mail")
    for table in ("mail", "recipients", "preferences"):
        op.drop_table(table)
    for name in NOTIFICATION_INDEXES:
        op.drop_index(name, table_name="notifications")
    op.drop_table("notifications")
