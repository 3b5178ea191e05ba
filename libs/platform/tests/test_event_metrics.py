"""``/metrics`` shows the event pipeline: the outbox's backlog, each consumer's lag and its
dead letters, read when scraped."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import orjson
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from marketplace_contracts import Envelope, Event
from marketplace_platform.db import Database
from marketplace_platform.event_metrics import EventMetrics
from marketplace_platform.events import EventBus, UnitOfWork

pytestmark = pytest.mark.integration

Eventually = Callable[..., Awaitable[None]]


class Pinged(Event):
    TYPE = "tests.thing.pinged.v1"


async def _publish(bus: EventBus, service: str, msg_id: str) -> None:
    envelope = Envelope(id=uuid.uuid4(), type=f"{service}.thing.pinged.v1", source=service, data={})
    await bus.publish(envelope.type, orjson.dumps(envelope.model_dump(mode="json")), msg_id=msg_id)


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_backlog_lag_and_dead_letters_are_read_at_each_scrape(
    platform_db: Database, bus: EventBus, service: str, eventually: Eventually
) -> None:
    registry = CollectorRegistry()
    metrics = EventMetrics(registry, service=service, db=platform_db, bus=bus)
    for _ in range(2):
        async with UnitOfWork(platform_db, source=service) as uow:
            uow.publish(Pinged())
            await uow.commit()

    async def refuse(envelope: Envelope) -> None:
        raise ValueError("no")

    # Consumer names are the tests' own: the dead-letter stream is shared by the server.
    picky = f"picky-{service}"
    bus.consume(picky, [f"{service}.>"], refuse, max_deliver=1, backoff=[0.01])
    for n in range(3):
        await _publish(bus, service, f"m{n}")

    stream = bus.consumers[0][1]

    # One scrape reads the consumer, then the dead-letter stream: a message delivered and parked
    # between the two reads shows as pending and parked at once. The next scrape agrees.
    async def all_parked() -> bool:
        await metrics.observe()
        parked = _value(registry, "dead_letters", service=service, consumer=picky)
        pending = _value(
            registry, "consumer_pending_messages", service=service, consumer=picky, stream=stream
        )
        return parked == 3 and pending == 0

    await eventually(all_parked)
    assert _value(registry, "outbox_backlog", service=service) == 2
    assert (_value(registry, "outbox_oldest_unpublished_seconds", service=service) or 0) >= 0
    assert b"consumer_ack_pending_messages" in generate_latest(registry)


async def test_a_consumers_lag_is_what_it_has_not_been_given_yet(
    platform_db: Database, bus: EventBus, service: str, eventually: Eventually
) -> None:
    registry = CollectorRegistry()
    metrics = EventMetrics(registry, service=service, db=platform_db, bus=bus)
    release = asyncio.Event()

    async def stuck(envelope: Envelope) -> None:
        await release.wait()

    slow = f"slow-{service}"
    bus.consume(slow, [f"{service}.>"], stuck, batch=1, concurrency=1)
    for n in range(5):
        await _publish(bus, service, f"l{n}")
    stream = bus.consumers[0][1]
    labels = {"service": service, "consumer": slow, "stream": stream}

    async def lagging() -> bool:
        await metrics.observe()
        pending = _value(registry, "consumer_pending_messages", **labels) or 0
        in_work = _value(registry, "consumer_ack_pending_messages", **labels) or 0
        return in_work >= 1 and pending + in_work == 5

    try:
        await eventually(lagging)
        assert (_value(registry, "consumer_pending_messages", **labels) or 0) >= 1
    finally:
        release.set()
