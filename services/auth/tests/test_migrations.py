"""The migration history runs both ways and matches the models, on each engine."""

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from auth_service.adapters.orm import Base
from auth_service.migrations import MIGRATIONS_DIR
from marketplace_platform.db import Database, PlatformBase
from marketplace_platform.events import models  # noqa: F401 - registers the platform tables
from marketplace_platform.migrations import downgrade, upgrade

pytestmark = pytest.mark.integration


def schema_differences(url: str) -> list[object]:
    async def compare() -> list[object]:
        database = Database(url)
        try:
            async with database.engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}),
                        [Base.metadata, PlatformBase.metadata],
                    )
                )
        finally:
            await database.dispose()

    return asyncio.run(compare())


def tables(url: str) -> set[str]:
    async def names() -> set[str]:
        database = Database(url)
        try:
            async with database.engine.connect() as connection:
                return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await database.dispose()

    return asyncio.run(names())


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url) == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    downgrade(MIGRATIONS_DIR, database_url, "base")
    assert tables(database_url) <= {"alembic_version"}
    upgrade(MIGRATIONS_DIR, database_url)
    assert {"users", "refresh_tokens", "signing_keys", "outbox", "inbox"} <= tables(database_url)


def test_a_url_without_an_async_driver_migrates_as_it_serves(tmp_path) -> None:
    """``sqlite:///path`` (what an operator types) is served by the async driver: the
    ``migrate`` command must accept the same URL, not stop at "requires an async driver"."""
    path = tmp_path / "plain.db"
    upgrade(MIGRATIONS_DIR, f"sqlite:///{path}")
    assert schema_differences(f"sqlite:///{path}") == []
