"""Alembic environment of the orders service: its own tables, the idempotency keys and the
platform's outbox/inbox."""

from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models as _platform_tables  # noqa: F401 - registers them
from marketplace_platform.idempotency import IdempotencyBase
from marketplace_platform.migrations import run_migrations
from orders_service.adapters.orm import metadata

run_migrations([metadata, IdempotencyBase.metadata, PlatformBase.metadata])
