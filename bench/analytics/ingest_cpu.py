"""What the analytics consumer's group commit costs per event, in process: CPU time and
statements, without NATS, on a fresh store.

Generated sagas' events (``run.saga_events``) are applied through the consumer's own code
(``consumers.events.effect_of`` and ``prepare``, ``GroupCommit``'s transaction), ``--batch``
events to a transaction, into a store migrated for the run (a SQLite file in a temporary
folder, or a database made on the PostgreSQL server and dropped after). It prints, per
engine, the CPU time of this process per event (``time.process_time``: the work of the
consumer, SQLAlchemy and the driver; the SQLite engine runs in the process, PostgreSQL's
server does not), events/s of that CPU, and the statements per transaction. The first
``--warmup`` events are applied before measuring (SQLAlchemy's caches fill there).

Usage: ``.venv/bin/python bench/analytics/ingest_cpu.py [--engines sqlite,postgres]
[--events 6000] [--batch 128]``. Run it against another tree's sources with
``PYTHONPATH=OTHER/libs/platform/src:OTHER/services/analytics/src`` (the bench's own code
only uses what both have).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DEFAULT_POSTGRES, command, saga_events

from analytics_service.adapters.unit_of_work import AnalyticsUnitOfWork
from analytics_service.consumers.events import CONSUMER, effect_of, prepare
from marketplace_platform.db import Database
from marketplace_platform.events.inbox import GroupCommit


async def measure(url: str, args: argparse.Namespace) -> tuple[float, float]:
    """CPU ms per event and statements per transaction."""
    command(url, "migrate")
    database = Database(url)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    group = GroupCommit(
        CONSUMER,
        unit_of_work=lambda: AnalyticsUnitOfWork(database, source="analytics"),
        effect_of=effect_of,
        max_batch=args.batch,
        prepare=prepare,
    )
    rng = random.Random(7)
    products = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(500)]
    envelopes = saga_events(rng, products, args.warmup + args.events)
    items = [(e, effect) for e in envelopes if (effect := effect_of(e)) is not None]
    warm, measured = items[: args.warmup], items[args.warmup :]
    for start in range(0, len(warm), args.batch):
        await group._together(warm[start : start + args.batch])
    statements, transactions = 0, group.transactions
    cpu = time.process_time()
    for start in range(0, len(measured), args.batch):
        await group._together(measured[start : start + args.batch])
    cpu = time.process_time() - cpu
    transactions = group.transactions - transactions
    await database.dispose()
    return 1000 * cpu / len(measured), statements / transactions


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--label", default="this tree")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        if engine == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{folder}/analytics.db"
                cpu, per_transaction = await measure(url, args)
        else:
            server = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
            name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
            connection = await asyncpg.connect(server)
            await connection.execute(f"CREATE DATABASE {name}")
            try:
                base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
                cpu, per_transaction = await measure(f"{base}/{name}", args)
            finally:
                await connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
                await connection.close()
        print(
            f"{args.label}: {engine}, batch {args.batch}: {cpu:.3f} ms CPU an event "
            f"({1000 / cpu:,.0f} events/s of one core), "
            f"{per_transaction:.1f} statements a transaction; "
            f"load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
