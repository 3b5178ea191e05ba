"""``python -m notifications_service serve|migrate|revision``."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace_platform.cli import service_main
from notifications_service.main import SERVER_OPTIONS, create_app
from notifications_service.migrations import MIGRATIONS_DIR
from notifications_service.settings import get_settings


def main(argv: Sequence[str] | None = None) -> int:
    return service_main(
        name="notifications_service",
        settings=get_settings,
        create_app=create_app,
        migrations_dir=MIGRATIONS_DIR,
        argv=argv,
        server_options=SERVER_OPTIONS,
    )


if __name__ == "__main__":
    raise SystemExit(main())
