"""The unit of work: one database transaction, and the events it gives rise to.

Only the unit of work commits; repositories never do. Events recorded with ``publish`` are
written to the outbox in the same transaction as the state change, so either both happen or
neither does. After the commit the relay is nudged to publish at once instead of at its next
poll.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_contracts import Envelope, Event
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.models import OutboxMessage
from marketplace_platform.ids import new_id
from marketplace_platform.tracing import current_traceparent


class UnitOfWork:
    def __init__(
        self,
        db: Database,
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._source = source
        self._on_commit = on_commit
        self._session: AsyncSession | None = None
        self._pending = 0

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._db.sessionmaker()
        await self._session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc_type is None and session.in_transaction():
                # Leaving the block without commit() means the work is abandoned.
                await session.rollback()
            elif exc_type is not None:
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    def publish(self, event: Event) -> Envelope:
        """Record an event to go out with this transaction."""
        envelope = Envelope.wrap(
            event, id=new_id(), source=self._source, traceparent=current_traceparent()
        )
        self.session.add(
            OutboxMessage(
                id=envelope.id,
                subject=envelope.type,
                envelope=envelope.model_dump(mode="json"),
                created_at=utcnow(),
            )
        )
        self._pending += 1
        return envelope

    async def commit(self) -> None:
        await self.session.commit()
        if self._pending and self._on_commit is not None:
            self._on_commit()
        self._pending = 0

    async def rollback(self) -> None:
        await self.session.rollback()
        self._pending = 0
