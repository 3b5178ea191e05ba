"""The base of a domain aggregate: an entity that records the events its changes give rise to.

An aggregate's methods check the rules and change its state; each change that other services
(or this one's own follow-ups) must hear of is ``record``-ed as an event on the aggregate.
The unit of work that loaded or added the aggregate collects those events at commit and writes
them to the outbox in the same transaction, so the use case never publishes by hand and a
change cannot be stored without its event (Cosmic Python, chapter 8).

Plain Python on purpose: domain modules import this and nothing from the database or the web.
An object the ORM loads is built without ``__init__``, so the list is made on first use.
"""

from __future__ import annotations

from marketplace_contracts import Event

_EVENTS = "_recorded_events"


class Aggregate:
    """Mixin for a domain entity that records events."""

    __slots__ = ()

    def record(self, event: Event) -> None:
        """Note ``event`` to be published with the transaction that stores this change."""
        self.__dict__.setdefault(_EVENTS, []).append(event)

    def pull_events(self) -> list[Event]:
        """The events recorded since the last pull, oldest first; the aggregate forgets them."""
        return self.__dict__.pop(_EVENTS, [])

    @property
    def pending_events(self) -> tuple[Event, ...]:
        """What ``pull_events`` would return, without taking it (for tests and assertions)."""
        return tuple(self.__dict__.get(_EVENTS, ()))
