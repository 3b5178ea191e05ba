"""Alembic, one migration history per service, driven from code.

Each service keeps ``<package>/migrations/`` (``env.py``, ``versions/``) with no alembic.ini:
``upgrade(script_location, url)`` builds the configuration, and the service's ``env.py`` is
one call to ``run_migrations(target_metadata)``. The same history runs on SQLite (in batch
mode, since SQLite cannot ALTER most things in place) and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


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
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
        finally:
            await engine.dispose()

    asyncio.run(run_async())
