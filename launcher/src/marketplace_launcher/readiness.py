"""Waiting until processes answer ``GET /health/ready`` with 200, and asking a running one
whether it is alive (``GET /health/live``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

from marketplace_launcher.processes import ChildProcess

READY_PATH = "/health/ready"
LIVE_PATH = "/health/live"
POLL_INTERVAL = 0.1


@dataclass(frozen=True, slots=True)
class Target:
    child: ChildProcess
    url: str  # the base URL, e.g. http://127.0.0.1:8101


class NotReady(RuntimeError):
    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{name}: {why}" for name, why in failures.items()))


async def probe(client: httpx.AsyncClient, url: str, path: str = READY_PATH) -> str | None:
    """None when ``url + path`` answers 200, else why not (in a few words)."""
    try:
        response = await client.get(url + path)
    except httpx.ConnectError:
        return "not listening yet"
    except httpx.TimeoutException:
        return "no answer in time"
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if response.status_code == 200:
        return None
    detail = response.text.strip().replace("\n", " ")[:200]
    return f"{response.status_code} {detail}".strip()


async def wait_ready(targets: Sequence[Target], time_limit: float) -> None:
    """Return when every target is ready. Raises NotReady naming each one that is not: at
    once for a process that exited, else when ``time_limit`` seconds run out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    waiting = {target.child.name: target for target in targets}
    last: dict[str, str] = {}
    # No proxies from the environment: these are loopback calls to our own children.
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        while waiting:
            exited = {
                name: f"exited with code {target.child.returncode}"
                for name, target in waiting.items()
                if not target.child.running
            }
            if exited:
                raise NotReady(exited)
            results = await asyncio.gather(
                *(probe(client, target.url) for target in waiting.values())
            )
            for name, why in zip(list(waiting), results, strict=True):
                if why is None:
                    del waiting[name]
                else:
                    last[name] = why
            if not waiting:
                return
            if loop.time() > deadline:
                raise NotReady(
                    {name: f"not ready after {time_limit:g}s ({last[name]})" for name in waiting}
                )
            await asyncio.sleep(POLL_INTERVAL)


# Asks a running process once whether it is alive: None if so, else why not.
LivenessCheck = Callable[[], Awaitable[str | None]]


def http_liveness(url: str, timeout: float) -> LivenessCheck:
    """``GET /health/live`` on ``url``: it must answer 200 within ``timeout`` seconds."""

    async def check() -> str | None:
        async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
            return await probe(client, url, LIVE_PATH)

    return check


async def until_hung(
    check: LivenessCheck, *, interval: float, failures: int, grace: float, answered: bool
) -> str:
    """Probe every ``interval`` seconds; return why once ``failures`` probes in a row failed.

    A process just restarted (``answered`` false) is still booting: until it first answers,
    its failures are forgiven for ``grace`` seconds (one that never answers is hung all the
    same)."""
    loop = asyncio.get_running_loop()
    booted_by = loop.time() + grace
    in_a_row = 0
    while True:
        await asyncio.sleep(interval)
        why = await check()
        if why is None:
            answered, in_a_row = True, 0
            continue
        if not answered and loop.time() < booted_by:
            continue
        in_a_row += 1
        if in_a_row >= failures:
            return why
