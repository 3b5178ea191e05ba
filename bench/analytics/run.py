"""Analytics benchmarks, on SQLite and on PostgreSQL.

For each engine, in one run:

1. a store migrated and seeded with ``python -m analytics_service seed`` (two years,
   1 000 000 orders, 100 000 users, 10 000 products by default), kept between runs under
   ``var/bench/`` (SQLite) or in the database ``bench_analytics`` (PostgreSQL) unless
   ``--reseed``;
2. report latency, the app called in process (``httpx`` over ASGI: no socket, no gateway;
   the routing, token check, SQL and JSON are all there), one request at a time:
   ``/sales`` by day for a year-long window at a random place in the history, and top-20
   ``/popular`` by each measure for all time, a year, a month and a week, overall and in a
   category; p50 and p95 per kind, over ``--rounds`` requests each;
3. ingestion: ``--events`` events of generated sagas (order placed, payment started and
   succeeded or failed, status changes, paid; some cancelled and refunded) published into a
   fresh embedded NATS first, then the service started on the seeded store: events/s until
   its inbox holds them all (one replica), and the CPU time of this process (the replica's,
   then) per event, which a busy machine changes far less than the rate;
4. event-to-figure: the same kind of events published at ``--rate`` events/s for
   ``--seconds`` **by another process** (this script run with ``--publish``), so the
   publisher's work does not share the replica's event loop and core: the time from each
   event's publication (its envelope's time, set by the publisher as it sends it) to the
   commit of its effect (its inbox row), p50 and p99.

Usage: ``bench/analytics/run.sh [--engines sqlite,postgres] [--orders 1000000] [--reseed]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import orjson
from sqlalchemy import text

from analytics_service.main import create_app
from analytics_service.settings import AnalyticsSettings
from marketplace_contracts import (
    Envelope,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderLine,
    OrderPaid,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentStarted,
    PaymentSucceeded,
)
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.ids import new_id
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.testing.nats import EmbeddedNats, free_port
from marketplace_platform.testing.tokens import TokenSigner

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = "bench-internal-token-" + "x" * 24
MEASURES = ("views", "orders", "revenue", "rating")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def settings_for(url: str, nats_url: str) -> AnalyticsSettings:
    return AnalyticsSettings(
        environment="test",
        database_url=url,
        nats_url=nats_url,
        internal_token=TOKEN,
        access_log=False,
        var_dir=ROOT / "var" / "bench",
    )


def command(url: str, *args: str) -> str:
    env = {
        **os.environ,
        "ANALYTICS_DATABASE_URL": url,
        "ANALYTICS_INTERNAL_TOKEN": TOKEN,
        "ANALYTICS_ENVIRONMENT": "test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "analytics_service", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


async def prepare(engine: str, args: argparse.Namespace) -> str | None:
    if engine == "sqlite":
        path = ROOT / "var" / "bench" / "analytics.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.reseed:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240
        url = f"sqlite+aiosqlite:///{path}"
    else:
        server = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
        try:
            connection = await asyncpg.connect(server, timeout=3)
        except (OSError, asyncpg.PostgresError) as error:
            print(f"postgres: no server at {server} ({error}); measuring SQLite only")
            return None
        try:
            exists = await connection.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = 'bench_analytics'"
            )
            if exists and args.reseed:
                await connection.execute("DROP DATABASE bench_analytics")
                exists = False
            if not exists:
                await connection.execute("CREATE DATABASE bench_analytics")
        finally:
            await connection.close()
        base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        url = f"{base}/bench_analytics"
    command(url, "migrate")
    started = time.perf_counter()
    said = command(
        url,
        "seed",
        f"--orders={args.orders}",
        f"--users={args.users}",
        f"--products={args.products}",
        f"--days={args.days}",
    )
    print(f"{engine}: {said} ({time.perf_counter() - started:.0f} s with the process)")
    return url


async def timed(http: httpx.AsyncClient, path: str, params: dict, headers: dict) -> float:
    started = time.perf_counter()
    response = await http.get(path, params=params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    return elapsed


async def read_latency(url: str, args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    signer = TokenSigner()
    settings = settings_for(url, f"nats://127.0.0.1:{free_port()}")
    runtime = ServiceRuntime(
        settings,
        verifier=signer.verifier(),
        bus=EventBus(settings.nats_url, service="analytics", connect_timeout=0.05),
    )
    app = create_app(settings, runtime=runtime)
    admin = signer.headers(role="admin", user_id=uuid.uuid4())
    rng = random.Random(11)
    today = datetime.now(UTC).date()
    first_day = today - timedelta(days=args.days - 1)
    database = Database(url)
    async with database.read_session() as session:
        categories = [
            row[0]
            for row in await session.execute(text("SELECT DISTINCT category_id FROM products"))
        ]
    await database.dispose()

    def window(days: int) -> dict[str, str]:
        start = first_day + timedelta(days=rng.randrange(max(1, args.days - days)))
        return {"from": start.isoformat(), "to": (start + timedelta(days=days - 1)).isoformat()}

    results: dict[str, list[float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for path, params in (("/api/analytics/sales", {}), ("/api/analytics/popular", {})):
                await timed(http, path, params, admin)  # warm up
            for _ in range(args.rounds):
                results.setdefault("sales by day, a year", []).append(
                    await timed(http, "/api/analytics/sales", window(365), admin)
                )
            for measure in MEASURES:
                for span, days in (
                    ("all time", None),
                    ("a year", 365),
                    ("a month", 30),
                    ("a week", 7),
                ):
                    for scope in ("overall", "a category"):
                        key = f"top-20 by {measure}, {span}, {scope}"
                        for _ in range(max(5, args.rounds // 4)):
                            params: dict[str, str] = {"by": measure, "limit": "20"}
                            if days:
                                params |= window(days)
                            if scope == "a category":
                                params["category"] = str(rng.choice(categories))
                            results.setdefault(key, []).append(
                                await timed(http, "/api/analytics/popular", params, admin)
                            )
    return {key: (percentile(v, 50), percentile(v, 95)) for key, v in results.items()}


def saga_events(rng: random.Random, products: list[uuid.UUID], n: int) -> list[Envelope]:
    """About ``n`` events of generated sagas, each order's in its order."""
    envelopes: list[Envelope] = []

    def emit(event: Event, source: str) -> None:
        envelopes.append(Envelope.wrap(event, id=new_id(), source=source))

    while len(envelopes) < n:
        order_id, user, payment = uuid.uuid4(), uuid.UUID(int=rng.getrandbits(128)), uuid.uuid4()
        items = [
            OrderLine(
                product_id=p, quantity=rng.choice((1, 2)), unit_price=rng.randrange(100, 10_000)
            )
            for p in set(rng.choices(products, k=rng.choice((1, 2, 3))))
        ]
        total = sum(i.quantity * i.unit_price for i in items)
        now = datetime.now(UTC)
        emit(
            OrderCreated(
                order_id=order_id,
                user_id=user,
                items=items,
                total=total,
                currency="RUB",
                created_at=now,
            ),
            "orders",
        )
        money = {
            "payment_id": payment,
            "order_id": order_id,
            "user_id": user,
            "amount": total,
            "currency": "RUB",
        }
        emit(PaymentStarted(**money), "payments")
        status = {
            "order_id": order_id,
            "user_id": user,
            "total": total,
            "currency": "RUB",
            "changed_at": now,
        }
        emit(
            OrderStatusChanged(
                **status, from_status="created", to_status="processing", actor="system"
            ),
            "orders",
        )
        if rng.random() < 0.1:
            emit(PaymentFailed(**money, reason="card_declined"), "payments")
            emit(
                OrderStatusChanged(
                    **status, from_status="processing", to_status="created", actor="system"
                ),
                "orders",
            )
            continue
        emit(PaymentSucceeded(**money, card_brand="visa", card_last4="4242"), "payments")
        emit(
            OrderStatusChanged(
                **status, from_status="processing", to_status="paid", actor="system"
            ),
            "orders",
        )
        emit(
            OrderPaid(order_id=order_id, user_id=user, items=items, total=total, currency="RUB"),
            "orders",
        )
        if rng.random() < 0.05:
            emit(
                OrderCancelled(
                    order_id=order_id,
                    user_id=user,
                    from_status="paid",
                    actor="user",
                    refund=True,
                    total=total,
                    currency="RUB",
                ),
                "orders",
            )
            emit(PaymentRefunded(**money), "payments")
    return envelopes[:n]


async def publish_all(
    buses: dict[str, EventBus], envelopes: list[Envelope], *, rate: float | None
) -> list[Envelope]:
    """Publish the envelopes (at ``rate`` a second, each then stamped with the time it is
    sent, or all at once); the envelopes as sent."""
    sent = []
    started = time.perf_counter()
    pending: list[asyncio.Future] = []
    for index, envelope in enumerate(envelopes):
        if rate is not None:
            due = started + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            envelope = envelope.model_copy(update={"time": datetime.now(UTC)})
        sent.append(envelope)
        payload = orjson.dumps(envelope.model_dump(mode="json"))
        pending.append(
            asyncio.ensure_future(
                buses[envelope.source].publish(envelope.type, payload, msg_id=str(envelope.id))
            )
        )
        if len(pending) >= 256:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    return sent


async def publish_from_file(nats_url: str, path: Path, rate: float) -> None:
    """The publisher process (``--publish``): the envelopes of ``path`` (one JSON a line) at
    ``rate`` a second, each stamped with the time it is sent; those times are written back
    to ``path`` + ``.sent`` (``id time`` a line) for the measuring process."""
    text = path.read_text()  # noqa: ASYNC240
    envelopes = [Envelope.model_validate_json(line) for line in text.splitlines()]
    buses = {name: EventBus(nats_url, service=name) for name in ("orders", "payments")}
    for bus in buses.values():
        await bus.start()
    sent = await publish_all(buses, envelopes, rate=rate)
    for bus in buses.values():
        await bus.close()
    lines = (f"{envelope.id} {envelope.time.isoformat()}" for envelope in sent)
    Path(f"{path}.sent").write_text("\n".join(lines))  # noqa: ASYNC240


async def publish_elsewhere(
    nats_url: str, envelopes: list[Envelope], rate: float, tmp: Path
) -> dict[uuid.UUID, datetime]:
    """Publish ``envelopes`` from a process of their own (``publish_from_file``); when each
    was sent."""
    path = tmp / f"live-{uuid.uuid4().hex[:8]}.jsonl"
    path.write_text("\n".join(envelope.model_dump_json() for envelope in envelopes))
    publisher = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--publish",
        str(path),
        "--nats-url",
        nats_url,
        "--rate",
        str(rate),
    )
    if await publisher.wait() != 0:
        raise RuntimeError(f"the publisher process failed ({publisher.returncode})")
    sent = {}
    for line in Path(f"{path}.sent").read_text().splitlines():  # noqa: ASYNC240
        event_id, at = line.split(" ")
        sent[uuid.UUID(event_id)] = datetime.fromisoformat(at)
    path.unlink()
    Path(f"{path}.sent").unlink()  # noqa: ASYNC240
    return sent


async def inbox_count(database: Database) -> int:
    async with database.read_session() as session:
        return int(await session.scalar(text("SELECT count(*) FROM inbox")) or 0)


async def ingestion(
    url: str, args: argparse.Namespace, tmp: Path
) -> tuple[float, float, float, float]:
    rng = random.Random(5)
    database = Database(url)
    async with database.read_session() as session:
        products = [
            row[0]
            for row in await session.execute(text("SELECT product_id FROM products LIMIT 2000"))
        ]
    with EmbeddedNats(tmp / f"nats-{uuid.uuid4().hex[:6]}") as nats_server:
        buses = {name: EventBus(nats_server.url, service=name) for name in ("orders", "payments")}
        for bus in buses.values():
            await bus.start()
        backlog = saga_events(rng, products, args.events)
        await publish_all(buses, backlog, rate=None)
        before = await inbox_count(database)
        settings = settings_for(url, nats_server.url)
        app = create_app(
            settings, runtime=ServiceRuntime(settings, verifier=TokenSigner().verifier())
        )
        async with app.router.lifespan_context(app):
            started, cpu = time.perf_counter(), time.process_time()
            while await inbox_count(database) < before + len(backlog):  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # polling the store is the measure
            rate = len(backlog) / (time.perf_counter() - started)
            # This process is the replica now (the backlog was published before it started).
            cpu_ms = 1000 * (time.process_time() - cpu) / len(backlog)
            # Event-to-figure under a steady load, published by another process.
            live = saga_events(rng, products, int(args.rate * args.seconds))
            mark = datetime.now(UTC)
            sent = await publish_elsewhere(nats_server.url, live, args.rate, tmp)
            async with asyncio.timeout(120):
                while await inbox_count(database) < before + len(backlog) + len(live):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        async with database.read_session() as session:
            rows = (
                await session.execute(
                    text("SELECT event_id, processed_at FROM inbox WHERE processed_at >= :mark"),
                    {"mark": mark.replace(tzinfo=None) if url.startswith("sqlite") else mark},
                )
            ).all()
        lags = []
        for event_id, processed_at in rows:
            event_id = uuid.UUID(str(event_id))
            if event_id not in sent:
                continue
            if isinstance(processed_at, str):
                processed_at = datetime.fromisoformat(processed_at)
            if processed_at.tzinfo is None:
                processed_at = processed_at.replace(tzinfo=UTC)
            lags.append((processed_at - sent[event_id]).total_seconds() * 1000)
        for bus in buses.values():
            await bus.close()
    await database.dispose()
    return rate, cpu_ms, percentile(lags, 50), percentile(lags, 99)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--skip-ingestion", action="store_true")
    # The publisher process of the event-to-figure measure (``publish_elsewhere``).
    parser.add_argument("--publish", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--nats-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish is not None:
        await publish_from_file(args.nats_url, args.publish, args.rate)
        return
    cores, load = os.cpu_count(), os.getloadavg()
    print(f"machine: {platform.node()} {platform.machine()}, {cores} cores, load {load}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    tmp = ROOT / "var" / "bench" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    for engine in args.engines.split(","):
        url = await prepare(engine, args)
        if url is None:
            continue
        for key, (p50, p95) in (await read_latency(url, args)).items():
            print(f"{engine}: {key}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        if not args.skip_ingestion:
            rate, cpu_ms, lag50, lag99 = await ingestion(url, args, tmp)
            print(
                f"{engine}: ingestion {rate:.0f} events/s, {cpu_ms:.2f} ms CPU an event "
                f"(the replica's process); event-to-figure at "
                f"{args.rate:.0f} events/s: p50 {lag50:.0f} ms, p99 {lag99:.0f} ms"
            )
        print(f"load after {engine}: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
