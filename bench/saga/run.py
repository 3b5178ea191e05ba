"""The order → payment saga under load, through the gateway, on SQLite and on PostgreSQL.

For each engine, in one run:

1. the whole system, started the way the system tests start it
   (``marketplace_launcher.testing.running_system``: ``marketplace up`` on free ports, its own
   var dir and embedded NATS; on PostgreSQL databases of its own, dropped at the end), with the
   simulated card processor at zero latency, no demo data, auto-delivery off (its default) and
   the gateway's rate limits raised so that they never decide the outcome;
2. set-up, not timed: the first admin logs in, creates a category and ``--products`` products
   with a stock no run can exhaust; ``--users`` users sign up and log in (argon2 hashing is
   deliberately kept out of the measured window);
3. for each concurrency C of ``--concurrency``: C virtual users, each in a loop,
   ``POST /api/orders`` (one item, an ``Idempotency-Key``) → ``POST /api/payments`` with the
   card 4242 4242 4242 4242 (its own key) → wait until the order is ``paid`` (at most
   ``--saga-timeout`` seconds). After ``--warmup`` seconds, every saga that *completes* within
   the next ``--duration`` seconds counts. Latency "creation → paid" runs from the moment the
   order's 201 answer arrived to the moment the bench learnt of ``paid``; the steps are timed
   apart: the order call, the payment call, and the lag from the payment's answer to ``paid``
   (the events' trip: payments' outbox → NATS → orders' inbox → the order's row → ...).

How the bench learns of ``paid`` is ``--wait``:

- ``event`` (the default): one core NATS subscription on the system's broker to orders'
  ``orders.order.status_changed.v1`` (JetStream stores it in the ``ORDERS`` stream; a core
  subscriber on the subject gets every publish too, and the bench needs no replay). The
  event's arrival resolves the saga, as a page pushed the change would show it; no HTTP
  request is added to the load. The event's own ``time`` (stamped by orders in the
  transaction that made the order ``paid``) against its arrival is the commit → observe lag:
  orders' outbox relay, NATS and the bench's loop.
- ``ws``: what a browser does: one WebSocket per virtual user on the gateway's ``/ws``
  (notifications' real-time channel), opened before the level starts; the ``order.status``
  push for ``paid`` resolves the saga. Its ``changed_at`` (orders' time of the transition)
  against its arrival is the commit → socket lag: orders' outbox relay, NATS, the
  notifications consumer's transaction, the core NATS fan-out, the socket and the gateway.
- ``poll``: ``GET /api/orders/{id}`` every ``--poll-interval`` seconds (default 0.25, a web
  page's pace) until ``paid``. Polling fast (0.02) measures orders under a storm of reads more
  than the saga: 32 users at 20 ms ask for 1 600 reads/s of the process that also applies the
  payment events.

One pooled aiohttp session per concurrency level; everything on 127.0.0.1; every step has a
timeout, and the system is stopped at the end, on an error and on Ctrl-C. Usage:

    bench/saga/run.sh [--engines sqlite,postgres] [--concurrency 1,8,32] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
import nats
from nats.aio.client import Client as Nats
from nats.aio.msg import Msg
from pydantic import ValidationError

from marketplace_contracts import Envelope, OrderStatusChanged
from marketplace_launcher import local_secrets
from marketplace_launcher.testing import (
    Account,
    RunningSystem,
    SystemDidNotStart,
    log_in,
    running_system,
    session_processes,
    sign_up,
)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GOOD_CARD = "4242 4242 4242 4242"
STOCK = 1_000_000_000  # the catalog's maximum: no run sells it out
BENCH_SETTINGS = {
    "PAYMENTS_PROCESSOR_LATENCY": "0",
    "MARKETPLACE_NO_SEED": "1",
    # The limiter stays in the path, with a budget the load cannot exhaust: every virtual
    # user comes from 127.0.0.1, and one address's default budget is 20 requests/s.
    "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "GATEWAY_RATE_LIMIT_BURST": "1000000",
}
REQUEST_TIMEOUT = 30.0  # seconds, any single call
WAIT_MODES = ("event", "ws", "poll")
POLL_INTERVAL = 0.25  # seconds, ``--wait poll``'s default: a web page's pace
NATS_CONNECT_TIMEOUT = 5  # seconds


# --- the load -------------------------------------------------------------------------------


@dataclass
class Saga:
    finished_at: float
    order_ms: float  # POST /api/orders, request sent → 201 received
    payment_ms: float  # POST /api/payments, request sent → answer received
    lag_ms: float  # payment's answer received → ``paid`` first seen
    latency_ms: float  # order's 201 received → ``paid`` first seen
    # From the order's own history: ``created`` → ``paid``, where orders stamps ``paid`` with
    # the time payments recorded the charge (the event's time). What the order and the charge
    # took, without the event's trip back to orders and without the polling's granularity.
    charged_ms: float
    polls: int  # 0 with ``--wait event``
    # ``--wait event`` only (NaN when polling), on the wall clock: the order's 201 → the
    # ``paid`` event's own ``time`` (when orders recorded ``paid``), and that ``time`` → the
    # event's arrival at the bench (orders' commit → outbox relay → NATS → the bench's loop).
    recorded_ms: float = math.nan
    observe_ms: float = math.nan


@dataclass
class Level:
    concurrency: int
    window: tuple[float, float] = (0.0, 0.0)
    sagas: list[Saga] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


class SagaFailed(Exception):
    pass


@dataclass(frozen=True)
class Paid:
    """When and how the bench learnt that an order is ``paid``."""

    seen: float  # time.perf_counter() at arrival
    seen_wall: float  # time.time() at arrival
    paid_at: datetime  # the order's ``paid`` moment as orders recorded it (history ``at``)
    event_time: datetime | None = None  # the event envelope's ``time``; None when polled
    polls: int = 0


def status_change(payload: bytes) -> tuple[OrderStatusChanged, datetime] | None:
    """The transition and the envelope's ``time`` from one message on the subject; None for
    anything that is not a well-formed ``orders.order.status_changed.v1``."""
    try:
        envelope = Envelope.model_validate_json(payload)
        return envelope.parse(OrderStatusChanged), envelope.time
    except (ValidationError, ValueError):
        return None


async def connect_nats(system: RunningSystem) -> Nats:
    """The system's broker, as the launcher published it (``launcher.json``), with the
    credentials the launcher generated for its embedded NATS (``var/secrets.json``): it
    admits no one else."""
    secrets = local_secrets.load(system.var_dir)
    credentials = (
        {"user": secrets.nats_user, "password": secrets.nats_password} if secrets else {}
    )
    return await nats.connect(
        system.state["nats_url"], name="saga-bench", connect_timeout=NATS_CONNECT_TIMEOUT,
        allow_reconnect=False, **credentials,
    )


class PaidWatch:
    """Futures of the orders the sagas wait for, resolved by whatever tells of a status.

    A saga registers its order right after the 201 and before paying: ``paid`` cannot come
    earlier, so no news is missed for want of a future. News of orders nobody waits for
    (another level's stragglers) is dropped.
    """

    def __init__(self, level: Level) -> None:
        self._level = level
        self._waiting: dict[str, asyncio.Future[Paid]] = {}

    def expect(self, order_id: str) -> asyncio.Future[Paid]:
        future: asyncio.Future[Paid] = asyncio.get_running_loop().create_future()
        self._waiting[order_id] = future
        return future

    def forget(self, order_id: str) -> None:
        future = self._waiting.pop(order_id, None)
        if future is None:
            return
        if not future.done():
            future.cancel()
        elif not future.cancelled():
            future.exception()  # a saga that failed first never awaited it: not an error

    def _status(self, order_id: str, status: str, changed_at: datetime, source: str,
                seen: float, seen_wall: float, event_time: datetime) -> None:
        future = self._waiting.get(order_id)
        if future is None or future.done():
            return
        if status == "paid":
            future.set_result(Paid(seen, seen_wall, changed_at, event_time))
        elif status not in ("created", "processing"):
            future.set_exception(SagaFailed(f"{source}: order became {status}"))


class PaidEvents(PaidWatch):
    """Orders' status changes on NATS."""

    def __init__(self, level: Level) -> None:
        super().__init__(level)
        self._nc: Nats | None = None

    async def start(self, system: RunningSystem) -> None:
        self._nc = await connect_nats(system)
        await self._nc.subscribe(OrderStatusChanged.TYPE, cb=self._on_message)
        await self._nc.flush()  # the server has the subscription before the first saga

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()

    async def _on_message(self, message: Msg) -> None:
        seen, seen_wall = time.perf_counter(), time.time()
        parsed = status_change(message.data)
        if parsed is None:
            self._level.errors["event: unreadable status change"] += 1
            return
        change, event_time = parsed
        self._status(str(change.order_id), change.to_status, change.changed_at, "event",
                     seen, seen_wall, event_time)


class PaidPushes(PaidWatch):
    """The ``order.status`` pushes on one gateway ``/ws`` socket per account."""

    def __init__(self, level: Level, accounts: list[Account]) -> None:
        super().__init__(level)
        self._accounts = accounts
        self._session: aiohttp.ClientSession | None = None
        self._readers: list[asyncio.Task[None]] = []

    async def start(self, system: RunningSystem) -> None:
        self._session = aiohttp.ClientSession(system.url)
        for account in self._accounts:
            socket = await self._session.ws_connect(
                "/ws", params={"token": account.access_token}, timeout=aiohttp.ClientWSTimeout(
                    ws_receive=None, ws_close=5), heartbeat=None,
            )
            hello = json.loads(await socket.receive_str(timeout=REQUEST_TIMEOUT))
            if hello["type"] != "hello":
                raise SystemDidNotStart(f"/ws said {hello['type']} before hello")
            self._readers.append(asyncio.create_task(self._read(socket)))

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async with socket:
            async for message in socket:
                seen, seen_wall = time.perf_counter(), time.time()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                push = json.loads(message.data)
                if push["type"] != "order.status":
                    continue
                data = push["data"]
                changed_at = datetime.fromisoformat(data["changed_at"])
                self._status(data["order_id"], data["status"], changed_at, "ws", seen,
                             seen_wall, changed_at)
            if socket.close_code not in (None, 1000):
                self._level.errors[f"ws: closed with {socket.close_code}"] += 1


async def call(
    session: aiohttp.ClientSession, method: str, path: str, step: str, expect: int,
    **kwargs: Any,
) -> dict[str, Any]:
    try:
        async with session.request(method, path, **kwargs) as response:
            body = await response.read()
            if response.status != expect:
                raise SagaFailed(f"{step}: HTTP {response.status}")
            return json.loads(body)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise SagaFailed(f"{step}: {type(error).__name__}") from error


def recorded_at(order: dict[str, Any], status: str) -> datetime:
    """When the order's history says it entered ``status``."""
    return next(datetime.fromisoformat(entry["at"])
                for entry in order["history"] if entry["status"] == status)


async def poll_until_paid(
    session: aiohttp.ClientSession, order_id: str, headers: dict[str, str], deadline: float,
    interval: float,
) -> Paid:
    polls = 0
    while True:
        polls += 1
        current = await call(session, "GET", f"/api/orders/{order_id}", "poll", 200,
                             headers=headers)
        seen, seen_wall = time.perf_counter(), time.time()
        if current["status"] == "paid":
            return Paid(seen, seen_wall, recorded_at(current, "paid"), polls=polls)
        if current["status"] not in ("created", "processing"):
            raise SagaFailed(f"poll: order became {current['status']}")
        if seen > deadline:
            raise SagaFailed("poll: not paid within the saga timeout")
        await asyncio.sleep(interval)


async def one_saga(
    session: aiohttp.ClientSession, account: Account, product_id: str,
    events: PaidWatch | None, args: argparse.Namespace,
) -> Saga:
    headers = account.headers
    sent = time.perf_counter()
    order = await call(
        session, "POST", "/api/orders", "order", 201,
        json={"items": [{"product_id": product_id, "quantity": 1}],
              "address": "Moscow, Tverskaya 1"},
        headers={**headers, "Idempotency-Key": f"bench-order-{uuid.uuid4()}"},
    )
    created, created_wall = time.perf_counter(), time.time()
    event = events.expect(order["id"]) if events is not None else None
    try:
        payment = await call(
            session, "POST", "/api/payments", "payment", 201,
            json={"order_id": order["id"],
                  "card": {"number": GOOD_CARD, "exp_month": 12, "exp_year": 2040,
                           "cvc": "123", "holder": "IVAN PETROV"}},
            headers={**headers, "Idempotency-Key": f"bench-pay-{uuid.uuid4()}"},
        )
        charged = time.perf_counter()
        if payment.get("status") != "succeeded":
            raise SagaFailed(f"payment: {payment.get('status')} {payment.get('failure_reason')}")
        if event is None:
            paid = await poll_until_paid(session, order["id"], headers,
                                         charged + args.saga_timeout, args.poll_interval)
        else:
            try:
                paid = await asyncio.wait_for(event, args.saga_timeout)
            except TimeoutError:
                raise SagaFailed("event: not paid within the saga timeout") from None
    finally:
        if events is not None:
            events.forget(order["id"])
    saga = Saga(
        finished_at=paid.seen,
        charged_ms=(paid.paid_at - recorded_at(order, "created")).total_seconds() * 1000,
        order_ms=(created - sent) * 1000,
        payment_ms=(charged - created) * 1000,
        lag_ms=(paid.seen - charged) * 1000,
        latency_ms=(paid.seen - created) * 1000,
        polls=paid.polls,
    )
    if paid.event_time is not None:
        saga.recorded_ms = (paid.event_time.timestamp() - created_wall) * 1000
        saga.observe_ms = (paid.seen_wall - paid.event_time.timestamp()) * 1000
    return saga


async def virtual_user(
    session: aiohttp.ClientSession, account: Account, product_id: str, level: Level,
    stop_at: float, events: PaidWatch | None, args: argparse.Namespace,
) -> None:
    start, end = level.window
    while time.perf_counter() < stop_at:
        try:
            saga = await one_saga(session, account, product_id, events, args)
        except SagaFailed as error:
            if start <= time.perf_counter() <= end:
                level.errors[str(error)] = level.errors[str(error)] + 1
            continue
        if start <= saga.finished_at <= end:
            level.sagas.append(saga)


async def drive(
    system: RunningSystem, accounts: list[Account], products: list[str], concurrency: int,
    args: argparse.Namespace,
) -> Level:
    level = Level(concurrency)
    events: PaidEvents | PaidPushes | None = None
    if args.wait == "event":
        events = PaidEvents(level)
    elif args.wait == "ws":
        events = PaidPushes(level, accounts[:concurrency])
    connector = aiohttp.TCPConnector(limit=concurrency * 2, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    try:
        if events is not None:
            await events.start(system)
        async with aiohttp.ClientSession(system.url, connector=connector,
                                         timeout=timeout) as session:
            began = time.perf_counter()
            level.window = (began + args.warmup, began + args.warmup + args.duration)
            users = [
                virtual_user(session, accounts[index % len(accounts)],
                             products[index % len(products)], level, level.window[1], events,
                             args)
                for index in range(concurrency)
            ]
            # In-flight sagas finish (each bounded by its timeouts) but count only in the
            # window.
            await asyncio.wait_for(asyncio.gather(*users),
                                   args.warmup + args.duration + args.saga_timeout + 60)
    finally:
        if events is not None:
            await events.close()
    return level


# --- CPU of the system's processes -----------------------------------------------------------


def process_name(pid: int) -> str | None:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    if "-m" in argv:
        module = argv[argv.index("-m") + 1]
        if module.endswith("_service") and (module == "gateway_service" or "serve" in argv):
            return module.removesuffix("_service")
    if argv and Path(argv[0]).name == "nats-server":
        return "nats"
    return None


def service_pids(system: RunningSystem) -> dict[str, list[int]]:
    """The pids of each of the system's long-running processes, by name."""
    assert system.process is not None
    found: dict[str, list[int]] = {}
    for pid in session_processes(system.process.pid):
        name = process_name(pid)
        if name is not None:
            found.setdefault(name, []).append(pid)
    return found


def start_profiles(system: RunningSystem, engine: str, concurrency: int,
                   args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    """``--profile``: py-spy records the chosen processes for the measured window, as
    collapsed stacks (``bench/saga/profile_top.py`` sums them up)."""
    args.profile.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    recorders = []
    for name, pids in service_pids(system).items():
        if name not in args.profile_processes:
            continue
        for pid in pids:
            output = args.profile / f"{engine}-c{concurrency}-{name}-{pid}.txt"
            recorders.append(subprocess.Popen(
                [str(py_spy), "record", "--pid", str(pid), "--duration",
                 str(math.ceil(args.duration)), "--rate", "100", "--nonblocking",
                 "--format", "raw", "--output", str(output)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return recorders


def cpu_seconds(system: RunningSystem) -> dict[str, float]:
    """CPU time so far (user + system) of each of the system's long-running processes."""
    assert system.process is not None
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for pid in session_processes(system.process.pid):
        name = process_name(pid)
        if name is None:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[name] = found.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return found


def machine_busy() -> tuple[float, float]:
    """Total and idle CPU time of the machine so far, in seconds (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(values) / ticks, (values[3] + values[4]) / ticks


# --- one engine -----------------------------------------------------------------------------


def set_up(system: RunningSystem, args: argparse.Namespace) -> tuple[list[Account], list[str]]:
    with httpx.Client(base_url=system.url, timeout=REQUEST_TIMEOUT, trust_env=False) as client:
        admin = log_in(client, system.admin_email, system.admin_password)
        category = client.post("/api/catalog/categories", headers=admin.headers,
                               json={"name": f"Bench {uuid.uuid4().hex[:8]}"})
        category.raise_for_status()
        products = []
        for number in range(args.products):
            created = client.post("/api/catalog/products", headers=admin.headers, json={
                "title": f"Bench product {number + 1}", "price": 150_000,
                "category_id": category.json()["id"], "kind": "product", "stock": STOCK,
            })
            created.raise_for_status()
            products.append(created.json()["id"])
        accounts = [sign_up(client) for _ in range(args.users)]
    return accounts, products


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summarise(level: Level, args: argparse.Namespace, cpu: dict[str, float],
              machine_cpu: float, loadavg: tuple[float, float, float]) -> dict[str, Any]:
    sagas = level.sagas
    latency = [s.latency_ms for s in sagas]
    return {
        "wait": wait_mode(args),
        "concurrency": level.concurrency,
        "sagas": len(sagas),
        "sagas_per_s": len(sagas) / args.duration,
        "latency_p50_ms": percentile(latency, 0.50),
        "latency_p95_ms": percentile(latency, 0.95),
        "latency_p99_ms": percentile(latency, 0.99),
        "latency_max_ms": max(latency, default=math.nan),
        "charged_p50_ms": percentile([s.charged_ms for s in sagas], 0.50),
        "charged_p99_ms": percentile([s.charged_ms for s in sagas], 0.99),
        "order_p50_ms": percentile([s.order_ms for s in sagas], 0.50),
        "payment_p50_ms": percentile([s.payment_ms for s in sagas], 0.50),
        "lag_p50_ms": percentile([s.lag_ms for s in sagas], 0.50),
        "lag_p99_ms": percentile([s.lag_ms for s in sagas], 0.99),
        "polls_per_saga": sum(s.polls for s in sagas) / len(sagas) if sagas else math.nan,
        "recorded_p50_ms": percentile([s.recorded_ms for s in sagas], 0.50),
        "observe_p50_ms": percentile([s.observe_ms for s in sagas], 0.50),
        "observe_p99_ms": percentile([s.observe_ms for s in sagas], 0.99),
        "errors": dict(level.errors),
        # Share of one core each process used during the window (100 = one core busy).
        "cpu_percent": {name: round(100 * seconds / args.duration)
                        for name, seconds in sorted(cpu.items())},
        # Milliseconds of CPU each process spent per completed saga (the steadier figure on
        # a shared machine: another's load slows the sagas, not what each one costs).
        "cpu_ms_per_saga": {name: round(1000 * seconds / len(sagas), 1) if sagas else math.nan
                            for name, seconds in sorted(cpu.items())},
        "machine_cpu_percent": round(100 * machine_cpu),
        # PostgreSQL's processes and whatever else shares the machine.
        "rest_cpu_percent": max(0, round(100 * machine_cpu - 100 * sum(cpu.values())
                                         / args.duration)),
        "loadavg_after": loadavg,
    }


async def measure(
    system: RunningSystem, engine: str, accounts: list[Account], products: list[str],
    concurrency: int, args: argparse.Namespace,
) -> tuple[Level, dict[str, float], float]:
    """One level's sagas, with the CPU each process and the machine spent in its window."""
    cpu: dict[str, float] = {}
    machine = [0.0]

    async def sample() -> None:
        await asyncio.sleep(args.warmup)
        recorders = start_profiles(system, engine, concurrency, args) if args.profile else []
        start, busy_start, own_start = cpu_seconds(system), machine_busy(), time.process_time()
        await asyncio.sleep(args.duration)
        for recorder in recorders:
            await asyncio.to_thread(recorder.wait, 30)
        end, busy_end, own_end = cpu_seconds(system), machine_busy(), time.process_time()
        cpu.update({name: end[name] - start.get(name, 0.0) for name in end})
        cpu["driver"] = own_end - own_start  # this load generator
        total, idle = busy_end[0] - busy_start[0], busy_end[1] - busy_start[1]
        # In core-seconds per second: 2.0 = both cores of a 2-core machine busy.
        machine[0] = (total - idle) / total * (os.cpu_count() or 1) if total else 0.0

    sampler = asyncio.create_task(sample())
    level = await drive(system, accounts, products, concurrency, args)
    await sampler
    return level, cpu, machine[0]


def bench_engine(engine: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    postgres = args.postgres if engine == "postgres" else None
    print(f"\n== {engine}: starting the system", flush=True)
    with running_system(tmp / engine, postgres=postgres, extra_env=BENCH_SETTINGS) as system:
        accounts, products = set_up(system, args)
        print(f"   {len(accounts)} users, {len(products)} products; "
              f"log: {system.log_path}", flush=True)
        levels = []
        for concurrency in args.concurrency:
            level, cpu, machine_share = asyncio.run(
                measure(system, engine, accounts, products, concurrency, args))
            row = summarise(level, args, cpu, machine_share, os.getloadavg())
            levels.append(row)
            print_level(row)
            time.sleep(args.pause)
    return {"engine": engine, "users": len(accounts), "products": len(products),
            "levels": levels}


# --- report ---------------------------------------------------------------------------------


def wait_mode(args: argparse.Namespace) -> str:
    """How ``paid`` was learnt, as the output and the docs name it."""
    if args.wait == "event":
        return "event (NATS orders.order.status_changed.v1)"
    if args.wait == "ws":
        return "push (order.status on the gateway's /ws)"
    return f"poll every {args.poll_interval * 1000:g} ms"


def print_level(row: dict[str, Any]) -> None:
    errors = sum(row["errors"].values())
    pushed = row["wait"].startswith("push")
    waited = (f"{row['polls_per_saga']:.1f} polls/saga" if row["wait"].startswith("poll")
              else "paid from the push" if pushed else "paid from the event")
    print(f"   C={row['concurrency']:<3} {row['sagas_per_s']:7.1f} sagas/s  "
          f"creation→paid p50 {row['latency_p50_ms']:6.1f}  p95 {row['latency_p95_ms']:6.1f}  "
          f"p99 {row['latency_p99_ms']:6.1f} ms | steps p50: order {row['order_p50_ms']:6.1f}  "
          f"payment {row['payment_p50_ms']:6.1f}  paid lag {row['lag_p50_ms']:6.1f} ms | "
          f"{waited} | errors {errors}", flush=True)
    print(f"          order history, created → charge recorded by payments: p50 "
          f"{row['charged_p50_ms']:.1f}  p99 {row['charged_p99_ms']:.1f} ms", flush=True)
    if not math.isnan(row["observe_p50_ms"]):
        how = "push" if pushed else "event"
        print(f"          {how}: 201 → orders recorded paid p50 {row['recorded_p50_ms']:.1f} ms; "
              f"recorded → seen by the bench p50 {row['observe_p50_ms']:.1f}  "
              f"p99 {row['observe_p99_ms']:.1f} ms", flush=True)
    if row["errors"]:
        print("          errors: " + ", ".join(f"{k}: {v}" for k, v in row["errors"].items()))
    cpu = ", ".join(f"{name} {share}%" for name, share in row["cpu_percent"].items())
    print(f"          CPU (100% = one core): {cpu}; rest of the machine (PostgreSQL, other "
          f"work) {row['rest_cpu_percent']}%; whole machine {row['machine_cpu_percent']}%; "
          f"load {row['loadavg_after'][0]:.1f}", flush=True)
    per_saga = ", ".join(f"{name} {ms}" for name, ms in row["cpu_ms_per_saga"].items())
    print(f"          CPU per saga (ms): {per_saga}", flush=True)


def versions() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    nats = subprocess.run([str(Path(sys.executable).with_name("nats-server")), "--version"],
                          capture_output=True, text=True, check=False, timeout=10)
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": version("sqlalchemy"),
        "fastapi": version("fastapi"),
        "uvicorn": version("uvicorn"),
        "aiohttp": version("aiohttp"),
        "nats-server": nats.stdout.strip().split()[-1] if nats.stdout.strip() else "?",
        "nats-py": version("nats-py"),
    }


def postgres_version(server: str) -> str | None:
    async def ask() -> str:
        connection = await asyncpg.connect(server, timeout=5)
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    try:
        return asyncio.run(ask())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None


def numbers(text: str) -> list[int]:
    try:
        found = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError(f"need positive numbers: {text!r}")
    return found


def on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=None,
                        help="comma-separated: sqlite, postgres (default: both, PostgreSQL "
                             "only if its server answers)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             DEFAULT_POSTGRES))
    parser.add_argument("--concurrency", type=numbers, default=[1, 8, 32],
                        help="virtual users per level, comma-separated (default 1,8,32)")
    parser.add_argument("--duration", type=float, default=20.0,
                        help="measured seconds per level (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds per level before measuring (default 3)")
    parser.add_argument("--pause", type=float, default=2.0,
                        help="seconds of rest between levels (default 2)")
    parser.add_argument("--users", type=int, default=None,
                        help="accounts (default: the largest concurrency)")
    parser.add_argument("--products", type=int, default=8,
                        help="products the virtual users order in turn (default 8)")
    parser.add_argument("--wait", choices=WAIT_MODES, default="event",
                        help="how to learn that an order is paid: its status events on NATS "
                             "(event, the default), the order.status push on /ws (ws) or "
                             "GET /api/orders/{id} (poll)")
    parser.add_argument("--poll-interval", type=float, default=None,
                        help=f"with --wait poll: seconds between polls of the order "
                             f"(default {POLL_INTERVAL:g})")
    parser.add_argument("--saga-timeout", type=float, default=30.0,
                        help="longest wait for paid after the payment (default 30)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record py-spy profiles of each level's window into this "
                             "directory (costs CPU: not for the figures to quote)")
    parser.add_argument("--profile-processes", type=lambda text: set(text.split(",")),
                        default={"orders", "payments"},
                        help="with --profile: which processes (default orders,payments)")
    args = parser.parse_args()
    args.users = args.users or max(args.concurrency)
    if args.poll_interval is not None and args.wait != "poll":
        parser.error("--poll-interval goes with --wait poll")
    if args.wait == "poll" and args.poll_interval is None:
        args.poll_interval = POLL_INTERVAL
    if args.poll_interval is not None and args.poll_interval <= 0:
        parser.error("--poll-interval must be positive")
    engines = [e.strip() for e in (args.engines or "sqlite,postgres").split(",") if e.strip()]
    if not set(engines) <= {"sqlite", "postgres"}:
        sys.exit(f"unknown engine in --engines {args.engines!r}")
    info = versions()
    if "postgres" in engines:
        server_version = postgres_version(args.postgres)
        if server_version is None:
            message = (f"no PostgreSQL server answers at {args.postgres} "
                       "(set BENCH_POSTGRES_URL or --postgres)")
            if args.engines:
                sys.exit(message)
            print(f"{message}: SQLite only", file=sys.stderr)
            engines.remove("postgres")
        else:
            info["postgresql"] = server_version
    signal.signal(signal.SIGTERM, on_sigterm)
    print(f"saga bench: {', '.join(engines)}; C = {args.concurrency}; {args.duration:g} s "
          f"measured per level after {args.warmup:g} s warm-up; paid learnt by "
          f"{wait_mode(args)}; {info['cores']} cores, {info['cpu']}", flush=True)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-saga-") as tmp:
            for engine in engines:
                results.append(bench_engine(engine, args, Path(tmp)))
    except KeyboardInterrupt:
        sys.exit("interrupted: the system was stopped")
    except SystemDidNotStart as error:
        sys.exit(f"the system did not start: {error}")
    print("\nversions: " + ", ".join(f"{k} {v}" for k, v in info.items() if k != "cpu"))
    if args.json:
        args.json.write_text(json.dumps(
            {"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
             "results": results}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
