"""Alembic environment of the analytics service: its own tables and the platform's
outbox/inbox."""

from analytics_service.adapters.orm import metadata
from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models as _platform_tables  # noqa: F401 - registers them
from marketplace_platform.migrations import run_migrations

run_migrations([metadata, PlatformBase.metadata])
