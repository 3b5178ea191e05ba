"""Database fixtures for tests: a temporary SQLite file, or a throwaway PostgreSQL database
when ``MARKETPLACE_TEST_POSTGRES_URL`` names a server (CI sets it). Without a server the
PostgreSQL tests skip, except in CI (``CI=true``), where they fail (``require_postgres``).

PostgreSQL databases are made per test from a template that was migrated once per run
(``CREATE DATABASE ... TEMPLATE``), so each test starts from the real schema, isolated,
without paying for the migrations again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection, make_url

from marketplace_platform.db import Database, PlatformBase
from marketplace_platform.events import models  # noqa: F401 - registers the outbox and inbox
from marketplace_platform.idempotency import IdempotencyBase
from marketplace_platform.migrations import downgrade, upgrade

POSTGRES_ENV = "MARKETPLACE_TEST_POSTGRES_URL"
# CI services (GitHub Actions, GitLab, ``.ci/run``) set ``CI=true``.
CI_ENV = "CI"
_TRUE = frozenset({"1", "true", "yes", "on"})
PROBE_TIMEOUT = 5.0


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return environ.get(CI_ENV, "").strip().lower() in _TRUE


def require_postgres(environ: Mapping[str, str] | None = None) -> str:
    """The configured PostgreSQL server's URL, once it has answered.

    Without one (the variable unset, or the server unreachable) the test is skipped on a
    developer's machine, but fails in CI: a CI run whose PostgreSQL tests all skipped
    would pass while proving nothing about the engine production runs on.
    """
    environ = os.environ if environ is None else environ
    url = environ.get(POSTGRES_ENV) or None
    problem = f"{POSTGRES_ENV} is not set" if url is None else _unreachable(url)
    if problem is None:
        assert url is not None
        return url
    if in_ci(environ):
        pytest.fail(f"{problem}; CI must run the PostgreSQL tests", pytrace=False)
    pytest.skip(problem)


@functools.cache
def _unreachable(url: str) -> str | None:
    """Why the server cannot be used, or None; asked once per run and URL.

    The probe runs its own event loop on a thread, so an async test (whose loop is
    running) can call ``require_postgres`` too."""

    async def probe() -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=PROBE_TIMEOUT)
        await conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        try:
            thread.submit(asyncio.run, probe()).result()
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            where = make_url(url).render_as_string(hide_password=True)
            return f"PostgreSQL at {where} is unreachable ({type(error).__name__}: {error})"
    return None


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
    """Skips the test (fails it in CI) unless a PostgreSQL server is configured and up."""
    templates = PostgresTemplates(require_postgres())
    yield templates
    templates.drop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_engine(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over both engines; the postgres run skips without a server (and
    fails in CI)."""
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


def run_on(url: str, work: Callable[[Connection], Any]) -> Any:
    """``work(connection)`` on the database at ``url``, in one transaction that commits, from
    synchronous test code (a schema check, a migration step); returns what ``work`` does."""

    async def go() -> Any:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await database.dispose()

    return asyncio.run(go())


def schema_differences(url: str, service: MetaData, *, idempotency_keys: bool = False) -> list[Any]:
    """How the schema at ``url`` differs from what the models declare (Alembic's
    autogenerate comparison, column types included): the service's ``metadata`` and the
    platform's own tables, the outbox and inbox, and the idempotency keys for a service
    that keeps them. Empty when the migrations made exactly what the models declare."""
    declared = [service, PlatformBase.metadata]
    if idempotency_keys:
        declared.append(IdempotencyBase.metadata)
    return run_on(
        url,
        lambda sync: compare_metadata(
            MigrationContext.configure(sync, opts={"compare_type": True}), declared
        ),
    )


def table_names(url: str) -> set[str]:
    """The tables of the database at ``url``."""
    return run_on(url, lambda sync: set(inspect(sync).get_table_names()))


def down_and_up_again(migrations_dir: Path, url: str) -> tuple[set[str], set[str]]:
    """Run the migration history down to base and up again: the tables left after each."""
    downgrade(migrations_dir, url, "base")
    emptied = table_names(url)
    upgrade(migrations_dir, url)
    return emptied, table_names(url)
