"""Alembic environment of the catalog service: its own tables and the platform's outbox/inbox.

The search machinery (PostgreSQL's tsvector column and trigram index, SQLite's FTS5 table and
its triggers) lives only in the migrations: autogenerate would not know how to write it."""

from catalog_service.adapters.orm import Base
from catalog_service.adapters.search import is_search_object
from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models as _platform_tables  # noqa: F401 - registers them
from marketplace_platform.migrations import run_migrations

run_migrations([Base.metadata, PlatformBase.metadata], include_object=is_search_object)
