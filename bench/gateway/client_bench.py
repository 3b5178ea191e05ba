"""The proxy's upstream client next to aiohttp's ``ClientSession``, alone.

Starts the benchmark's upstream (upstream_app.py on uvicorn, one worker), then sends the same
small GET from ``--concurrency`` tasks on one uvloop event loop through (a) a pooled
``aiohttp.ClientSession`` configured as the gateway used to (no cookie jar, no decompression)
and (b) ``gateway_service.upstream_client.UpstreamPool``, several interleaved rounds each. It
reports this process's CPU time per request (the client's cost, which is what a proxy pays;
the upstream runs in its own process) and the request rate.

    uv run python bench/gateway/client_bench.py [--requests 20000] [--concurrency 32]
                                                [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import uvloop

from gateway_service.upstream_client import UpstreamPool

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import HOST, free_port, wait_ready  # noqa: E402

PATH = "/api/catalog/ping"


async def measure(
    send: Callable[[], Awaitable[bytes]], *, requests: int, concurrency: int
) -> tuple[float, float]:
    """(CPU microseconds per request, requests per second)."""
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            body = await send()
            assert body.startswith(b"{"), body

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / requests * 1e6, requests / wall


async def compare(base: str, *, requests: int, concurrency: int, rounds: int) -> None:
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, limit_per_host=100),
        cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False, trust_env=False,
        timeout=aiohttp.ClientTimeout(total=None, connect=2.0, sock_read=10.0),
    )
    pool = UpstreamPool(base, connect_timeout=2.0, read_timeout=10.0, max_idle=100,
                        idle_timeout=30.0)
    headers = {"Accept-Encoding": "identity", "X-Request-ID": "bench"}
    raw_headers = b"Accept-Encoding: identity\r\nX-Request-ID: bench\r\n"

    async def with_session() -> bytes:
        async with session.get(base + PATH, headers=headers, allow_redirects=False) as answer:
            return await answer.read()

    async def with_pool() -> bytes:
        answer = await pool.request("GET", PATH.encode(), raw_headers)
        try:
            return await answer.read()
        finally:
            answer.release()

    clients = {"aiohttp ClientSession": with_session, "upstream_client": with_pool}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    try:
        for send in clients.values():  # warm-up: connections, caches
            await measure(send, requests=2000, concurrency=concurrency)
        for _ in range(rounds):
            for name, send in clients.items():
                results[name].append(
                    await measure(send, requests=requests, concurrency=concurrency)
                )
    finally:
        await session.close()
        pool.close()
    print(f"{requests} GETs per round, {concurrency} concurrent, {rounds} rounds, median")
    print(f"{'client':24} {'CPU us/request':>15} {'req/s':>8}")
    for name, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        rate = statistics.median(r[1] for r in runs)
        print(f"{name:24} {cpu:15.1f} {rate:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
        jwks = Path(tmp) / "jwks.json"
        jwks.write_text(json.dumps({"keys": []}))
        port = free_port()
        upstream = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "upstream_app:app",
             "--host", HOST, "--port", str(port), "--log-level", "warning",
             "--no-access-log"],
            env={**os.environ, "BENCH_JWKS_FILE": str(jwks)},
        )
        try:
            base = f"http://{HOST}:{port}"
            wait_ready(f"{base}/health/ready")
            uvloop.run(compare(base, requests=args.requests, concurrency=args.concurrency,
                               rounds=args.rounds))
        finally:
            upstream.send_signal(signal.SIGTERM)
            upstream.wait(timeout=10)


if __name__ == "__main__":
    main()
