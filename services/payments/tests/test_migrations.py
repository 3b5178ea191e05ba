"""The migration history runs both ways and matches the models, on each engine."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models  # noqa: F401 - registers the platform tables
from marketplace_platform.idempotency import IdempotencyBase
from marketplace_platform.migrations import downgrade, upgrade
from marketplace_platform.testing.database import run_on as run
from payments_service.adapters.orm import metadata as payments_metadata
from payments_service.migrations import MIGRATIONS_DIR

pytestmark = pytest.mark.integration


def schema_differences(url: str) -> list[object]:
    metadata = [payments_metadata, PlatformBase.metadata, IdempotencyBase.metadata]
    return run(
        url,
        lambda sync: compare_metadata(
            MigrationContext.configure(sync, opts={"compare_type": True}), metadata
        ),
    )


def tables(url: str) -> set[str]:
    return run(url, lambda sync: set(inspect(sync).get_table_names()))


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url) == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    downgrade(MIGRATIONS_DIR, database_url, "base")
    assert tables(database_url) <= {"alembic_version"}
    upgrade(MIGRATIONS_DIR, database_url)
    assert {"payments", "outbox", "inbox", "idempotency_keys"} <= tables(database_url)
