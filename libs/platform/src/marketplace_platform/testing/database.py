"""Database fixtures for tests: a temporary SQLite file, or a throwaway PostgreSQL database
when ``MARKETPLACE_TEST_POSTGRES_URL`` names a server (CI sets it).

PostgreSQL databases are made per test from a template that was migrated once per run
(``CREATE DATABASE ... TEMPLATE``), so each test starts from the real schema, isolated,
without paying for the migrations again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from marketplace_platform.migrations import upgrade

POSTGRES_ENV = "MARKETPLACE_TEST_POSTGRES_URL"


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def require_postgres() -> str:
    url = postgres_server_url()
    if url is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` on the server and return its SQLAlchemy URL."""
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class PostgresTemplates:
    """Per-run template databases, one per schema key, prepared once (e.g. migrated).

    Synchronous on purpose: it is used from plain (sync) pytest fixtures, which run outside
    any test's event loop, so each call can run its own short ``asyncio.run``.
    """

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._templates: dict[str, str] = {}
        self._created: list[str] = []

    def template(self, key: str, prepare: Callable[[str], None]) -> str:
        if key not in self._templates:
            name = unique_name(f"mp_tpl_{key}")
            url = asyncio.run(create_database(self.server_url, name))
            self._created.append(name)
            prepare(url)
            self._templates[key] = name
        return self._templates[key]

    def clone(self, key: str, prepare: Callable[[str], None]) -> str:
        """A fresh database copied from the prepared template; returns its URL."""
        template = self.template(key, prepare)
        name = unique_name(f"mp_test_{key}")
        self._created.append(name)
        return asyncio.run(create_database(self.server_url, name, template=template))

    def drop_all(self) -> None:
        # Dropping costs ~0.5 s a database on PostgreSQL; a few connections at once keep the
        # end of a long run from taking minutes.
        async def drop() -> None:
            limit = asyncio.Semaphore(8)

            async def one(name: str) -> None:
                async with limit:
                    await drop_database(self.server_url, name)

            clones = [n for n in self._created if n not in self._templates.values()]
            await asyncio.gather(*(one(name) for name in clones))
            await asyncio.gather(*(one(name) for name in self._templates.values()))

        asyncio.run(drop())
        self._created.clear()
        self._templates.clear()


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates]:
    """Skips the test unless ``MARKETPLACE_TEST_POSTGRES_URL`` is set."""
    templates = PostgresTemplates(require_postgres())
    yield templates
    templates.drop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_engine(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over both engines; the postgres run skips without a server."""
    if request.param == "postgres":
        require_postgres()
    return request.param


def migrated_database_fixtures(name: str, migrations_dir: Path) -> tuple[Any, Any]:
    """The two fixtures every service's tests start from, for its migrations:

    - ``sqlite_template`` (session): a SQLite file migrated once per run;
    - ``database_url``: for each test, a copy of that file, or on the ``postgres`` run a
      database cloned from a template migrated once.

    In a service's conftest: ``sqlite_template, database_url = migrated_database_fixtures(
    "orders", MIGRATIONS_DIR)``. Tests then run on both engines through ``database_engine``.
    """

    def migrate(url: str) -> None:
        upgrade(migrations_dir, url)

    @pytest.fixture(scope="session", name="sqlite_template")
    def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
        path = tmp_path_factory.mktemp(f"{name}-template") / f"{name}.db"
        migrate(f"sqlite+aiosqlite:///{path}")
        return path

    @pytest.fixture(name="database_url")
    def database_url(
        database_engine: str,
        sqlite_template: Path,
        tmp_path: Path,
        request: pytest.FixtureRequest,
    ) -> str:
        if database_engine == "sqlite":
            path = tmp_path / f"{name}.db"
            shutil.copyfile(sqlite_template, path)
            return f"sqlite+aiosqlite:///{path}"
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        return templates.clone(name, migrate)

    return sqlite_template, database_url
