"""``python -m orders_service serve|migrate|revision``."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace_platform.cli import service_main
from orders_service.main import create_app
from orders_service.migrations import MIGRATIONS_DIR
from orders_service.settings import get_settings


def main(argv: Sequence[str] | None = None) -> int:
    return service_main(
        name="orders_service",
        settings=get_settings,
        create_app=create_app,
        migrations_dir=MIGRATIONS_DIR,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
