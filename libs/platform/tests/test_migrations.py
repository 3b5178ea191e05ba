"""The platform's tables as services' migrations create them are its models' tables, on
each engine, and go again without a trace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models  # noqa: F401 - registers the outbox and inbox
from marketplace_platform.idempotency import IdempotencyBase
from marketplace_platform.migrations import (
    create_event_tables,
    create_idempotency_table,
    drop_event_tables,
    drop_idempotency_table,
)
from marketplace_platform.testing.database import PostgresTemplates, run_on

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_url(database_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database_engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
    return templates.clone("platform_empty", lambda url: None)


def migrate(*steps: Callable[[Operations], None]) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        context = MigrationContext.configure(
            connection, opts={"render_as_batch": connection.dialect.name == "sqlite"}
        )
        op = Operations(context)
        for step in steps:
            step(op)

    return work


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, [PlatformBase.metadata, IdempotencyBase.metadata])


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def test_the_created_tables_are_the_models_tables(empty_url: str) -> None:
    run_on(empty_url, migrate(create_event_tables, create_idempotency_table))
    assert run_on(empty_url, tables) == {"outbox", "inbox", "idempotency_keys"}
    assert run_on(empty_url, differences) == []


def test_the_event_tables_alone_are_the_event_models(empty_url: str) -> None:
    run_on(empty_url, migrate(create_event_tables))
    assert run_on(empty_url, tables) == {"outbox", "inbox"}
    # All that differs from the models is the idempotency table this service did not take.
    missing = [(kind, thing.name) for kind, thing in run_on(empty_url, differences)]
    assert missing == [
        ("add_table", "idempotency_keys"),
        ("add_index", "ix_idempotency_keys_expires_at"),
    ]


def test_the_drops_undo_the_creates(empty_url: str) -> None:
    run_on(empty_url, migrate(create_event_tables, create_idempotency_table))
    run_on(empty_url, migrate(drop_idempotency_table, drop_event_tables))
    assert run_on(empty_url, tables) == set()
