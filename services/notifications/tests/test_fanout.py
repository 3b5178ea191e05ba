"""Two replicas on one database and a real NATS, on each engine: events are consumed once
by the shared durable consumer, and a push reaches the user's sockets on whichever replica
holds them, over core NATS."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest

from marketplace_contracts import Envelope, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from marketplace_platform.ids import new_id

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def replicas(settings, signer, helpers) -> AsyncIterator[list]:
    async with helpers.running(settings, signer) as one, helpers.running(settings, signer) as two:
        for replica in (one, two):
            async with asyncio.timeout(10):
                await replica.components.runtime.bus.wait_connected()
        yield [one, two]


@pytest.fixture
async def orders_bus(private_nats_server) -> AsyncIterator[EventBus]:
    bus = EventBus(private_nats_server.url, service="orders")
    await bus.start()
    yield bus
    await bus.close()


def status_changed(user_id: uuid.UUID, to: str) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=uuid.uuid4(), user_id=user_id, from_status="processing", to_status=to,
        actor="system", total=1000, currency="RUB", changed_at=datetime.now(UTC),
    )


async def until_subscribed(replicas) -> None:
    """Each replica's core subscription is made once it is connected, in the background."""
    async with asyncio.timeout(10):
        while not all(r.components.runtime.bus._core_subscribed for r in replicas):
            await asyncio.sleep(0.02)


async def test_a_socket_on_one_replica_gets_the_push_of_an_event_handled_by_the_other(
    replicas, helpers
) -> None:
    one, two = replicas
    await until_subscribed(replicas)
    owner = one.user()
    async with one.socket(owner) as socket:
        await helpers.receive(socket, "hello")
        assert one.components.hub.sockets == 1
        assert two.components.hub.sockets == 0
        await two.deliver(status_changed(owner.id, "paid"))  # handled by replica 2
        status = await helpers.receive(socket)
        assert (status["type"], status["data"]["status"]) == ("order.status", "paid")
        assert (await helpers.receive(socket))["type"] == "notification"
        assert await helpers.receive(socket) == {"type": "unread", "data": {"unread": 1}}


async def test_events_from_the_broker_are_handled_once_and_pushed_everywhere(
    replicas, orders_bus, helpers
) -> None:
    one, two = replicas
    await until_subscribed(replicas)
    owner = one.user()
    events = [status_changed(owner.id, to) for to in ("processing", "paid", "delivered")]
    async with one.socket(owner) as on_one, two.socket(owner) as on_two:
        for socket in (on_one, on_two):
            await helpers.receive(socket, "hello")
        for event in events:
            envelope = Envelope.wrap(event, id=new_id(), source="orders")
            payload = orjson.dumps(envelope.model_dump(mode="json"))
            # Twice, under two message ids: JetStream keeps both, the inbox applies one.
            for _ in range(2):
                await orders_bus.publish(envelope.type, payload, msg_id=str(uuid.uuid4()))
        # Each event was handled by one replica; both sockets got every status (a status
        # delivered twice may be pushed twice: it is page state, not news).
        for socket in (on_one, on_two):
            statuses: set[str] = set()
            while len(statuses) < len(events):
                statuses.add((await helpers.receive(socket, "order.status"))["data"]["status"])
            assert statuses == {"processing", "paid", "delivered"}
    # The inbox's consumer runs apart from the pushes of statuses, and may come later.
    async with asyncio.timeout(20):
        while len((await one.inbox(owner))["items"]) < 3:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # time for a second copy of an event to do harm, if it could
    assert len((await one.inbox(owner))["items"]) == 3
    handled = await one.scalar("SELECT count(*) FROM inbox WHERE consumer = 'notifications'")
    assert handled == 3  # one inbox entry per event, though each came twice
