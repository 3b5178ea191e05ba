"""A unit of work that stores to lists, for unit tests of a service's use cases.

A service's own fake subclasses ``FakeUnitOfWork`` and builds fake repositories (dicts) in
``open``, exactly where its real unit of work builds SQL ones, so a use case runs unchanged
against either. What the fake records is what a test asserts on: ``committed`` events, the
number of commits and rollbacks, after-commit actions run. Event claims (``claim_event``)
are a set of ``(consumer, event id)`` kept across blocks like the inbox table, a claim
counting once its block commits, so a consumer's redelivered event is applied once here too.
"""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Self, TypeVar

from marketplace_contracts import Envelope, Event
from marketplace_platform.events.unit_of_work import UnitOfWorkBase

E = TypeVar("E", bound=Event)


class FakeUnitOfWork(UnitOfWorkBase):
    def __init__(self, *, source: str = "tests") -> None:
        super().__init__(source=source)
        self.committed: list[Envelope] = []
        self.commits = 0
        self.rollbacks = 0
        self._pending: list[Envelope] = []
        self.claimed: set[tuple[str, uuid.UUID]] = set()
        self._claiming: set[tuple[str, uuid.UUID]] = set()
        self._opened = False
        self._done = False

    async def __aenter__(self) -> Self:
        if not self._opened:  # one set of repositories, kept across blocks like a database
            self.open()
            self._opened = True
        self._done = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._done:
            await self.rollback()

    def events(self, kind: type[E]) -> list[E]:
        """The committed events of one type, as their payloads."""
        return [envelope.parse(kind) for envelope in self.committed if envelope.type == kind.TYPE]

    @property
    def event_types(self) -> list[str]:
        return [envelope.type for envelope in self.committed]

    async def claim_event(self, consumer: str, envelope: Envelope) -> bool:
        claim = (consumer, envelope.id)
        if claim in self.claimed or claim in self._claiming:
            return False
        self._claiming.add(claim)
        return True

    def _store_event(self, envelope: Envelope) -> None:
        self._pending.append(envelope)

    async def _commit(self) -> None:
        self.committed.extend(self._pending)
        self._pending.clear()
        self.claimed |= self._claiming
        self._claiming.clear()
        self.commits += 1
        self._done = True

    async def _rollback(self) -> None:
        self._pending.clear()
        self._claiming.clear()
        self.rollbacks += 1
        self._done = True
