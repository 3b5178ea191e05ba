"""The analytics service's migration history (Alembic, driven by
``marketplace_platform.migrations``)."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent
