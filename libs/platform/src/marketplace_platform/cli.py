"""The command line every service shares: ``python -m <service> serve|migrate|...``.

The launcher (and an operator) drive each service through the same verbs, configured only
by environment variables with the service's prefix (``AUTH_PORT``, ``AUTH_DATABASE_URL`` ...):
- ``serve``: run the HTTP app (the default verb);
- ``migrate``: bring its database to the latest migration;
- ``revision -m "message"``: autogenerate a migration (for developers).
A service adds its own verbs (auth: ``ensure-admin``) through ``extra``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from marketplace_platform import migrations
from marketplace_platform.server import serve
from marketplace_platform.settings import ServiceSettings

Command = Callable[[argparse.Namespace, ServiceSettings], int | None]


def service_main(
    *,
    name: str,
    settings: Callable[[], ServiceSettings],
    create_app: Callable[[ServiceSettings], Any],
    migrations_dir: Path | None,
    extra: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]] | None = None,
    argv: Sequence[str] | None = None,
    server_options: dict[str, Any] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    verbs = parser.add_subparsers(dest="verb")
    verbs.add_parser("serve", help="run the HTTP service")
    if migrations_dir is not None:
        verbs.add_parser("migrate", help="upgrade the database to the latest migration")
        rev = verbs.add_parser("revision", help="autogenerate a migration")
        rev.add_argument("-m", "--message", required=True)
    handlers: dict[str, Command] = {}
    for verb, (configure, handler) in (extra or {}).items():
        configure(verbs.add_parser(verb))
        handlers[verb] = handler
    args = parser.parse_args(argv)
    current = settings()
    verb = args.verb or "serve"
    if verb == "serve":
        serve(create_app(current), current, **(server_options or {}))
        return 0
    if verb == "migrate" and migrations_dir is not None:
        migrations.upgrade(migrations_dir, current.database_url)
        return 0
    if verb == "revision" and migrations_dir is not None:
        migrations.revision(migrations_dir, current.database_url, args.message)
        return 0
    return handlers[verb](args, current) or 0
