"""The inbox on a fake unit of work: consumers' redelivered events are applied once without a
database, as they are on SQL (``test_events_inbox``), so services can unit-test their
consumers."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from marketplace_contracts import Envelope
from marketplace_platform.events.inbox import consume_once, handle_once
from marketplace_platform.testing.fakes import FakeUnitOfWork

pytestmark = pytest.mark.unit


class FakeTallies(FakeUnitOfWork):
    def open(self) -> None:
        self.tallies: dict[str, int] = {}


def _envelope(kind: str = "tests.thing.happened.v1") -> Envelope:
    return Envelope(id=uuid.uuid4(), type=kind, source="tests", data={})


async def _count(uow: FakeTallies) -> None:
    uow.tallies["seen"] = uow.tallies.get("seen", 0) + 1


async def test_a_redelivered_event_is_applied_once() -> None:
    uow = FakeTallies()
    envelope = _envelope()

    results = [
        await handle_once(uow, consumer="c", envelope=envelope, effect=_count) for _ in range(3)
    ]

    assert results == [True, False, False]
    assert uow.tallies == {"seen": 1}
    assert uow.claimed == {("c", envelope.id)}
    assert uow.commits == 1  # the redeliveries committed nothing


async def test_each_consumer_claims_an_event_for_itself() -> None:
    uow = FakeTallies()
    envelope = _envelope()

    assert await handle_once(uow, consumer="a", envelope=envelope, effect=_count)
    assert await handle_once(uow, consumer="b", envelope=envelope, effect=_count)

    assert uow.tallies == {"seen": 2}


async def test_a_failed_effect_leaves_the_event_unclaimed_for_the_retry() -> None:
    uow = FakeTallies()
    envelope = _envelope()

    async def failing(uow: FakeTallies) -> None:
        raise RuntimeError("downstream trouble")

    with pytest.raises(RuntimeError):
        await handle_once(uow, consumer="c", envelope=envelope, effect=failing)
    assert uow.claimed == set()

    assert await handle_once(uow, consumer="c", envelope=envelope, effect=_count)
    assert uow.tallies == {"seen": 1}


async def test_consume_once_on_a_fake_applies_known_events_once() -> None:
    handlers: list[Callable[[Envelope], Awaitable[None]]] = []

    class Bus:
        def consume(self, durable: str, subjects: Any, handler: Any) -> None:
            handlers.append(handler)

    uow = FakeTallies()
    known, unknown = _envelope(), _envelope("tests.other.v1")
    consume_once(
        Bus(),  # type: ignore[arg-type]
        "c",
        ["tests.>"],
        unit_of_work=lambda: uow,
        effect_of=lambda envelope: _count if envelope.type == known.type else None,
    )
    [handle] = handlers

    for envelope in (known, known, unknown):
        await handle(envelope)

    assert uow.tallies == {"seen": 1}
    assert uow.claimed == {("c", known.id)}
