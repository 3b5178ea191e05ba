"""Running the launcher in the test's own event loop against stand-in services (the
``fake_*`` packages here): real processes, a real NATS, nothing from the real services."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from marketplace_launcher.console import Console
from marketplace_launcher.options import UpOptions
from marketplace_launcher.ports import port_is_free
from marketplace_launcher.services import ServiceSpec
from marketplace_launcher.up import Launcher, RestartPolicy

SUPPORT = Path(__file__).parent

FAKE_AUTH = ServiceSpec("auth", "fake_auth", "AUTH_", 8101)
FAKE_FLAKY = ServiceSpec("flaky", "fake_flaky", "FLAKY_", 8102)
FAKE_GATEWAY = ServiceSpec("gateway", "fake_gateway", "GATEWAY_", 8000, migrates=False)
QUICK_RESTARTS = RestartPolicy(first_delay=0.05, max_delay=0.1, stable_after=30.0,
                               max_rapid_restarts=2, live_interval=0.2, live_timeout=0.5,
                               live_failures=3)
START_LIMIT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_block() -> int:
    """A service port base whose first ports (and their replicas') are free now, below the
    ephemeral range so that no outgoing connection takes one meanwhile."""
    for _ in range(50):
        base = random.randrange(20000, 30000, 10)
        wanted = [base + 100 * replica + offset for replica in range(3) for offset in (1, 2)]
        if all(port_is_free(port) for port in wanted):
            return base
    raise RuntimeError("no free block of ports")


@dataclass
class Launch:
    launcher: Launcher
    task: asyncio.Task[int]
    output: io.StringIO
    options: UpOptions

    @property
    def text(self) -> str:
        return self.output.getvalue()

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.options.port}"

    def service_url(self, name: str, replica: int = 1) -> str:
        state = json.loads((self.options.var_dir / "launcher.json").read_text())
        return str(state["services"][name][replica - 1])

    async def get_json(self, url: str) -> Any:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()


@dataclass
class LaunchFactory:
    var_dir: Path
    environ: dict[str, str] = field(default_factory=dict)

    def options(self, **overrides: Any) -> UpOptions:
        values: dict[str, Any] = {
            "port": free_port(),
            "nats_port": free_port(),
            "service_port_base": free_port_block(),
            "var_dir": self.var_dir,
            "ready_timeout": 20.0,
        }
        values.update(overrides)
        return UpOptions(**values)

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SUPPORT), env.get("PYTHONPATH")]))
        env.pop("MARKETPLACE_ADMIN_EMAIL", None)
        env.pop("MARKETPLACE_ADMIN_PASSWORD", None)
        env.update(self.environ)
        env.update(extra or {})
        return env

    @asynccontextmanager
    async def start(
        self,
        *,
        services: tuple[ServiceSpec, ...] = (FAKE_AUTH,),
        environ: Mapping[str, str] | None = None,
        expect_ready: bool = True,
        **overrides: Any,
    ) -> AsyncIterator[Launch]:
        options = self.options(**overrides)
        output = io.StringIO()
        launcher = Launcher(
            options, self.environment(environ), Console(output, color=False),
            services=services, gateway=FAKE_GATEWAY, restarts=QUICK_RESTARTS,
        )
        task = asyncio.create_task(launcher.run())
        launch = Launch(launcher, task, output, options)
        try:
            if expect_ready:
                await wait_ready_or_exit(launch)
            yield launch
        finally:
            launcher.stop()
            try:
                await asyncio.wait_for(asyncio.shield(task), 30)
            finally:
                for child in launcher._children():
                    child.kill()


async def wait_ready_or_exit(launch: Launch) -> None:
    ready = asyncio.create_task(launch.launcher.ready.wait())
    done, _ = await asyncio.wait({ready, launch.task}, timeout=START_LIMIT,
                                 return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if ready not in done:
        raise AssertionError(f"the launcher did not get ready:\n{launch.text}")


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy without raising."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            result = await check()
        except (httpx.HTTPError, OSError, KeyError):
            result = None
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
