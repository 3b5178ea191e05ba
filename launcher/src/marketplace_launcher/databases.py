"""Database-per-service on a PostgreSQL server: create each service's database if missing."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from sqlalchemy.engine import URL

CONNECT_TIMEOUT = 10.0


class DatabaseUnavailable(RuntimeError):
    pass


def asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_databases(server: URL, names: Sequence[str]) -> set[str]:
    """Create the databases of ``names`` that do not exist yet; the ones it created.

    ``server`` is any database URL on the server (usually ``.../postgres``) the user may
    connect to and create databases from. Names are validated identifiers (options.py).
    """
    try:
        conn = await asyncpg.connect(asyncpg_dsn(server), timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        where = server.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {where}: {error}") from error
    created: set[str] = set()
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname = ANY($1::text[])", list(names)
        )
        existing = {row["datname"] for row in rows}
        for name in names:
            if name in existing:
                continue
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            except asyncpg.DuplicateDatabaseError:
                continue  # someone else made it in the meantime: it exists, which is the goal
            except asyncpg.PostgresError as error:
                raise DatabaseUnavailable(f"cannot create database {name}: {error}") from error
            created.add(name)
    finally:
        await conn.close()
    return created
