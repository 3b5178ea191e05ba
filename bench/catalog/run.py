"""Catalog benchmarks: search latency over a large catalog on SQLite and on PostgreSQL, and
product-page throughput through the gateway next to the service directly.

For each engine, in one run:

1. a fresh database (a SQLite file in a temporary directory, or a new PostgreSQL database
   dropped at the end), migrated and seeded with ``python -m catalog_service seed --count N
   --no-images`` (the demo generator: 100 000 goods and services by default);
2. the catalog service (``python -m catalog_service serve``, one process, access log off,
   no broker: nothing here publishes);
3. search latency, sequential: every query of the mix (one word, two words, a Russian
   inflected form, a typo, category + price filter, sorted by price) in turn over one
   keep-alive connection, ``--requests`` times each, timed by the client: p50 and p95 per
   kind of query;
4. search, concurrent: wrk with ``--search-connections`` connections cycling through all the
   queries for ``--duration`` seconds: requests/s, p50, p95, p99;
5. product pages: ``GET /api/catalog/products/{id}`` over 1 000 products, wrk
   ``-t2 -c32 -d10s`` against the service directly and through the gateway (a 2 s warm-up
   before each run; ``--rounds`` repeats them, interleaved, and reports medians).

Everything binds 127.0.0.1 and stops by itself (wrk ``-d``, timeouts on every step). Usage:

    bench/catalog/run.sh [--count 100000] [--engines sqlite,postgres] [--rounds 1]

Needs wrk on PATH and, for PostgreSQL, a server at ``--postgres`` (``BENCH_POSTGRES_URL``);
if none answers, the default run measures SQLite only and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import asyncpg

from marketplace_platform.testing.database import create_database, drop_database
from marketplace_platform.testing.nats import free_port

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
PRODUCT_PAGES = 1000
STEP_TIMEOUT = 900.0  # seconds for one migrate or seed


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    params: dict[str, str]


@dataclass
class Latency:
    name: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float | None = None
    rps: float | None = None
    errors: int = 0


def search_queries(categories: dict[str, str]) -> list[Query]:
    """The mix. Each kind has a few variants so that no single query's plan decides."""
    mens, electronics = categories["Мужская одежда"], categories["Электроника"]
    phones = categories["Смартфоны"]
    return [
        Query("one word", {"q": "смартфон"}),
        Query("one word", {"q": "Samsung"}),
        Query("one word", {"q": "куртка"}),
        Query("two words", {"q": "беспроводные наушники"}),
        Query("two words", {"q": "зимняя куртка"}),
        Query("two words", {"q": "gaming laptop"}),
        Query("inflected form", {"q": "смартфонов"}),
        Query("inflected form", {"q": "курток"}),
        Query("inflected form", {"q": "ноутбука"}),
        Query("typo", {"q": "смартфн"}),
        Query("typo", {"q": "samsnug"}),
        Query("typo", {"q": "нотбук"}),
        Query("category + price", {"category": mens, "min_price": "200000",
                                   "max_price": "1000000"}),
        Query("category + price", {"q": "куртка", "category": mens, "min_price": "300000",
                                   "max_price": "2000000"}),
        Query("category + price", {"category": phones, "min_price": "1000000",
                                   "max_price": "5000000", "in_stock": "true"}),
        Query("sorted by price", {"q": "телевизор", "sort": "price_asc"}),
        Query("sorted by price", {"category": electronics, "sort": "price_desc"}),
        Query("sorted by price", {"q": "Samsung", "sort": "price_asc"}),
    ]


def path_of(query: Query) -> str:
    return "/api/catalog/products?" + urllib.parse.urlencode({**query.params, "limit": "20"})


# --- processes -------------------------------------------------------------------------


class Processes:
    """Children started here, stopped (SIGTERM, then SIGKILL) whatever happens."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            child = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
        self.children.append(child)
        return child

    def stop(self, child: subprocess.Popen[bytes]) -> None:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.remove(child)

    def stop_all(self) -> None:
        for child in reversed(list(self.children)):
            self.stop(child)


def run_step(argv: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=STEP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        sys.exit(f"{what} took more than {STEP_TIMEOUT:.0f} s")
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def wait_ready(url: str, child: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            sys.exit(f"{url}: the process exited with {child.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    sys.exit(f"{url} did not become ready in {timeout:.0f} s; see {log}")


def get_json(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


# --- measuring -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def sequential(base: str, queries: list[Query], repeats: int) -> list[Latency]:
    """Each query ``repeats`` times, kinds interleaved, one request at a time on one
    keep-alive connection; the time from sending to having read the whole body."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    timings: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    try:
        for _ in range(repeats):
            for query in queries:
                started = time.perf_counter()
                connection.request("GET", path_of(query))
                response = connection.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                timings.setdefault(query.kind, []).append(elapsed)
                if response.status != 200:
                    errors[query.kind] = errors.get(query.kind, 0) + 1
    finally:
        connection.close()
    every = [ms for values in timings.values() for ms in values]
    rows = [
        Latency(kind, len(values), percentile(values, 50), percentile(values, 95),
                errors=errors.get(kind, 0))
        for kind, values in timings.items()
    ]
    rows.append(Latency("all", len(every), percentile(every, 50), percentile(every, 95),
                        errors=sum(errors.values())))
    return rows


def run_wrk(name: str, base: str, paths: Path, *, threads: int, connections: int,
            duration: int) -> Latency:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
               "-s", str(HERE / "paths.lua"), base, "--", str(paths)]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=duration + 60).stdout
    figures = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    return Latency(
        name,
        figures["requests"],
        figures["p50_us"] / 1000,
        figures["p95_us"] / 1000,
        figures["p99_us"] / 1000,
        figures["requests"] / (figures["duration_us"] / 1e6),
        figures["non_2xx"] + figures["socket_errors"],
    )


def median_of(name: str, runs: list[Latency]) -> Latency:
    def middle(values: list[float | None]) -> float:
        return statistics.median(v for v in values if v is not None)

    return Latency(
        name,
        sum(r.requests for r in runs),
        middle([r.p50_ms for r in runs]),
        middle([r.p95_ms for r in runs]),
        middle([r.p99_ms for r in runs]),
        middle([r.rps for r in runs]),
        sum(r.errors for r in runs),
    )


# --- one engine ------------------------------------------------------------------------


@contextmanager
def database(engine: str, tmp: Path, postgres: str) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 'catalog.db'}"
        return
    name = f"bench_catalog_{uuid.uuid4().hex[:8]}"
    server = postgres.replace("postgresql://", "postgresql+asyncpg://", 1)
    url = asyncio.run(create_database(server, name))
    try:
        yield url
    finally:
        asyncio.run(drop_database(server, name))


def bench_engine(engine: str, args: argparse.Namespace, tmp: Path) -> dict:
    work = tmp / engine
    work.mkdir()
    processes = Processes()
    with database(engine, work, args.postgres) as url:
        port = free_port()
        base = f"http://{HOST}:{port}"
        env = {
            **os.environ,
            "CATALOG_HOST": HOST,
            "CATALOG_PORT": str(port),
            "CATALOG_DATABASE_URL": url,
            "CATALOG_VAR_DIR": str(work / "var"),
            "CATALOG_NATS_URL": f"nats://{HOST}:{free_port()}",  # nobody: nothing publishes
            "CATALOG_ACCESS_LOG": "false",
            # Services refuse to start without one.
            "CATALOG_INTERNAL_TOKEN": secrets.token_urlsafe(32),
            "CATALOG_LOG_LEVEL": "WARNING",
        }
        (work / "var").mkdir()
        service = [sys.executable, "-m", "catalog_service"]
        run_step([*service, "migrate"], env, f"{engine}: migrate")
        started = time.perf_counter()
        seeded = run_step([*service, "seed", "--count", str(args.count), "--no-images"], env,
                          f"{engine}: seed")
        seed_seconds = time.perf_counter() - started
        print(f"{engine}: {seeded} (wall {seed_seconds:.1f} s)", file=sys.stderr)
        try:
            log = work / "catalog.log"
            catalog = processes.start([*service, "serve"], env, log)
            wait_ready(f"{base}/health/live", catalog, log)
            tree = get_json(base, "/api/catalog/categories")["items"]
            categories = {node["name"]: node["id"] for top in tree
                          for node in (top, *top["children"])}
            queries = search_queries(categories)
            found = {}
            for query in queries:  # a warm-up, and a check that the mix finds things
                page = get_json(base, path_of(query))
                found[json.dumps(query.params, ensure_ascii=False)] = page["total"]
            search = sequential(base, queries, args.requests)
            search_paths = work / "search-paths.txt"
            search_paths.write_text("\n".join(path_of(q) for q in queries) + "\n")
            concurrent = run_wrk(f"concurrent, {args.search_connections} connections", base,
                                 search_paths, threads=args.threads,
                                 connections=args.search_connections, duration=args.duration)
            print(f"{engine}: search done", file=sys.stderr)
            pages = product_pages(engine, args, work, base, processes, env)
        finally:
            processes.stop_all()
    return {
        "engine": engine,
        "seed": seeded,
        "seed_wall_seconds": round(seed_seconds, 1),
        "found": found,
        "search_sequential": [asdict(row) for row in search],
        "search_concurrent": asdict(concurrent),
        "product_page": [asdict(row) for row in pages],
    }


def product_page_paths(base: str, count: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    while len(ids) < count:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = get_json(base, "/api/catalog/products?" + urllib.parse.urlencode(query))
        ids += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return [f"/api/catalog/products/{product_id}" for product_id in ids[:count]]


def product_pages(engine: str, args: argparse.Namespace, work: Path, base: str,
                  processes: Processes, env: dict[str, str]) -> list[Latency]:
    paths = work / "page-paths.txt"
    paths.write_text("\n".join(product_page_paths(base, PRODUCT_PAGES)) + "\n")
    gateway_port = free_port()
    gateway = f"http://{HOST}:{gateway_port}"
    gateway_env = {
        **env,
        "GATEWAY_HOST": HOST,
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_UPSTREAMS": json.dumps({"catalog": [base]}),
        # The limiter stays in the path, with a budget wrk cannot exhaust.
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000000",
        "GATEWAY_RATE_LIMIT_BURST": "1000000000",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    log = work / "gateway.log"
    child = processes.start([sys.executable, "-m", "gateway_service"], gateway_env, log)
    first_page = paths.read_text().split("\n", 1)[0]
    wait_ready(gateway + first_page, child, log)
    targets = [("direct", base), ("through the gateway", gateway)]
    runs: dict[str, list[Latency]] = {name: [] for name, _ in targets}
    for _ in range(args.rounds):
        for name, url in targets:
            if args.warmup:
                run_wrk(name, url, paths, threads=args.threads, connections=args.connections,
                        duration=args.warmup)
            result = run_wrk(name, url, paths, threads=args.threads,
                             connections=args.connections, duration=args.duration)
            runs[name].append(result)
            print(f"{engine}: product page, {name}: {result.rps:.0f} req/s", file=sys.stderr)
    return [median_of(name, results) for name, results in runs.items()]


# --- report ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    found = re.search(r"wrk (\S+)", wrk.stdout + wrk.stderr)
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": version("sqlalchemy"),
        "fastapi": version("fastapi"),
        "uvicorn": version("uvicorn"),
        "aiohttp": version("aiohttp"),
        "wrk": found.group(1) if found else "?",
    }


def postgres_reachable(server: str) -> bool:
    async def probe() -> None:
        connection = await asyncpg.connect(server, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def postgres_version(server: str) -> str:
    done = subprocess.run(["psql", server, "-tAc", "SHOW server_version"], capture_output=True,
                          text=True, check=False, timeout=10)
    return done.stdout.strip() or "?"


def report(results: list[dict], info: dict[str, str], args: argparse.Namespace) -> None:
    print()
    print(f"catalog of {args.count} goods and services (demo generator), "
          f"{info['cores']} cores, {info['cpu']}")
    for result in results:
        print(f"\n== {result['engine']}: {result['seed']}")
        print(f"search, sequential ({args.requests} requests per query, one connection):")
        print(f"  {'query':22} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for row in result["search_sequential"]:
            print(f"  {row['name']:22} {row['requests']:8d} {row['p50_ms']:8.1f} "
                  f"{row['p95_ms']:8.1f} {row['errors']:7d}")
        row = result["search_concurrent"]
        print(f"search, {row['name']}, {args.duration} s: {row['rps']:.0f} req/s, "
              f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
              f"p99 {row['p99_ms']:.1f} ms, errors {row['errors']}")
        print(f"product page, wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
              f"({args.rounds} round(s), median):")
        print(f"  {'target':22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'errors':>7}")
        for row in result["product_page"]:
            print(f"  {row['name']:22} {row['rps']:8.0f} {row['p50_ms']:8.2f} "
                  f"{row['p95_ms']:8.2f} {row['p99_ms']:8.2f} {row['errors']:7d}")
        print("matches per query (total): " + ", ".join(
            f"{query} {total}" for query, total in result["found"].items()))
    print("\nversions: " + ", ".join(f"{k} {v}" for k, v in info.items() if k != "cpu"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="goods and services")
    parser.add_argument("--engines", default=None,
                        help="comma-separated: sqlite, postgres (default: both, PostgreSQL "
                             "only if its server answers)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             DEFAULT_POSTGRES))
    parser.add_argument("--requests", type=int, default=10,
                        help="sequential requests per query of the mix")
    parser.add_argument("--search-connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per target")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    engines = [engine.strip() for engine in (args.engines or "sqlite,postgres").split(",")
               if engine.strip()]
    if not set(engines) <= {"sqlite", "postgres"}:
        sys.exit(f"unknown engine in --engines {args.engines!r}")
    if shutil.which("wrk") is None:
        sys.exit("missing: wrk. Install it with: sudo apt-get install -y wrk")
    if "postgres" in engines and not postgres_reachable(args.postgres):
        message = (f"no PostgreSQL server answers at {args.postgres} (set BENCH_POSTGRES_URL "
                   "or --postgres)")
        if args.engines:
            sys.exit(message)
        print(f"{message}: SQLite only", file=sys.stderr)
        engines.remove("postgres")
    info = machine()
    if "postgres" in engines:
        info["postgresql"] = postgres_version(args.postgres)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        for engine in engines:
            results.append(bench_engine(engine, args, Path(tmp)))
    report(results, info, args)
    if args.json:
        args.json.write_text(json.dumps(
            {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
             "results": results}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
