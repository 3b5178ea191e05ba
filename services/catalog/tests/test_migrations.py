"""The migration history runs both ways and matches the models, on each engine; the search
machinery it adds by hand is there and kept out of autogenerate's sight."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalog_service.adapters.orm import Base
from catalog_service.adapters.search import is_search_object
from catalog_service.migrations import MIGRATIONS_DIR
from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models  # noqa: F401 - registers the platform tables
from marketplace_platform.migrations import downgrade, upgrade
from marketplace_platform.testing.database import run_on as run

pytestmark = pytest.mark.integration


def schema_differences(url: str) -> list[object]:
    opts = {"compare_type": True, "include_object": is_search_object}
    return run(
        url,
        lambda sync: compare_metadata(
            MigrationContext.configure(sync, opts=opts), [Base.metadata, PlatformBase.metadata]
        ),
    )


def tables(url: str) -> set[str]:
    return run(url, lambda sync: set(inspect(sync).get_table_names()))


def product_columns(url: str) -> set[str]:
    return run(url, lambda sync: {c["name"] for c in inspect(sync).get_columns("products")})


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url) == []


def test_the_search_machinery_is_there(database_url: str, database_engine: str) -> None:
    if database_engine == "sqlite":
        assert "products_fts" in tables(database_url)
    else:
        assert "search_vector" in product_columns(database_url)


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    downgrade(MIGRATIONS_DIR, database_url, "base")
    assert tables(database_url) <= {"alembic_version"}
    upgrade(MIGRATIONS_DIR, database_url)
    assert {"categories", "products", "stock_reservations", "outbox", "inbox"} <= tables(
        database_url
    )
