"""The migration history runs both ways and matches the models, on each engine."""

import pytest

from analytics_service.adapters.orm import metadata
from analytics_service.migrations import MIGRATIONS_DIR
from marketplace_platform.testing.database import down_and_up_again, schema_differences

pytestmark = pytest.mark.integration


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url, metadata) == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    emptied, migrated = down_and_up_again(MIGRATIONS_DIR, database_url)
    assert emptied <= {"alembic_version"}
    assert {table.name for table in metadata.sorted_tables} | {"outbox", "inbox"} <= migrated
