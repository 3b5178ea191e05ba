"""Start the whole system for tests, the way a user does: ``marketplace up`` in a subprocess,
with its own var dir, its own embedded NATS and ports nobody else uses.

The launcher runs in a session of its own; at the end it gets SIGINT (a Ctrl-C) and must stop
every process and exit 0. Whatever is left of that session afterwards is killed, so a broken
launcher never leaves servers behind, and its output comes with the error if it did not start.
Used by the system tests (``tests/system``), and meant for the browser tests to come.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from marketplace_launcher.options import ENV_PREFIX
from marketplace_launcher.ports import port_is_free
from marketplace_launcher.run_state import read_published
from marketplace_launcher.services import GATEWAY, SERVICES

START_LIMIT = 120.0  # seconds; the launcher's own readiness limit is below it
STOP_LIMIT = 45.0
# The developer's own settings must not leak into the system under test.
FOREIGN_SETTINGS = (ENV_PREFIX, GATEWAY.env_prefix, *(spec.env_prefix for spec in SERVICES))
ADMIN_LINE = re.compile(r"admin: (\S+)\s+password: (\S+)")
# Tests sign up and log in more often than one person would: the login limit per address is
# raised so that it does not decide the outcome of tests about something else.
TEST_SETTINGS = {
    "GATEWAY_LOGIN_RATE_LIMIT_BURST": "1000",
    "GATEWAY_LOGIN_RATE_LIMIT_PER_MINUTE": "6000",
    "NO_COLOR": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_service_port_base() -> int:
    """A base whose service ports are all free, below the ephemeral range so that no outgoing
    connection takes one meanwhile."""
    for _ in range(100):
        base = random.randrange(30000, 32000, 10)  # noqa: S311 - not crypto
        if all(port_is_free(base + offset) for offset in range(1, len(SERVICES) + 1)):
            return base
    raise RuntimeError("no free block of ports for the services")


def launcher_command() -> list[str]:
    script = Path(sys.executable).with_name("marketplace")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "marketplace_launcher"]


def session_processes(session: int) -> list[int]:
    """Every process in a session (Linux /proc): the launcher's children keep its session
    even in their own process groups."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class SystemDidNotStart(RuntimeError):
    pass


@dataclass
class RunningSystem:
    """One ``marketplace up``: its URLs, its first admin, its output so far."""

    var_dir: Path
    port: int
    nats_port: int
    service_port_base: int
    log_path: Path
    postgres: str | None = None
    database_prefix: str = "marketplace"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    admin_email: str = ""
    admin_password: str = ""
    # What the launcher published once up (launcher.json): URLs of every replica.
    state: dict[str, Any] = field(default_factory=dict)
    leftovers: list[int] = field(default_factory=list)
    # Seconds to wait for "Marketplace is up" (a busy machine starts Python slowly).
    start_limit: float = START_LIMIT

    @property
    def engine(self) -> str:
        return "sqlite" if self.postgres is None else "postgres"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def service_url(self, service: str, replica: int = 1) -> str:
        """A replica directly, past the gateway (services check tokens themselves too)."""
        return str(self.state["services"][service][replica - 1])

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        command = [
            *launcher_command(), "up",
            "--port", str(self.port),
            "--nats-port", str(self.nats_port),
            "--service-port-base", str(self.service_port_base),
            "--var-dir", str(self.var_dir),
            "--ready-timeout", str(int(self.start_limit - 30)),
        ]
        if self.postgres is not None:
            command += ["--postgres", self.postgres, "--database-prefix", self.database_prefix]
        env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_SETTINGS)}
        env.update(TEST_SETTINGS)
        env.update(self.extra_env)
        with self.log_path.open("wb") as log:
            # A file, not a pipe: nobody reads while it runs, and a full pipe would stall it.
            self.process = subprocess.Popen(  # noqa: S603 - our own launcher
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=self.var_dir.parent, start_new_session=True,
            )
        self._wait_until_up()
        published = read_published(self.var_dir)
        if published is None:
            self.fail("the launcher is up but published no launcher.json")
        self.state = published
        found = ADMIN_LINE.search(self.output)
        if found is None:
            self.fail("the launcher printed no admin login on its first run")
        self.admin_email, self.admin_password = found.groups()

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_limit
        while "Marketplace is up" not in self.output:
            if self.process.poll() is not None:
                self.fail(f"the launcher exited with {self.process.returncode} before it was up")
            if time.monotonic() > deadline:
                self.fail(f"the launcher was not up after {self.start_limit:g}s")
            time.sleep(0.1)

    def fail(self, why: str) -> NoReturn:
        output = self.output
        self.stop()
        raise SystemDidNotStart(f"{why}; its output:\n{output}")

    def stop(self) -> int | None:
        """Ctrl-C, as a user would; then make sure nothing of it is left. The exit code,
        None if it had to be killed."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        code: int | None = process.poll()
        if code is None:
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(STOP_LIMIT)
            except subprocess.TimeoutExpired:
                code = None
        self.leftovers = session_processes(process.pid)
        for pid in self.leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if code is None:
            process.kill()
            process.wait()
        return code


async def _drop_databases(server_url: str, prefix: str) -> None:
    dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}\\_%"
        )
        for row in rows:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.contextmanager
def running_system(
    base: Path,
    *,
    postgres: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    start_limit: float = START_LIMIT,
) -> Iterator[RunningSystem]:
    """Start the system under ``base`` (on SQLite, or on the PostgreSQL server ``postgres``
    in databases of its own, dropped at the end); after the block, Ctrl-C it and check that
    it exited 0 and left no process behind."""
    base.mkdir(parents=True, exist_ok=True)
    system = RunningSystem(
        var_dir=base / "var",
        port=free_port(),
        nats_port=free_port(),
        service_port_base=free_service_port_base(),
        log_path=base / "launcher.log",
        extra_env=extra_env or {},
        start_limit=start_limit,
    )
    if postgres is not None:
        system.postgres = postgres
        system.database_prefix = f"mpsys_{uuid.uuid4().hex[:10]}"
    try:
        system.start()
        yield system
        code = system.stop()
        assert code == 0, f"the launcher exited with {code} on Ctrl-C:\n{system.output}"
        assert not system.leftovers, f"processes left behind: {system.leftovers}"
    finally:
        system.stop()
        if system.postgres is not None:
            asyncio.run(_drop_databases(system.postgres, system.database_prefix))


@dataclass(frozen=True)
class Account:
    """A user signed up and logged in through the gateway."""

    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def log_in(client: httpx.Client, email: str, password: str) -> Account:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    return Account(email, password, body["access_token"], body["refresh_token"])


def sign_up(client: httpx.Client) -> Account:
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    password = f"Pw-{uuid.uuid4().hex}"
    registered = client.post(
        "/api/auth/register", json={"email": email, "password": password, "name": "Test User"}
    )
    assert registered.status_code == 201, registered.text
    return log_in(client, email, password)
