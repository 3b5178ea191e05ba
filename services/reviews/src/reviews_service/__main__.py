"""``python -m reviews_service serve|migrate|revision|seed``."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace_platform.cli import service_main
from reviews_service.demo.command import register_seed_command
from reviews_service.main import create_app
from reviews_service.migrations import MIGRATIONS_DIR
from reviews_service.settings import get_settings


def main(argv: Sequence[str] | None = None) -> int:
    return service_main(
        name="reviews_service",
        settings=get_settings,
        create_app=create_app,
        migrations_dir=MIGRATIONS_DIR,
        extra=register_seed_command(),
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
