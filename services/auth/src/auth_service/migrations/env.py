"""Alembic environment of the auth service: its own tables and the platform's outbox/inbox."""

from auth_service.adapters.orm import Base
from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models as _platform_tables  # noqa: F401 - registers them
from marketplace_platform.migrations import run_migrations

run_migrations([Base.metadata, PlatformBase.metadata])
