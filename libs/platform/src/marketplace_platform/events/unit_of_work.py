"""The unit of work: the single door to a service's state for one use case.

One unit of work is one database transaction. It holds the service's repositories (a
service subclasses ``UnitOfWork`` and builds them in ``open``, so use cases reach
``uow.orders``, ``uow.payments`` ... and never build a repository or touch a session), and it
is the only thing that commits. At commit it:

1. collects the events recorded by every aggregate its repositories loaded or added
   (``track``), plus any published directly, and writes them to the outbox in the same
   transaction, so a change and its events are stored together or not at all;
2. commits;
3. nudges the relay to publish at once instead of at its next poll;
4. runs the *after-commit actions* use cases asked for (``after_commit``): the calls to other
   services a decision owes, tried right away, side by side when there are several (a group
   commit's events each owe their own). They only hasten what a durable record already
   guarantees, so their failure is logged, never raised.

A consumer's unit of work also *claims* the event it applies (``claim_event``): the claim is
stored in the same transaction as the effect, so an event JetStream delivers again is
applied once (``events.inbox``).

``UnitOfWorkBase`` holds that protocol without a database; ``UnitOfWork`` stores to SQL and
``marketplace_platform.testing.fakes.FakeUnitOfWork`` to lists, so use cases can be unit-tested
without a database (Cosmic Python, chapter 6).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_contracts import Envelope, Event
from marketplace_platform.aggregates import Aggregate
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database, dialect_insert, dialect_statement
from marketplace_platform.events.models import InboxMessage, OutboxMessage
from marketplace_platform.ids import new_id
from marketplace_platform.tracing import current_traceparent

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)
AfterCommit = Callable[[], Awaitable[object]]


class UnitOfWorkBase:
    """What every unit of work does, whatever it stores to."""

    def __init__(self, *, source: str) -> None:
        self.source = source
        self._seen: list[Aggregate] = []
        self._after: list[AfterCommit] = []
        self._stored = 0  # events written to the outbox in this transaction

    # -- what use cases and repositories call -------------------------------------------

    def track(self, aggregate: A) -> A:
        """Repositories call this for each aggregate they load or add: its recorded events
        go out with the commit."""
        if not any(seen is aggregate for seen in self._seen):
            self._seen.append(aggregate)
        return aggregate

    def publish(self, event: Event) -> Envelope:
        """Record an event that belongs to no aggregate, to go out with this transaction."""
        envelope = Envelope.wrap(
            event, id=new_id(), source=self.source, traceparent=current_traceparent()
        )
        self._store_event(envelope)
        self._stored += 1
        return envelope

    def after_commit(self, action: AfterCommit) -> None:
        """Run ``action`` once this unit of work has committed (never if it does not)."""
        self._after.append(action)

    async def commit(self) -> None:
        for aggregate in self._seen:
            for event in aggregate.pull_events():
                self.publish(event)
        await self._commit()
        self._seen.clear()
        actions, self._after = self._after, []
        if self._stored:
            self._stored = 0
            self._committed_events()
        if len(actions) == 1:
            await _run_after_commit(actions[0])
        elif actions:
            # Side by side: a group commit's events each owe their own (a call to another
            # service apiece), and none waits for another's.
            await asyncio.gather(*(_run_after_commit(action) for action in actions))

    async def rollback(self) -> None:
        for aggregate in self._seen:
            aggregate.pull_events()
        self._seen.clear()
        self._after.clear()
        self._stored = 0
        await self._rollback()

    # -- what a store implements ---------------------------------------------------------

    async def __aenter__(self) -> Self:
        """Begin the transaction (and ``open`` the repositories)."""
        raise NotImplementedError

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End it: work left without ``commit`` is abandoned."""
        raise NotImplementedError

    async def claim_event(self, consumer: str, envelope: Envelope) -> bool:
        """Record in this transaction that ``consumer`` applied the event; False if it had
        already (a redelivery, a replay), and the caller must then change nothing. The
        claim stands or falls with the transaction: a rolled-back effect leaves the event
        unclaimed for the next delivery."""
        raise NotImplementedError

    async def claim_events(self, consumer: str, envelopes: Sequence[Envelope]) -> list[bool]:
        """``claim_event`` for each event, in order (an event listed twice is claimed by its
        first place only); a store may claim them all in one statement."""
        return [await self.claim_event(consumer, envelope) for envelope in envelopes]

    def open(self) -> None:
        """Build the repositories (subclasses); called when the unit of work begins."""

    def _store_event(self, envelope: Envelope) -> None:
        raise NotImplementedError

    async def _commit(self) -> None:
        raise NotImplementedError

    async def _rollback(self) -> None:
        raise NotImplementedError

    def _committed_events(self) -> None:
        """Events went out with the commit just made."""


async def _run_after_commit(action: AfterCommit) -> None:
    try:
        await action()
    except Exception:
        log.exception("an after-commit action failed; its durable record remains")


class UnitOfWork(UnitOfWorkBase):
    """A unit of work on the service's SQL database. Subclasses add repositories::

        class OrdersUnitOfWork(UnitOfWork):
            def open(self) -> None:
                self.orders = OrderRepository(self.session, track=self.track)

    ``read_only``: for use cases that only read. Its transaction begins as
    ``Database.read_session``'s do (on SQLite, deferred: it never queues behind a writer),
    and it cannot commit.
    """

    def __init__(
        self,
        db: Database,
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(source=source)
        self._db = db
        self._on_commit = on_commit
        self.read_only = read_only
        self._session: AsyncSession | None = None
        # The outbox rows of this transaction, inserted by one Core statement at commit: the
        # ORM's flush of as many objects costs more than the rest of a small use case.
        self._outbox: list[dict[str, Any]] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        sessions = self._db.read_sessionmaker if self.read_only else self._db.sessionmaker
        self._session = sessions()
        await self._session.begin()
        self._outbox.clear()
        self._seen.clear()
        self._after.clear()
        self._stored = 0
        self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            # Leaving the block without commit() means the work is abandoned. One that only
            # read has nothing to undo: closing ends its transaction and, unlike a rollback,
            # leaves what it read readable.
            if not self.read_only and (exc_type is not None or session.in_transaction()):
                await self.rollback()
        finally:
            await session.close()
            self._session = None

    def _store_event(self, envelope: Envelope) -> None:
        self._outbox.append(
            {
                "id": envelope.id,
                "subject": envelope.type,
                "envelope": envelope.model_dump(mode="json"),
                "created_at": utcnow(),
            }
        )

    async def claim_event(self, consumer: str, envelope: Envelope) -> bool:
        # One ``INSERT ... ON CONFLICT DO NOTHING`` on the inbox's primary key: no
        # read-then-write window, so of two replicas racing, exactly one inserts the row.
        statement = (
            dialect_insert(self.session)(InboxMessage)
            .values(
                consumer=consumer,
                event_id=envelope.id,
                event_type=envelope.type,
                processed_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def claim_events(self, consumer: str, envelopes: Sequence[Envelope]) -> list[bool]:
        # One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` executed with the list of rows
        # (SQLAlchemy's "insertmanyvalues": one multi-row statement sent, but compiled once
        # whatever the batch's size): the rows that went in are the events this transaction
        # claimed.
        if not envelopes:
            return []
        now = utcnow()
        unique = list({envelope.id: envelope for envelope in envelopes}.values())
        rows = [
            {
                "consumer": consumer,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "processed_at": now,
            }
            for envelope in unique
        ]
        result = await self.session.execute(_claim_statement(self.session), rows)
        claimed = set(result.scalars())
        found = []
        for envelope in envelopes:
            found.append(envelope.id in claimed)
            claimed.discard(envelope.id)  # a second place of the same event claims nothing
        return found

    async def _commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._outbox:
            await self.session.execute(insert(OutboxMessage.__table__), self._outbox)
            self._outbox.clear()
        await self.session.commit()

    async def _rollback(self) -> None:
        self._outbox.clear()
        await self.session.rollback()

    def _committed_events(self) -> None:
        if self._on_commit is not None:
            self._on_commit()


def _claim_statement(session: AsyncSession) -> Any:
    """The inbox's claim of a list of events."""
    inbox = InboxMessage.__table__
    return dialect_statement(
        session,
        ("inbox-claims",),
        lambda insert: (
            insert(inbox)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(inbox.c.event_id)
        ),
    )


U = TypeVar("U", bound=UnitOfWork)
U_co = TypeVar("U_co", bound=UnitOfWorkBase, covariant=True)


class UnitOfWorkFactory(Protocol[U_co]):
    """What use cases are given: a fresh unit of work per call. ``read_only``: a transaction
    that only reads (on SQLite it never waits for a writer) and cannot commit. A service
    names its own: ``UnitOfWorkFactory[OrdersUnitOfWork]``."""

    def __call__(self, *, read_only: bool = False) -> U_co: ...
