from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import String, event, func, make_url, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from marketplace_platform.db import Database, UTCDateTime, async_url, new_metadata
from marketplace_platform.testing.database import PostgresTemplates

pytestmark = pytest.mark.integration


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime()}


class Counter(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int]
    at: Mapped[datetime | None] = mapped_column(default=None)


async def _create_tables(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await db.dispose()


@pytest.fixture
async def db(
    database_engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    if database_engine == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        await _create_tables(url)
    else:
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        url = await asyncio.to_thread(
            templates.clone, "platform_db", lambda u: asyncio.run(_create_tables(u))
        )
    database = Database(url, pool_size=5)
    yield database
    await database.dispose()


async def test_datetimes_come_back_as_aware_utc(db: Database) -> None:
    moscow = timezone(timedelta(hours=3))
    async with db.session() as session:
        session.add(Counter(name="a", value=1, at=datetime(2026, 1, 1, 15, 0, tzinfo=moscow)))
        await session.commit()
    async with db.read_session() as session:
        row = (await session.execute(select(Counter))).scalar_one()
    assert row.at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert row.at.tzinfo is not None


async def test_naive_datetimes_are_refused(db: Database) -> None:
    async with db.session() as session:
        session.add(Counter(name="a", value=1, at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()


async def test_concurrent_read_modify_write_transactions_lose_no_update(db: Database) -> None:
    async with db.session() as session:
        session.add(Counter(name="hits", value=0))
        await session.commit()

    async def increment() -> None:
        async with db.session() as session:
            # FOR UPDATE on PostgreSQL; on SQLite BEGIN IMMEDIATE already serialises writers.
            row = (
                await session.execute(
                    select(Counter).where(Counter.name == "hits").with_for_update()
                )
            ).scalar_one()
            row.value += 1
            await session.commit()

    await asyncio.gather(*(increment() for _ in range(20)))
    async with db.read_session() as session:
        value = (await session.execute(select(Counter.value))).scalar_one()
    assert value == 20


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}"
    db = Database(url)
    async with db.engine.connect() as conn:
        mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
        fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
    await db.dispose()
    assert mode == "wal"
    assert fks == 1


# The writers' queue is SQLite's (PostgreSQL locks rows, not the file).
sqlite_only = pytest.mark.parametrize("database_engine", ["sqlite"])


@sqlite_only
async def test_sqlite_writers_take_turns_without_sleeping_in_the_busy_handler(
    db: Database,
) -> None:
    loop = asyncio.get_running_loop()

    async def hand_over(round_: int, hold: float) -> float:
        """How long after the first writer's commit the second one began."""
        first_holds = asyncio.Event()
        committed_at = began_at = 0.0

        async def first() -> None:
            nonlocal committed_at
            async with db.session() as session:
                async with session.begin():
                    session.add(Counter(name=f"first-{round_}", value=1))
                    await session.flush()  # BEGIN IMMEDIATE: the write lock is taken
                    first_holds.set()
                    await asyncio.sleep(hold)
                # Stamped before the session closes: closing may let the loop run the second
                # writer first, when the commit itself needed no await.
                committed_at = loop.time()

        async def second() -> None:
            nonlocal began_at
            await first_holds.wait()
            async with db.session() as session, session.begin():
                await session.execute(select(Counter))
                began_at = loop.time()
                session.add(Counter(name=f"second-{round_}", value=2))

        await asyncio.gather(first(), second())
        return began_at - committed_at

    # Held this long, SQLite's busy handler would be sleeping 100 ms between its tries, and
    # the second writer would begin some 70-80 ms after the commit, the lock free meanwhile.
    lags = [await hand_over(n, hold) for n, hold in enumerate((0.35, 0.45, 0.55))]

    assert all(0 <= lag < 0.05 for lag in lags), lags
    async with db.read_session() as session:
        assert len((await session.scalars(select(Counter.name))).all()) == 6


@sqlite_only
async def test_a_failed_sqlite_write_lets_the_next_writer_in(db: Database) -> None:
    async with db.session() as session:
        session.add(Counter(name="a", value=1))
        await session.commit()
    with pytest.raises(Exception, match="UNIQUE"):
        async with db.session() as session, session.begin():
            session.add(Counter(name="a", value=2))  # the same primary key

    async with asyncio.timeout(2), db.session() as session, session.begin():
        session.add(Counter(name="b", value=1))
    async with asyncio.timeout(2), db.session() as session:
        await session.execute(text("SELECT 1"))  # a transaction left open, then closed
    async with asyncio.timeout(2), db.session() as session, session.begin():
        session.add(Counter(name="c", value=1))


@sqlite_only
async def test_a_sqlite_read_session_and_the_ping_do_not_wait_for_the_writer(
    db: Database,
) -> None:
    async with db.session() as writer, writer.begin():
        writer.add(Counter(name="a", value=1))
        await writer.flush()
        async with asyncio.timeout(2), db.read_session() as reader:
            assert (await reader.scalars(select(Counter.name))).all() == []
        async with asyncio.timeout(2):
            await db.ping()  # a readiness probe, answered while the writer holds the lock


@sqlite_only
async def test_a_sqlite_writer_waiting_past_the_busy_timeout_is_told_the_database_is_locked(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("marketplace_platform.db.BUSY_TIMEOUT", 0.2)
    async with db.session() as holder, holder.begin():
        holder.add(Counter(name="a", value=1))
        await holder.flush()
        with pytest.raises(Exception, match="database is locked"):
            async with db.session() as waiter, waiter.begin():
                await waiter.execute(select(Counter))


@asynccontextmanager
async def another_process_holding_the_write_lock(
    db: Database,
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """A writer in a process of its own (a replica, the CLI) that has begun IMMEDIATE on the
    same file and holds SQLite's write lock until the test calls the ``commit`` it yields."""
    script = (
        "import sqlite3, sys\n"
        "connection = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "connection.execute('BEGIN IMMEDIATE')\n"
        "print('holding', flush=True)\n"
        "sys.stdin.readline()\n"
        "connection.execute('COMMIT')\n"
    )
    other = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        str(make_url(db.url).database),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert other.stdin is not None
    assert other.stdout is not None
    assert await other.stdout.readline() == b"holding\n"

    async def commit() -> None:
        assert other.stdin is not None
        other.stdin.write(b"\n")
        await other.stdin.drain()
        assert await other.wait() == 0

    try:
        yield commit
    finally:
        if other.returncode is None:
            other.kill()
            await other.wait()


class Ticker:
    """Counts how often a task of its own got the event loop, every 10 ms it asks for: a
    loop stopped by a blocking call counts nothing meanwhile."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


@sqlite_only
async def test_a_sqlite_writer_waiting_for_another_process_leaves_the_event_loop_running(
    db: Database,
) -> None:
    async def write() -> None:
        async with db.session() as session, session.begin():
            session.add(Counter(name="after", value=1))

    async with another_process_holding_the_write_lock(db) as commit:
        with Ticker() as ticker:
            writer = asyncio.create_task(write())
            await asyncio.sleep(0.5)
            waited, ticks = not writer.done(), ticker.ticks
            async with asyncio.timeout(1), db.read_session() as reader:
                assert (await reader.scalars(select(Counter.name))).all() == []
            await commit()
            async with asyncio.timeout(2):
                await writer

    assert waited  # for the other process's commit ...
    assert ticks >= 20  # ... with the loop running (about 50 ticks in 0.5 s; frozen: 0)
    async with db.read_session() as session:
        assert (await session.scalars(select(Counter.name))).all() == ["after"]


@sqlite_only
async def test_a_sqlite_writer_that_another_process_keeps_out_past_the_busy_timeout_is_told_the_database_is_locked(  # noqa: E501
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("marketplace_platform.db.BUSY_TIMEOUT", 0.3)
    async with another_process_holding_the_write_lock(db) as commit:
        with Ticker() as ticker, pytest.raises(Exception, match="database is locked"):
            async with db.session() as session, session.begin():
                session.add(Counter(name="refused", value=1))
        await commit()

    assert ticker.ticks >= 10  # the loop ran all along the 0.3 s
    # The writer that gave up let go of the process's queue: the next one goes in at once.
    async with asyncio.timeout(1), db.session() as session, session.begin():
        session.add(Counter(name="next", value=1))
    async with db.read_session() as session:
        assert (await session.scalars(select(Counter.name))).all() == ["next"]


def count_to(n: int) -> str:
    """A query that keeps SQLite busy for a while (about 0.1 s per million on this machine)."""
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < "
        f"{n}) SELECT count(*) FROM c"
    )


@sqlite_only
async def test_a_short_sqlite_read_runs_on_the_loop_and_a_long_one_on_a_thread_beside_it(
    db: Database,
) -> None:
    event.listen(
        db.engine.sync_engine,
        "connect",
        lambda connection, _: connection.create_function("thread", 0, threading.get_ident),
    )
    async with db.read_session() as session:
        short = await session.scalar(text("SELECT thread()"))
    with Ticker() as ticker:
        async with db.read_session() as session:
            long = (await session.execute(text(f"SELECT thread(), ({count_to(3_000_000)})"))).one()
        ticks = ticker.ticks

    assert short == threading.get_ident()
    assert long[0] != threading.get_ident()
    assert long[1] == 3_000_000
    assert ticks >= 10  # the loop ran while SQLite counted


@sqlite_only
async def test_a_long_sqlite_read_moved_to_a_thread_still_reads_its_transactions_snapshot(
    db: Database,
) -> None:
    async with db.read_session() as reader:
        assert await reader.scalar(select(func.count()).select_from(Counter)) == 0
        async with db.session() as writer:  # commits after the reader's snapshot was taken
            writer.add(Counter(name="later", value=1))
            await writer.commit()
        counted, _ = (
            await reader.execute(
                text(f"SELECT (SELECT count(*) FROM counters), ({count_to(2_000_000)})")
            )
        ).one()
    assert counted == 0


@sqlite_only
async def test_a_cancelled_long_sqlite_read_stops_and_leaves_its_connection_usable(
    db: Database,
) -> None:
    async def read_for_long() -> None:
        async with db.read_session() as session:
            await session.execute(text(count_to(1_000_000_000)))  # minutes

    loop = asyncio.get_running_loop()
    started = loop.time()
    reading = asyncio.create_task(read_for_long())
    await asyncio.sleep(0.3)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert loop.time() - started < 2  # SQLite stopped at its next step, not minutes later

    for _ in range(6):  # every connection of the pool (5) still reads and writes
        async with asyncio.timeout(2), db.read_session() as session:
            assert await session.scalar(text(count_to(100_000))) == 100_000
    async with asyncio.timeout(2), db.session() as session:
        session.add(Counter(name="after", value=1))
        await session.commit()


async def test_ping_fails_when_the_database_is_gone(tmp_path: Path) -> None:
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with pytest.raises(OSError, match=r"Connect call failed|refused"):
        await db.ping()
    await db.dispose()


@pytest.mark.parametrize(
    ("name", "value"),
    [("a%00b", 1), ("big", 2**40)],  # a NUL in text; a number past INTEGER's range
    ids=["nul-in-text", "integer-overflow"],
)
async def test_a_value_the_database_refuses_is_a_422_problem_not_a_500(
    db: Database, name: str, value: int
) -> None:
    import httpx
    from fastapi import APIRouter

    from marketplace_platform.http import create_service_app
    from marketplace_platform.settings import ServiceSettings

    router = APIRouter(tags=["counters"])

    @router.post("/counters/{name}")
    async def create_counter(name: str) -> dict[str, str]:
        """Store a counter under a caller-chosen name."""
        async with db.session() as session:
            session.add(Counter(name=name, value=value))
            await session.commit()
        return {"name": name}

    settings = ServiceSettings(environment="test", access_log=False)
    app = create_service_app(settings, title="t", routers=[router])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post(f"/counters/{name}")
    if db.dialect == "sqlite":
        assert response.status_code == 200  # SQLite stores both as they are
    else:
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("typed", "used"),
    [
        ("sqlite:///var/auth.db", "sqlite+aiosqlite:///var/auth.db"),
        ("postgresql://u:p@db:5432/auth", "postgresql+asyncpg://u:p@db:5432/auth"),
        ("sqlite+aiosqlite:///var/auth.db", "sqlite+aiosqlite:///var/auth.db"),
        ("postgresql+asyncpg://u:p@db/auth", "postgresql+asyncpg://u:p@db/auth"),
    ],
)
def test_a_url_without_a_driver_gets_the_async_one(typed: str, used: str) -> None:
    assert async_url(typed) == used


async def test_a_plain_sqlite_url_opens(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        async with database.read_session() as session:
            assert await session.scalar(text("SELECT 1")) == 1
    finally:
        await database.dispose()


async def test_a_postgres_connection_is_pinged_only_after_sitting_idle(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite's connections are files: nothing to ping")
    database = Database(db.url, pool_size=1, ping_after_idle=0.2)
    pings: list[object] = []
    ping = database.engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    try:
        for _ in range(3):  # opened, then back in use at once
            async with database.session() as session:
                assert await session.scalar(text("SELECT 1")) == 1
        assert pings == []
        await asyncio.sleep(0.3)
        async with database.session() as session:
            assert await session.scalar(text("SELECT 1")) == 1
        assert len(pings) == 1
    finally:
        await database.dispose()


async def test_a_postgres_connection_the_server_dropped_while_idle_is_replaced_unseen(
    db: Database,
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite's connections are files: nothing to drop")
    database = Database(db.url, pool_size=1, ping_after_idle=0.2)
    try:
        async with database.session() as session:
            dropped = await session.scalar(text("SELECT pg_backend_pid()"))
        async with db.session() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        await asyncio.sleep(0.3)
        async with database.session() as session:
            now = await session.scalar(text("SELECT pg_backend_pid()"))
        assert now is not None
        assert now != dropped  # the dropped one was replaced, and the query never saw it
    finally:
        await database.dispose()
