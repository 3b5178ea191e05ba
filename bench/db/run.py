"""What one transaction costs on the platform's SQLite path: CPU and wall time per unit of
work, measured in one process.

Two kinds of transaction, the shapes a service's use cases have:

- **write**: ``Database.session()``, an ORM ``get`` of a row by key, a change to it, a new
  row added, ``commit`` (on SQLite: the writers' queue, ``BEGIN IMMEDIATE``, a ``SELECT``,
  an ``UPDATE``, an ``INSERT``, ``COMMIT``);
- **read**: ``Database.read_session()``, a ``SELECT`` of a few rows by an indexed column.

Each is run ``--count`` times one after another (``C = 1``), then by ``--concurrency``
asyncio tasks at once. CPU is the process's (``time.process_time``: every thread, so a
driver's worker threads count). Load average is printed with every figure: the machine is
shared, so compare runs made close together, interleaved (``--db-module`` runs the same
workload on another version of ``marketplace_platform/db.py``, e.g. main's::

    git show main:libs/platform/src/marketplace_platform/db.py > /tmp/db_main.py
    .venv/bin/python bench/db/run.py --db-module /tmp/db_main.py
    .venv/bin/python bench/db/run.py

``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def load_db_module(path: str | None) -> ModuleType:
    if path is None:
        import marketplace_platform.db as db

        return db
    spec = importlib.util.spec_from_file_location("bench_db_module", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Figure:
    kind: str
    concurrency: int
    transactions: int
    cpu_us_per_tx: float
    wall_us_per_tx: float
    per_second: float
    load: float


def build_models(db: ModuleType) -> tuple[type[Any], type[Any], type[Any]]:
    class Base(DeclarativeBase):
        metadata = db.new_metadata()
        type_annotation_map = {datetime: db.UTCDateTime()}

    class Item(Base):
        __tablename__ = "items"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))
        stock: Mapped[int]
        updated_at: Mapped[datetime]

    class Movement(Base):
        __tablename__ = "movements"
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
        item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
        delta: Mapped[int]
        at: Mapped[datetime]

    return Base, Item, Movement


async def measure(
    db_module: ModuleType, url: str, *, count: int, concurrency: int, pool_size: int
) -> list[Figure]:
    Base, Item, Movement = build_models(db_module)
    database = db_module.Database(url, pool_size=pool_size)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    items = 64
    async with database.session() as session:
        now = datetime.now(UTC)
        session.add_all(
            Item(id=n, name=f"item {n}", stock=10**9, updated_at=now) for n in range(items)
        )
        await session.commit()

    async def write(n: int) -> None:
        async with database.session() as session:
            item = await session.get(Item, n % items)
            assert item is not None
            now = datetime.now(UTC)
            item.stock -= 1
            item.updated_at = now
            session.add(Movement(item_id=item.id, delta=-1, at=now))
            await session.commit()

    async def read(n: int) -> None:
        async with database.read_session() as session:
            rows = await session.scalars(
                select(Movement).where(Movement.item_id == n % items).limit(5)
            )
            rows.all()

    async def run(kind: str, work: Any, c: int, total: int) -> Figure:
        for n in range(min(200, total)):  # warm the pool, the caches, the statement cache
            await work(n)
        next_n = iter(range(total))

        async def worker() -> None:
            for n in next_n:
                await work(n)

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(c)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return Figure(
            kind=kind,
            concurrency=c,
            transactions=total,
            cpu_us_per_tx=round(cpu / total * 1e6, 1),
            wall_us_per_tx=round(wall / total * 1e6, 1),
            per_second=round(total / wall, 1),
            load=os.getloadavg()[0],
        )

    figures = []
    for c in (1, concurrency):
        figures.append(await run("write", write, c, count))
        figures.append(await run("read", read, c, count))
    await database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="transactions per figure")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--db-module", help="path of another marketplace_platform/db.py")
    parser.add_argument("--label", default=None, help="name for this run in the output")
    parser.add_argument("--json", help="append the figures to this file (JSON lines)")
    args = parser.parse_args()

    db_module = load_db_module(args.db_module)
    label = args.label or (args.db_module or "this tree")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        figures = asyncio.run(
            measure(
                db_module,
                url,
                count=args.count,
                concurrency=args.concurrency,
                pool_size=args.pool_size,
            )
        )
    print(f"# {label}")
    print(f"{'kind':6} {'C':>3} {'CPU µs/tx':>10} {'wall µs/tx':>11} {'tx/s':>8} {'load':>5}")
    for f in figures:
        print(
            f"{f.kind:6} {f.concurrency:>3} {f.cpu_us_per_tx:>10} {f.wall_us_per_tx:>11}"
            f" {f.per_second:>8} {f.load:>5.1f}"
        )
    if args.json:
        with open(args.json, "a") as out:
            for f in figures:
                out.write(json.dumps({"label": label, **asdict(f)}) + "\n")


if __name__ == "__main__":
    main()
