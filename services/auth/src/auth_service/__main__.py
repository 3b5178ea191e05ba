"""``python -m auth_service serve|migrate|revision|ensure-admin|rotate-keys|withdraw-key``."""

from __future__ import annotations

from collections.abc import Sequence

from auth_service import commands
from auth_service.main import create_app
from auth_service.migrations import MIGRATIONS_DIR
from auth_service.settings import get_settings
from marketplace_platform.cli import service_main


def main(argv: Sequence[str] | None = None) -> int:
    return service_main(
        name="auth_service",
        settings=get_settings,
        create_app=create_app,
        migrations_dir=MIGRATIONS_DIR,
        extra={
            "ensure-admin": (commands.configure_ensure_admin, commands.ensure_admin),
            "rotate-keys": (commands.configure_rotate_keys, commands.rotate_keys),
            "withdraw-key": (commands.configure_withdraw_key, commands.withdraw_key),
        },
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
