"""``python -m analytics_service serve|migrate|revision|rebuild|seed``."""

from __future__ import annotations

from collections.abc import Sequence

from analytics_service.commands import commands
from analytics_service.main import create_app
from analytics_service.migrations import MIGRATIONS_DIR
from analytics_service.settings import get_settings
from marketplace_platform.cli import service_main


def main(argv: Sequence[str] | None = None) -> int:
    return service_main(
        name="analytics_service",
        settings=get_settings,
        create_app=create_app,
        migrations_dir=MIGRATIONS_DIR,
        extra=commands(),
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
