"""One notifications replica's real-time channel: what an idle socket costs it, and how fast
it pushes to many distinct users.

1. Set-up, not timed: an embedded NATS (JetStream on, as the service expects), a SQLite
   database migrated by the service's own ``migrate``, a JWKS server for a key of the
   bench's own (``TokenSigner``), and one replica, ``python -m notifications_service serve``,
   as the launcher starts it (uvloop, httptools, the service's WebSocket options).
2. Memory: ``--sockets`` users each open one socket straight to the replica (the gateway in
   front would hold a second copy of every socket, in another process) and read its
   ``hello``. The replica's resident memory (``VmRSS``) before the first and after the last
   socket, once idle for ``--settle`` seconds, divided by the sockets, is the cost of one.
3. Pushes: ``--rate`` pushes a second for ``--duration`` seconds, each to the next of the
   connected users (distinct users, round robin), published on core NATS
   ``realtime.user.<id>`` the way the replica that handled an event publishes them. Each
   carries the time it was sent; its arrival at the user's socket gives the latency. Every
   push must arrive; those that do not are counted as lost.

The bench's client runs in one process with uvloop; with 10,000 sockets it competes with the
replica for the same 2 cores, which the figures include. Usage:

    bench/notifications/run.sh [--sockets 10000] [--rate 1000] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import nats
import uvloop
from aiohttp import web
from websockets.asyncio.client import ClientConnection, connect

from marketplace_platform.testing.nats import embedded_nats
from marketplace_platform.testing.tokens import TokenSigner

HANDSHAKES_AT_ONCE = 200
READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.asynccontextmanager
async def jwks_server(signer: TokenSigner) -> AsyncIterator[str]:
    async def jwks(_: web.Request) -> web.Response:
        return web.json_response(signer.jwks())

    app = web.Application()
    app.router.add_get("/jwks.json", jwks)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/jwks.json"
    finally:
        await runner.cleanup()


def replica_environment(tmp: Path, nats_url: str, jwks_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "NOTIFICATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'notifications.db'}",
        "NOTIFICATIONS_NATS_URL": nats_url,
        "NOTIFICATIONS_JWKS_URL": jwks_url,
        "NOTIFICATIONS_PORT": str(port),
        "NOTIFICATIONS_VAR_DIR": str(tmp),
        "NOTIFICATIONS_INTERNAL_TOKEN": uuid.uuid4().hex,
        "NOTIFICATIONS_ACCESS_LOG": "false",
        "NOTIFICATIONS_LOG_LEVEL": "WARNING",
    })
    return env


async def wait_ready(base: str) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT
    async with httpx.AsyncClient(trust_env=False) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{base}/health/live")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError("the replica did not start")


async def open_sockets(
    ws_url: str, signer: TokenSigner, count: int
) -> list[tuple[uuid.UUID, ClientConnection]]:
    limit = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    opened: list[tuple[uuid.UUID, ClientConnection]] = []

    async def one() -> None:
        user_id = uuid.uuid4()
        token = signer.token(user_id=user_id, ttl=900)
        async with limit:
            conn = await connect(
                ws_url, additional_headers={"Authorization": f"Bearer {token}"},
                compression=None, ping_interval=None, max_queue=64,
            )
            hello = json.loads(await conn.recv())
            assert hello["type"] == "hello", hello
        opened.append((user_id, conn))

    await asyncio.gather(*(one() for _ in range(count)))
    return opened


async def push_round(
    nats_url: str, users: list[tuple[uuid.UUID, ClientConnection]], rate: int, duration: float
) -> dict[str, Any]:
    latencies: list[float] = []
    expected = int(rate * duration)
    done = asyncio.Event()

    async def read(conn: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in conn:
                message = json.loads(raw)
                if message["type"] == "bench":
                    latencies.append((time.time() - message["data"]["sent"]) * 1000)
                    if len(latencies) >= expected:
                        done.set()

    readers = [asyncio.create_task(read(conn)) for _, conn in users]
    nc = await nats.connect(nats_url)
    tick = 0.01
    per_tick = max(1, round(rate * tick))
    started = time.perf_counter()
    sent = 0
    try:
        while sent < expected:
            for _ in range(min(per_tick, expected - sent)):
                user_id = users[sent % len(users)][0]
                payload = json.dumps({"type": "bench", "data": {"sent": time.time()}})
                await nc.publish(f"realtime.user.{user_id}", payload.encode())
                sent += 1
            await nc.flush()
            lag = started + (sent / rate) - time.perf_counter()
            if lag > 0:
                await asyncio.sleep(lag)
        sending = time.perf_counter() - started
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 10)
    finally:
        await nc.close()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return {
        "sent": sent,
        "received": len(latencies),
        "achieved_rate": round(sent / sending, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    signer = TokenSigner()
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as raw_tmp, \
            embedded_nats(Path(raw_tmp) / "nats") as broker:
        tmp = Path(raw_tmp)
        async with jwks_server(signer) as jwks_url:
            port = free_port()
            env = replica_environment(tmp, broker.url, jwks_url, port)
            python = sys.executable
            await asyncio.to_thread(
                subprocess.run, [python, "-m", "notifications_service", "migrate"], env=env,
                check=True, capture_output=True, timeout=120,
            )
            replica = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock
                [python, "-m", "notifications_service", "serve"], env=env,
                stdout=subprocess.DEVNULL, stderr=(tmp / "replica.log").open("wb"),
            )
            try:
                base = f"http://127.0.0.1:{port}"
                await wait_ready(base)
                ws_url = f"ws://127.0.0.1:{port}/api/notifications/ws"
                # One socket opened and closed first: what the first one loads once
                # (modules, pools, caches) is not a socket's cost.
                for _, warm in await open_sockets(ws_url, signer, 1):
                    await warm.close()
                await asyncio.sleep(args.settle)
                before = rss_kib(replica.pid)
                opened_at = time.perf_counter()
                users = await open_sockets(ws_url, signer, args.sockets)
                opening = time.perf_counter() - opened_at
                await asyncio.sleep(args.settle)
                after = rss_kib(replica.pid)
                print(f"   {args.sockets} sockets open in {opening:.1f} s; replica RSS "
                      f"{before / 1024:.1f} → {after / 1024:.1f} MiB: "
                      f"{(after - before) / args.sockets:.1f} KiB a socket", flush=True)
                pushes = await push_round(broker.url, users, args.rate, args.duration)
                print(f"   pushes: {pushes['sent']} at {pushes['achieved_rate']}/s to distinct "
                      f"users, {pushes['received']} received; latency p50 {pushes['p50_ms']} "
                      f"p95 {pushes['p95_ms']} p99 {pushes['p99_ms']} max {pushes['max_ms']} ms",
                      flush=True)
                for _, conn in users:
                    await conn.close()
            finally:
                replica.terminate()
                replica.wait(30)
    return {
        "sockets": args.sockets,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_socket": round((after - before) / args.sockets, 1),
        "open_seconds": round(opening, 1),
        "pushes": pushes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1000, help="pushes a second (default 1000)")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of pushing (default 10)")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="idle seconds before each memory reading (default 3)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    print(f"notifications bench: {args.sockets} idle sockets, then {args.rate} pushes/s for "
          f"{args.duration:g} s; {os.cpu_count()} cores; load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    result = uvloop.run(bench(args))
    info = {
        "python": platform.python_version(),
        "uvicorn": version("uvicorn"),
        "websockets": version("websockets"),
        "nats-py": version("nats-py"),
        "loadavg_after": os.getloadavg(),
    }
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "result": result}, indent=2))


if __name__ == "__main__":
    main()
