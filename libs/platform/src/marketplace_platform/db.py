"""Async SQLAlchemy for both engines this project runs on: SQLite (WAL) and PostgreSQL.

``Database`` owns one engine and its session factory. SQLite gets the pragmas a server-like
workload needs (WAL so readers never wait for the writer, a busy timeout instead of instant
"database is locked", foreign keys on), a queue for its one writer (``_SQLiteWriters``), and
a driver that calls ``sqlite3`` on the event loop's thread, moving only long reads to a
thread (``SQLiteOnTheLoop``). Column types here behave the same on both engines.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, exc, pool, text
from sqlalchemy.dialects import postgresql, registry, sqlite
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator, Uuid
from sqlalchemy.util.concurrency import await_

# Deterministic constraint names, so Alembic migrations are the same on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PlatformBase(DeclarativeBase):
    """Tables every service database has: the outbox and the inbox (see ``events``)."""

    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


def dialect_insert(session: AsyncSession) -> Any:
    """The ``insert`` of the session's engine, for ``INSERT ... ON CONFLICT DO NOTHING``:
    SQLAlchemy spells it per dialect, and both of ours support it."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"INSERT ... ON CONFLICT on {name} is not supported")


_statements: dict[tuple[Any, ...], Any] = {}


def dialect_statement(
    session: AsyncSession, key: tuple[Any, ...], build: Callable[[Any], Any]
) -> Any:
    """The statement ``build(insert)`` makes (``insert``: the session's engine's,
    ``dialect_insert``), built once per dialect and ``key`` and kept. For statements written
    with a list of rows (``session.execute(statement, rows)``: the driver's executemany, or
    SQLAlchemy's "insertmanyvalues" for one with ``RETURNING``): unlike a multi-row
    ``.values([...])``, whose shape changes with the number of rows and which SQLAlchemy
    compiles anew each time, its compiled form comes from SQLAlchemy's cache."""
    dialect = session.get_bind().dialect.name
    statement = _statements.get((dialect, *key))
    if statement is None:
        statement = _statements[(dialect, *key)] = build(dialect_insert(session))
    return statement


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


BUSY_TIMEOUT = 10.0  # seconds a writer waits for SQLite's write lock before it gives up


class _Done:
    """An awaitable that is done at once."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield


_DONE = _Done()


# A read that runs longer than this on the event loop's thread is moved to a thread of its
# own (``_Connection.read``); SQLite looks at the clock every ``_PROGRESS_EVERY`` of its
# virtual machine's steps (~20 µs apart).
READ_ON_THE_LOOP = 0.001
_PROGRESS_EVERY = 1000
_long_reads: ThreadPoolExecutor | None = None


def _long_read_threads() -> ThreadPoolExecutor:
    global _long_reads
    if _long_reads is None:
        _long_reads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sqlite-long-read")
    return _long_reads


class _Cursor(sqlite3.Cursor):
    """``sqlite3``'s cursor, as SQLAlchemy's asyncio layer expects a cursor to be. In a read
    transaction it reads every row at once (``_Connection.read``) and hands them out from
    that list."""

    _rows: deque[Any] | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        # ``AsyncConnection.execute`` checks that the driver awaited something (an async
        # driver always does) and refuses to go on otherwise: one switch out of SQLAlchemy's
        # greenlet and back, ~1 µs, says so.
        await_(_DONE)
        connection = self.connection
        if isinstance(connection, _Connection) and connection.reading:
            self._rows = deque(connection.read(self, sql, parameters))
            return self
        self._rows = None
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        await_(_DONE)
        self._rows = None
        return super().executemany(sql, seq_of_parameters)

    def execute_and_fetch(self, sql: str, parameters: Any) -> list[Any]:
        super().execute(sql, parameters)
        return super().fetchall()

    def fetchone(self) -> Any:
        if self._rows is None:
            return super().fetchone()
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        if size is None:
            size = self.arraysize
        if self._rows is None:
            return super().fetchmany(size)
        rows = self._rows
        return [rows.popleft() for _ in range(min(size, len(rows)))]

    def fetchall(self) -> list[Any]:
        if self._rows is None:
            return super().fetchall()
        rows, self._rows = list(self._rows), deque()
        return rows

    async def _async_soft_close(self) -> None:
        """SQLAlchemy awaits this after a statement, so that an async driver can free its
        cursor; the rows of this one are read in place when asked for: nothing to do."""


def _plain_cursor(dbapi_connection: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor for the platform's own statements (BEGIN ...), outside SQLAlchemy."""
    return dbapi_connection.cursor(sqlite3.Cursor)


class _Connection(sqlite3.Connection):
    """``sqlite3``'s connection, used on the event loop's thread; long reads leave it.

    ``reading`` is true during a read transaction (``Database.read_session``, begun
    DEFERRED). A read starts on the loop's thread: most take tens of µs, less than a thread
    hand-off. One still running after ``READ_ON_THE_LOOP`` (a search over a large catalog
    takes 10-80 ms) is interrupted, and run again from the start on a thread while the loop
    serves others: SQLite works without Python's lock there, so on another core. An
    interrupted ``SELECT`` leaves its transaction, and so the snapshot it reads, as it was.
    """

    reading = False

    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def read(self, cursor: _Cursor, sql: str, parameters: Any) -> list[Any]:
        deadline = time.perf_counter() + READ_ON_THE_LOOP
        moved = False

        def over_time() -> bool:
            nonlocal moved
            moved = time.perf_counter() > deadline
            return moved  # true: SQLite stops the statement with SQLITE_INTERRUPT

        self.set_progress_handler(over_time, _PROGRESS_EVERY)
        try:
            return cursor.execute_and_fetch(sql, parameters)
        except sqlite3.OperationalError:
            if not moved:
                raise
        finally:
            self.set_progress_handler(None, 0)
        return await_(self._in_a_thread(cursor, sql, parameters))

    async def _in_a_thread(self, cursor: _Cursor, sql: str, parameters: Any) -> list[Any]:
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(
            _long_read_threads(), cursor.execute_and_fetch, sql, parameters
        )
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            # The connection goes back to the pool once this returns: the thread must be done
            # with it first. SQLite stops the statement at its next step.
            self.interrupt()
            await asyncio.wait({running})
            if not running.cancelled():
                running.exception()  # "interrupted", as asked: no error to report
            raise


class SQLiteOnTheLoop(SQLiteDialect_pysqlite):
    """SQLite for asyncio with the standard library's ``sqlite3`` called on the event loop's
    own thread.

    aiosqlite runs every call on a thread of its own and hands the result back to the loop:
    SQLAlchemy's adapter makes four such hand-offs per statement (cursor, execute, fetch,
    close) and one per BEGIN, COMMIT and ROLLBACK, ~100 µs of CPU each, where the statement
    itself takes tens of µs under WAL with ``synchronous=NORMAL``. Called in place, a
    transaction costs what SQLAlchemy and SQLite cost. What could block the loop is waiting
    for the write lock another process holds: ``_SQLiteWriters`` never lets SQLite wait for
    it (it tries ``BEGIN IMMEDIATE`` and, if the lock is taken, sleeps in the loop between
    tries).
    """

    driver = "onloop"
    is_async = True  # for ``create_async_engine``: its calls run in SQLAlchemy's greenlet
    supports_statement_cache = True
    # A connection dropped without being returned (a cancelled task's, found by the garbage
    # collector) is closed, which ends its transaction and frees the write lock.
    has_terminate = True

    def create_connect_args(self, url: Any) -> Any:
        args, kwargs = super().create_connect_args(url)
        # A long read runs on another thread; the pool lends a connection to one user at a
        # time.
        return args, {**kwargs, "factory": _Connection, "check_same_thread": False}

    @classmethod
    def get_pool_class(cls, url: Any) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def do_terminate(self, dbapi_connection: Any) -> None:
        dbapi_connection.close()


registry.register("sqlite.onloop", __name__, "SQLiteOnTheLoop")


def _database_is_locked() -> sqlite3.OperationalError:
    """What SQLite itself says when its busy timeout runs out."""
    return sqlite3.OperationalError("database is locked")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the driver so that ``_SQLiteWriters.begin`` decides its mode.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never wait for the writer, and a commit appends to the log instead of
    # rewriting pages; with it, NORMAL syncs at checkpoints only, and a power cut can lose
    # the last commits but never corrupts the file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Writers of other processes on the same file (replicas, the CLI) meet here.
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.close()


class _SQLiteWriters:
    """The write transactions of one engine take SQLite's write lock one after another, in
    the order they asked, queued in the event loop; and none waits for it inside SQLite.

    Every transaction but a read session begins IMMEDIATE, i.e. takes the file's one write
    lock first. Left to SQLite, a writer that finds it taken sleeps in the busy handler and
    tries again (after 1, 2, 5, 10 ... up to 100 ms): with a few consumers and requests
    writing at once, most of a transaction's time was that sleep, with the lock free. Here a
    writer waits on an ``asyncio.Lock`` instead and begins the moment the one before it has
    committed or rolled back.

    A writer of another process (a replica, the CLI) may hold the lock too. Since statements
    run on the event loop's thread (``SQLiteOnTheLoop``), SQLite's busy handler would stop the
    whole loop while it waited: so ``BEGIN IMMEDIATE`` is tried with no busy timeout, and on
    "database is locked" the writer sleeps in the loop (1, 2, 4 ... at most
    ``_RETRY_AT_MOST`` seconds) and tries again, for ``BUSY_TIMEOUT`` in all.
    """

    _RETRY_AT_MOST = 0.01  # the lock may stay free this long before a waiting writer sees it

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holder: object | None = None  # the DBAPI connection in its write transaction

    def install(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "begin", self.begin)
        dialect = engine.sync_engine.dialect
        # Every way a transaction ends comes through one of these: commit, rollback (the
        # pool's reset on return included), and closing or dropping a broken connection.
        for name in ("do_commit", "do_rollback", "do_close", "do_terminate"):
            setattr(dialect, name, self._then_release(getattr(dialect, name)))

    def begin(self, conn: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if conn.get_execution_options().get("sqlite_read_only"):
            # A deferred transaction that reads and then writes must upgrade its snapshot to
            # a write lock, and under WAL that fails at once (SQLITE_BUSY_SNAPSHOT) if another
            # writer got in between: so only ``Database.read_session`` begins DEFERRED.
            _plain_cursor(dbapi_connection).execute("BEGIN DEFERRED")
            dbapi_connection.reading = True
            return
        await_(self._begin_immediate(dbapi_connection))

    async def _begin_immediate(self, dbapi_connection: sqlite3.Connection) -> None:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop, self._holder = asyncio.Lock(), loop, None
        try:
            async with asyncio.timeout(BUSY_TIMEOUT):
                await self._lock.acquire()
        except TimeoutError:
            raise _database_is_locked() from None
        self._holder = dbapi_connection
        try:
            await self._take_the_file_lock(dbapi_connection, loop.time() + BUSY_TIMEOUT)
        except BaseException:
            self._release(dbapi_connection)
            raise

    async def _take_the_file_lock(
        self, dbapi_connection: sqlite3.Connection, deadline: float
    ) -> None:
        cursor = _plain_cursor(dbapi_connection)
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            delay = 0.001
            while True:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    # Another process holds the lock (SQLITE_BUSY, extended codes included).
                    if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                        raise
                    if asyncio.get_running_loop().time() + delay > deadline:
                        raise _database_is_locked() from error
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._RETRY_AT_MOST)
        finally:
            cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")

    def _release(self, dbapi_connection: object) -> None:
        if self._holder is not None and self._holder is dbapi_connection:
            self._holder = None
            if self._lock is not None and self._lock.locked():
                self._lock.release()

    def _then_release(self, end: Any) -> Any:
        def ended(dbapi_connection: Any) -> None:
            try:
                end(dbapi_connection)
            finally:
                # The pool hands its proxy of the connection, the pool's closing the driver's.
                connection = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
                connection.reading = False
                self._release(connection)

        return ended


def json_text(value: Any) -> str:
    """JSON columns as text with non-ASCII kept as is: ``"цвет"``, not ``"\\u0446..."``.
    Half the size for Cyrillic, readable in the database, and SQLite's full-text index can
    read the words of a JSON column."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# The asyncio driver of each engine, for URLs that name none (``sqlite:///path``,
# ``postgresql://...``: what an operator types), which SQLAlchemy would load a sync one for.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """``url`` with the asyncio driver of its engine if it names no driver."""
    parsed = make_url(url)
    driver = ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False) if driver else url


# A pooled connection back in use within this many seconds is not pinged first.
PING_AFTER_IDLE = 1.0


class _PingWhenIdle:
    """The pool's pre-ping, for connections that sat idle: a connection checked out again
    more than ``after`` seconds after it came back is pinged first, and replaced unseen if
    the server dropped it (SQLAlchemy's "pessimistic" recipe: ``DisconnectionError`` from
    the checkout event makes the pool open another). ``pool_pre_ping`` pings at every
    checkout, and on asyncpg a ping is three round trips (``BEGIN``, ``;``, ``ROLLBACK``):
    under load that was 9 % of orders' CPU on PostgreSQL (docs/benchmarks.md, Saga). A
    connection used a moment ago was alive a moment ago; if the server went in between,
    the statement fails as one in flight would, and SQLAlchemy, seeing a disconnect,
    replaces every connection of the pool."""

    def __init__(self, after: float) -> None:
        self.after = after

    def install(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "checkin", self.checkin)
        event.listen(engine.sync_engine, "checkout", self.checkout)
        self.dialect = engine.dialect

    def checkin(self, _dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    def checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < self.after:
            return  # new, or back in use at once
        try:
            self.dialect.do_ping(dbapi_connection)
        except Exception as error:
            if self.dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error
            raise


def create_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, ping_after_idle: float = PING_AFTER_IDLE
) -> AsyncEngine:
    url = async_url(url)
    if is_sqlite(url):
        parsed = make_url(url).set(drivername="sqlite+onloop")
        in_memory = parsed.database in (None, "", ":memory:")
        engine = create_async_engine(
            parsed,
            echo=echo,
            # One writer at a time is SQLite's rule; a small pool of connections lets readers
            # run beside it under WAL. In-memory databases must share one connection.
            poolclass=NullPool if in_memory else None,
            # Writers wait for their turn holding a connection (``_SQLiteWriters``): room
            # for them and for the readers beside them.
            **({} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size}),
            connect_args={"timeout": 10},
            json_serializer=json_text,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _SQLiteWriters().install(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        json_serializer=json_text,
    )
    _PingWhenIdle(ping_after_idle).install(engine)
    return engine


class Database:
    """An engine and its session factory; one per service process."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        ping_after_idle: float = PING_AFTER_IDLE,
    ) -> None:
        self.url = url
        self.engine = create_engine(
            url, pool_size=pool_size, echo=echo, ping_after_idle=ping_after_idle
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Same pool; on SQLite these transactions begin DEFERRED and so never queue behind a
        # writer. Use it for queries that change nothing.
        self.read_engine = self.engine.execution_options(sqlite_read_only=True)
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        async with self.read_sessionmaker() as session:
            yield session

    async def ping(self) -> None:
        # A read: on SQLite it must not queue behind the writers (a readiness probe that
        # times out takes the service out of rotation).
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
