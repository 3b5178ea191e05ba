"""Alembic, one migration history per service, driven from code.

Each service keeps ``<package>/migrations/`` (``env.py``, ``versions/``) with no alembic.ini:
``upgrade(script_location, url)`` builds the configuration, and the service's ``env.py`` is
one call to ``run_migrations(target_metadata)``. The same history runs on SQLite (in batch
mode, since SQLite cannot ALTER most things in place) and on PostgreSQL.

The tables the platform itself owns (outbox, inbox, idempotency keys) are created by the
functions at the end of this module, which each service's first migration calls: one
definition of their schema, the same in every service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from marketplace_platform.db import async_url


def alembic_config(script_location: str | Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # The URL is passed as an attribute, not an option: a password with '%' in it would
    # otherwise be read as configparser interpolation.
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade(script_location: str | Path, url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Synchronous: run it before the event loop
    starts, or in a thread (``asyncio.to_thread``) from inside one."""
    command.upgrade(alembic_config(script_location, url), revision)


def downgrade(script_location: str | Path, url: str, revision: str) -> None:
    command.downgrade(alembic_config(script_location, url), revision)


def revision(script_location: str | Path, url: str, message: str) -> None:
    """Autogenerate a new migration from the models' difference with the database at ``url``."""
    command.revision(alembic_config(script_location, url), message=message, autogenerate=True)


IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def run_migrations(
    target_metadata: MetaData | Sequence[MetaData], *, include_object: IncludeObject | None = None
) -> None:
    """The body of every service's ``env.py``. ``include_object`` hides from autogenerate
    what the migrations make by hand and the models do not describe (say, a full-text
    index), so that ``revision`` does not propose to drop it."""
    url: str = context.config.attributes["database_url"]

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(async_url(url), poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
        finally:
            await engine.dispose()

    asyncio.run(run_async())


# The platform's own tables, as services' migrations create them. Written out as DDL, not
# derived from the models: a migration must mean today what it meant when it first ran, or a
# fresh database and an old one would drift apart. A change to these models is a new
# function here, called by a new migration of each service that has the table.
# UTCDateTime stores through DateTime(timezone=True) on both engines.
_Timestamp = sa.DateTime(timezone=True)


def create_event_tables(op: Operations) -> None:
    """The outbox and the inbox (``marketplace_platform.events.models``), in every service."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("created_at", _Timestamp, nullable=False),
        sa.Column("published_at", _Timestamp, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("processed_at", _Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )


def drop_event_tables(op: Operations) -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_table("outbox")


def create_idempotency_table(op: Operations) -> None:
    """``idempotency_keys`` (``marketplace_platform.idempotency``), in services that take
    ``Idempotency-Key``."""
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("token", sa.Uuid(), nullable=False),
        sa.Column("locked_at", _Timestamp, nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", _Timestamp, nullable=False),
        sa.Column("expires_at", _Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def drop_idempotency_table(op: Operations) -> None:
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
