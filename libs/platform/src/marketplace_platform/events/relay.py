"""The outbox relay: publishes what units of work wrote to the outbox, in order, forever.

Every row goes out with ``Nats-Msg-Id`` = its event id, so a row published twice (the relay
died between the publish and marking the row) is stored once by JetStream. A batch is
published pipelined: the events about different things (the envelope's ``subject``: an
order, a user) are sent together and their acks awaited together, while those about the same
thing go one after another, each once the one before it is stored. A row that fails stops its
key: nothing newer about the same thing overtakes it, so each thing's events reach the stream
in the order they were committed (the order consumers keep, see ``bus``). Every row the
server acknowledged is marked published in one statement. While NATS is down the relay
retries with exponential backoff and the outbox simply grows; nothing is dropped.

Several relays may share a database: the replicas of a service (``--replicas``). On
PostgreSQL they take rows with ``FOR UPDATE SKIP LOCKED``; on SQLite, where rows cannot be
locked, they take turns through a lock file beside the database (``<file>.relay-lock``), so
a row is never sent by two relays at once and never out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Row, delete, exists, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.cancellation import cancel_and_wait
from marketplace_platform.events.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 1000
LOCK_SUFFIX = ".relay-lock"
LOCK_POLL = 0.01  # seconds between tries while another relay of the same file drains

_OutboxRow = Row[tuple[uuid.UUID, str, dict[str, Any]]]
Failure = tuple[uuid.UUID, Exception]


def backoff_delay(failures: int, *, initial: float, limit: float) -> float:
    """Doubling delays from ``initial`` up to ``limit``, after ``failures`` failures in a row."""
    # The exponent is capped so that a days-long outage cannot overflow the float.
    return min(limit, initial * 2 ** min(max(failures - 1, 0), 32))


def drain_lock_path(database_url: str) -> Path | None:
    """The lock file the relays of one SQLite file take turns with; None for an in-memory
    database, which no other process can see."""
    database = make_url(database_url).database
    if database in (None, "", ":memory:") or database.startswith("file::memory:"):
        return None
    return Path(database + LOCK_SUFFIX)


@contextlib.asynccontextmanager
async def taking_turns(path: Path | None) -> AsyncIterator[None]:
    """Hold ``path``'s exclusive lock (flock) meanwhile. Another process's relay or another
    relay of this one (each opens the file anew) waits for its turn; the kernel lets go of
    the lock of a process that dies, so a crash never blocks the others."""
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # Polled rather than blocking in a thread, so that cancelling the wait
                # (a stopping service) leaves no thread behind that would take it later.
                await asyncio.sleep(LOCK_POLL)
        yield
    finally:
        os.close(fd)  # releases the lock


def first_error(failures: list[Failure]) -> Exception | None:
    return failures[0][1] if failures else None


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        retention: timedelta = timedelta(days=7),
        prune_interval: float = 3600.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self._db = db
        self._bus = bus
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._retention = retention
        self._prune_interval = prune_interval
        self._stop_timeout = stop_timeout
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_prune: float | None = None
        self._lock_path = drain_lock_path(db.url) if db.dialect == "sqlite" else None

    def notify(self) -> None:
        """Something was committed to the outbox: publish now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)
        # A last pass so that events committed just before shutdown do not wait for the next
        # start; whatever does not make it stays in the outbox.
        if self._bus.connected:
            try:
                await asyncio.wait_for(self.drain_once(), self._stop_timeout)
            except Exception as error:
                log.debug("final outbox drain did not finish: %s", error)

    async def drain_once(self) -> int:
        """Publish one batch; return how many rows were published."""
        published, _ = await self._drain()
        return published

    async def prune(self) -> int:
        """Delete rows published longer ago than the retention; return how many."""
        cutoff = utcnow() - self._retention
        async with self._db.session() as session, session.begin():
            result = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.published_at.is_not(None),
                    OutboxMessage.published_at < cutoff,
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _run(self) -> None:
        failures = 0
        while True:
            # Cleared before draining: a commit that lands during the drain wakes the next one.
            self._wake.clear()
            try:
                published, error = await self._drain()
            except Exception as db_error:
                published, error = 0, db_error
            if error is not None:
                failures += 1
                delay = backoff_delay(failures, initial=self._min_backoff, limit=self._max_backoff)
                if failures == 1:
                    log.warning("outbox relay cannot publish, retrying with backoff: %s", error)
                else:
                    log.debug("outbox relay still failing (%d), next try in %.1fs", failures, delay)
                await asyncio.sleep(delay)
                continue
            if failures:
                log.info("outbox relay publishing again after %d failed tries", failures)
                failures = 0
            await self._prune_now_and_then()
            if published >= self._batch_size:
                continue  # there is probably more waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)

    async def _drain(self) -> tuple[int, Exception | None]:
        if self._db.dialect == "postgresql":
            return await self._drain_locking()
        return await self._drain_single()

    async def _drain_single(self) -> tuple[int, Exception | None]:
        # SQLite: the relays of every replica on this file take turns (see the module's
        # docstring), so the rows one reads are marked before the next one looks. Publishing
        # outside any transaction keeps SQLite's single write lock free for the service.
        async with taking_turns(self._lock_path):
            async with self._db.read_session() as session:
                rows = (await session.execute(self._pending_query())).all()
            if not rows:
                return 0, None
            published, failures = await self._publish(rows)
            async with self._db.session() as session, session.begin():
                await self._record(session, published, failures)
        return len(published), first_error(failures)

    async def _drain_locking(self) -> tuple[int, Exception | None]:
        # PostgreSQL, where a service may run several replicas: FOR UPDATE SKIP LOCKED lets
        # each relay take rows no other relay is sending, so replicas do not double-send (and
        # if they did, JetStream's duplicate window would store the event once anyway).
        async with self._db.session() as session, session.begin():
            query = self._pending_query().with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return 0, None
            # Skipping locked rows must not mean overtaking them: if an older row is still
            # unpublished, another relay is sending it, and ours wait for the next round.
            older_in_flight = await session.scalar(
                select(
                    exists().where(
                        OutboxMessage.published_at.is_(None), OutboxMessage.id < rows[0].id
                    )
                )
            )
            if older_in_flight:
                return 0, None
            published, failures = await self._publish(rows)
            await self._record(session, published, failures)
        return len(published), first_error(failures)

    def _pending_query(self) -> Any:
        return (
            select(OutboxMessage.id, OutboxMessage.subject, OutboxMessage.envelope)
            .where(OutboxMessage.published_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(self._batch_size)
        )

    async def _publish(self, rows: Sequence[_OutboxRow]) -> tuple[list[uuid.UUID], list[Failure]]:
        """Publish every key's rows in order, the keys side by side; return the rows stored
        and the failed ones (at most one a key: the rest of its rows wait for the next round).
        """
        by_key: dict[str | None, list[_OutboxRow]] = {}
        for row in rows:
            subject = row.envelope.get("subject")
            by_key.setdefault(subject if isinstance(subject, str) else None, []).append(row)
        published: list[uuid.UUID] = []
        failures: list[Failure] = []

        async def publish_in_order(key_rows: list[_OutboxRow]) -> None:
            for event_id, subject, envelope in key_rows:
                try:
                    await self._publish_one(event_id, subject, envelope)
                except Exception as error:
                    failures.append((event_id, error))
                    return
                published.append(event_id)

        # Started in the rows' order, so the first event of every key leaves in commit order.
        await asyncio.gather(*(publish_in_order(key_rows) for key_rows in by_key.values()))
        return published, failures

    async def _publish_one(
        self, event_id: uuid.UUID, subject: str, envelope: dict[str, Any]
    ) -> None:
        headers = {}
        traceparent = envelope.get("traceparent")
        if isinstance(traceparent, str):
            headers["traceparent"] = traceparent
        await self._bus.publish(
            subject, orjson.dumps(envelope), msg_id=str(event_id), headers=headers
        )

    async def _record(
        self, session: AsyncSession, published: list[uuid.UUID], failures: list[Failure]
    ) -> None:
        if published:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(published))
                .values(published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
            )
        for failed, error in failures:
            message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == failed)
                .values(attempts=OutboxMessage.attempts + 1, last_error=message)
            )

    async def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if self._last_prune is not None and now - self._last_prune < self._prune_interval:
            return
        self._last_prune = now
        try:
            pruned = await self.prune()
        except Exception as error:
            log.warning("could not prune the outbox: %s", error)
            return
        if pruned:
            log.debug("pruned %d published outbox rows", pruned)
