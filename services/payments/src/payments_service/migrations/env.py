"""Alembic environment of the payments service: its own tables, the platform's outbox/inbox
and the idempotency keys. (The simulated processor's table is not here: it stands for
another company's system and creates itself, see ``adapters.processor``.)"""

from marketplace_platform.db import PlatformBase
from marketplace_platform.events import models as _platform_tables  # noqa: F401 - registers them
from marketplace_platform.idempotency import IdempotencyBase
from marketplace_platform.migrations import run_migrations
from payments_service.adapters.orm import metadata

run_migrations([metadata, PlatformBase.metadata, IdempotencyBase.metadata])
