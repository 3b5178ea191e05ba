"""Reviews benchmarks through the gateway, on SQLite and on PostgreSQL.

For each engine, in one run:

1. a fresh database, migrated and seeded with ``python -m reviews_service seed`` (100 000
   reviews over 1 000 products, one holding 10 000, and 300 000 likes by default);
2. an embedded NATS (the relay publishes every like's event, as in production), a JWKS
   served from here for a test signing key, the reviews service and the gateway (rate
   limits off), each one process, access logs off;
3. page latency: for each sort, the big product's first page of 20 and the pages after it
   (``--depth`` pages by cursor), ``--rounds`` times, one request at a time on one
   keep-alive connection, as a seeded user who has liked some of them (so ``liked_by_me`` is
   computed against real likes): p50 and p95 per sort, timed by the client;
4. likes per second: ``--connections`` users at once, each liking reviews of the big product
   it has not liked, for ``--seconds``: likes/s (all answered 200), p50 and p95, and the CPU
   time each process (the service's replicas, the gateway, and on PostgreSQL the server's
   backends serving the bench's database) spent per like, read from ``/proc`` around the
   run.

``--replicas N`` runs N reviews processes behind the gateway (it balances them round-robin);
``--profile FILE`` records the first replica with py-spy during the likes (collapsed stacks,
``FILE-<engine>.txt``, which flame graph tools read);
``--seed-cache DIR`` keeps the seeded SQLite file there and copies it on the next run instead
of seeding again; ``--skip-pages`` measures likes only.

Usage: ``bench/reviews/run.sh [--engines sqlite,postgres] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiohttp
import asyncpg

from marketplace_platform.testing.database import create_database, drop_database
from marketplace_platform.testing.nats import EmbeddedNats, free_port
from marketplace_platform.testing.tokens import TokenSigner

HOST = "127.0.0.1"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SORTS = ("newest", "liked", "rating_desc", "rating_asc")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def serve_jwks(signer: TokenSigner) -> tuple[ThreadingHTTPServer, str]:
    body = json.dumps(signer.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{HOST}:{server.server_address[1]}/jwks.json"


def wait_ready(url: str, child: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            sys.exit(f"{url}: the process exited with {child.returncode}")
        with (
            suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=2) as response,  # noqa: S310 - loopback
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    sys.exit(f"{url} did not become ready in {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backends_cpu_seconds(database: str) -> dict[int, float]:
    """CPU time of each PostgreSQL backend serving ``database`` (its process title names it),
    by pid: the server's share of the work, which competes for the same cores."""
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if b"postgres" in title and f" {database} ".encode() in title:
                used[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return used


def run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


LIKER = (
    "SELECT l.user_id FROM review_likes l JOIN reviews r ON r.id = l.review_id "
    "WHERE r.product_id = {p} LIMIT 1"
)
REVIEWS_OF = "SELECT id FROM reviews WHERE product_id = {p}"


async def sample_users(url: str, big: uuid.UUID, engine: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A user who liked reviews of the big product, and the big product's reviews."""
    if engine == "sqlite":
        with sqlite3.connect(url.split("///", 1)[1]) as db:
            [user] = db.execute(LIKER.format(p="?"), (big.hex,)).fetchone()
            ids = [row[0] for row in db.execute(REVIEWS_OF.format(p="?"), (big.hex,))]
        return uuid.UUID(user), [uuid.UUID(i) for i in ids]
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        user = await conn.fetchval(LIKER.format(p="$1"), big)
        ids = [row[0] for row in await conn.fetch(REVIEWS_OF.format(p="$1"), big)]
    finally:
        await conn.close()
    return user, ids


def page_latency(
    base: str, headers: dict[str, str], big: uuid.UUID, rounds: int, depth: int
) -> dict:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    results = {}
    for sort in SORTS:
        timings: list[float] = []
        for _ in range(rounds):
            cursor = None
            for _ in range(depth):
                params = {"product_id": str(big), "sort": sort, "limit": "20"}
                if cursor:
                    params["cursor"] = cursor
                started = time.perf_counter()
                connection.request(
                    "GET", "/api/reviews?" + urllib.parse.urlencode(params), headers=headers
                )
                response = connection.getresponse()
                body = response.read()
                timings.append((time.perf_counter() - started) * 1000)
                if response.status != 200:
                    sys.exit(f"listing answered {response.status}: {body[:300]!r}")
                page = json.loads(body)
                assert len(page["items"]) == 20
                cursor = page["next_cursor"]
        results[sort] = {
            "requests": len(timings),
            "p50_ms": round(percentile(timings, 50), 2),
            "p95_ms": round(percentile(timings, 95), 2),
        }
    connection.close()
    return results


async def like_rate(
    base: str, signer: TokenSigner, reviews: list[uuid.UUID], connections: int, seconds: float
) -> dict:
    timings: list[float] = []
    failures: dict[int, int] = {}  # status -> how many, for answers other than 200
    stop_at = time.monotonic() + seconds

    async def user(session: aiohttp.ClientSession) -> None:
        headers = signer.headers(user_id=uuid.uuid4(), role="user")
        order = random.sample(reviews, len(reviews))
        for review in order:
            if time.monotonic() > stop_at:
                return
            started = time.perf_counter()
            async with session.put(
                f"{base}/api/reviews/{review}/like", headers=headers
            ) as response:
                await response.read()
                if response.status == 200:
                    timings.append((time.perf_counter() - started) * 1000)
                else:
                    failures[response.status] = failures.get(response.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(session) for _ in range(connections)))
        elapsed = time.monotonic() - started
    return {
        "likes": len(timings),
        "likes_per_s": round(len(timings) / elapsed, 1),
        "failures": failures,
        "p50_ms": round(percentile(timings, 50), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "connections": connections,
    }


def bench_engine(engine: str, args: argparse.Namespace, work: Path) -> dict:
    postgres_name = None
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{work / 'reviews.db'}"
    else:
        postgres_name = f"bench_reviews_{secrets.token_hex(4)}"
        url = asyncio.run(create_database(args.postgres, postgres_name)).replace(
            "postgresql://", "postgresql+asyncpg://", 1
        )
    signer = TokenSigner()
    jwks_server, jwks_url = serve_jwks(signer)
    nats = EmbeddedNats(work / f"nats-{engine}").start()
    service_ports = [free_port() for _ in range(args.replicas)]
    gateway_port = free_port()
    token = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "REVIEWS_DATABASE_URL": url,
        "REVIEWS_NATS_URL": nats.url,
        "REVIEWS_JWKS_URL": jwks_url,
        "REVIEWS_INTERNAL_TOKEN": token,
        "REVIEWS_ACCESS_LOG": "false",
        "REVIEWS_LOG_LEVEL": "WARNING",
        "REVIEWS_VAR_DIR": str(work),
    }
    children: list[subprocess.Popen[bytes]] = []
    try:
        run([sys.executable, "-m", "reviews_service", "migrate"], env)
        seeded = seed(engine, url, env, args.seed_cache)
        print(f"[{engine}] {seeded}", flush=True)
        big = uuid.UUID(seeded.rsplit(" ", 1)[1])
        log = (work / f"reviews-{engine}.log").open("ab")
        replicas = []
        for port in service_ports:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "reviews_service", "serve"],
                    env={**env, "REVIEWS_PORT": str(port)},
                    stdout=log,
                    stderr=log,
                )
            )
            replicas.append(children[-1])
            wait_ready(f"http://{HOST}:{port}/health/ready", children[-1])
        gateway_env = {
            **os.environ,
            "GATEWAY_PORT": str(gateway_port),
            "GATEWAY_UPSTREAMS": json.dumps(
                {"reviews": [f"http://{HOST}:{port}" for port in service_ports]}
            ),
            "GATEWAY_JWKS_URL": jwks_url,
            "GATEWAY_INTERNAL_TOKEN": token,
            "GATEWAY_RATE_LIMIT_ENABLED": "false",
            "GATEWAY_ACCESS_LOG": "false",
            "GATEWAY_LOG_LEVEL": "WARNING",
            "GATEWAY_VAR_DIR": str(work),
        }
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "gateway_service"], env=gateway_env, stdout=log, stderr=log
            )
        )
        gateway = children[-1]
        base = f"http://{HOST}:{gateway_port}"
        wait_ready(f"{base}/health/live", children[-1])
        liker, reviews = asyncio.run(sample_users(url, big, engine))
        headers = signer.headers(user_id=liker, role="user")
        page_latency(base, headers, big, rounds=2, depth=3)  # warm-up
        pages = (
            {}
            if args.skip_pages
            else page_latency(base, headers, big, rounds=args.rounds, depth=args.depth)
        )
        profiler = None
        if args.profile:
            profiler = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(replicas[0].pid),
                    "--duration",
                    str(int(args.seconds)),
                    "--format",
                    "raw",
                    "--output",
                    f"{args.profile}-{engine}.txt",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        watched = {f"reviews-{i}": child.pid for i, child in enumerate(replicas)}
        watched["gateway"] = gateway.pid
        cpu_before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        backends_before = backends_cpu_seconds(postgres_name) if postgres_name else {}
        likes = asyncio.run(like_rate(base, signer, reviews, args.connections, args.seconds))
        # Give the relays a moment to publish the last events: their CPU counts too.
        time.sleep(1.0)
        per_like = 1000 / max(likes["likes"], 1)
        likes["cpu_ms_per_like"] = {
            name: round((cpu_seconds(pid) - cpu_before[name]) * per_like, 2)
            for name, pid in watched.items()
        }
        if postgres_name:
            backends_after = backends_cpu_seconds(postgres_name)
            used = sum(
                seconds - backends_before.get(pid, 0.0) for pid, seconds in backends_after.items()
            )
            likes["cpu_ms_per_like"]["postgres-backends"] = round(used * per_like, 2)
        likes["replicas"] = args.replicas
        if profiler is not None:
            profiler.wait(timeout=args.seconds + 30)
        return {"engine": engine, "pages": pages, "likes": likes}
    finally:
        for child in reversed(children):
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        nats.stop()
        jwks_server.shutdown()
        if postgres_name:
            asyncio.run(drop_database(args.postgres, postgres_name))


def seed(engine: str, url: str, env: dict[str, str], cache: Path | None) -> str:
    """Seed the fresh database; on SQLite with ``cache``, copy the file seeded before."""
    if cache is None or engine != "sqlite":
        return run([sys.executable, "-m", "reviews_service", "seed"], env)
    database = Path(url.split("///", 1)[1])
    kept, said = cache / "reviews.db", cache / "seeded.txt"
    if not kept.exists():
        seeded = run([sys.executable, "-m", "reviews_service", "seed"], env)
        cache.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(database, kept)
        said.write_text(seeded)
    shutil.copyfile(kept, database)
    return said.read_text()


def postgres_answers(url: str) -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--rounds", type=int, default=50, help="page walks per sort")
    parser.add_argument("--depth", type=int, default=5, help="pages per walk")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--replicas", type=int, default=1, help="reviews processes")
    parser.add_argument("--profile", help="py-spy stacks of replica 0: FILE-<engine>.txt")
    parser.add_argument("--seed-cache", type=Path, help="keep/reuse the seeded SQLite file")
    parser.add_argument("--skip-pages", action="store_true", help="measure likes only")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "postgres" in engines and not postgres_answers(args.postgres):
        print(f"no PostgreSQL at {args.postgres}: measuring SQLite only", flush=True)
        engines.remove("postgres")
    print(
        json.dumps(
            {
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average": os.getloadavg(),
                "date": time.strftime("%Y-%m-%d %H:%M"),
            }
        ),
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-reviews-") as tmp:
        for engine in engines:
            result = bench_engine(engine, args, Path(tmp))
            print(json.dumps(result), flush=True)
    print(json.dumps({"load_average_after": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
