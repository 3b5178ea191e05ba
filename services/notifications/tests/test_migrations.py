"""The migration history runs both ways and matches the models, on each engine."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models  # noqa: F401 - registers the platform tables
from marketplace_platform.migrations import downgrade, upgrade
from marketplace_platform.testing.database import run_on as run
from notifications_service.adapters.orm import metadata
from notifications_service.migrations import MIGRATIONS_DIR

pytestmark = pytest.mark.integration

METADATA = [metadata, PlatformBase.metadata]


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    differences = run(
        database_url,
        lambda sync: compare_metadata(
            MigrationContext.configure(sync, opts={"compare_type": True}), METADATA
        ),
    )
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    def tables() -> set[str]:
        return run(database_url, lambda sync: set(inspect(sync).get_table_names()))

    downgrade(MIGRATIONS_DIR, database_url, "base")
    assert tables() <= {"alembic_version"}
    upgrade(MIGRATIONS_DIR, database_url)
    assert {"notifications", "preferences", "recipients", "mail", "outbox", "inbox"} <= tables()
