"""The profile's order history, projected from the orders service's events on a real NATS
JetStream: GET /api/auth/me lists the user's orders newest first with their current status;
a redelivered event changes nothing and a late, older status change loses."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from auth_service.consumers import orders as orders_consumer
from auth_service.service import order_history
from marketplace_contracts import Envelope, Event, OrderCreated, OrderLine, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import GroupCommit, handle_once
from marketplace_platform.ids import new_id

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def orders_bus(private_nats_server) -> AsyncIterator[EventBus]:
    bus = EventBus(private_nats_server.url, service="orders")
    await bus.start()
    yield bus
    await bus.close()


def envelope(event: Event) -> Envelope:
    return Envelope.wrap(event, id=new_id(), source="orders")


async def publish(bus: EventBus, *envelopes: Envelope) -> None:
    for item in envelopes:
        # A fresh message id: a re-send stands for a redelivery JetStream would not catch.
        await bus.publish(
            item.type, orjson.dumps(item.model_dump(mode="json")), msg_id=str(uuid.uuid4())
        )


def created(user_id: str, order_id: uuid.UUID, *, at: datetime, total: int = 1000) -> Envelope:
    line = OrderLine(product_id=uuid.uuid4(), quantity=1, unit_price=total)
    return envelope(
        OrderCreated(
            order_id=order_id,
            user_id=uuid.UUID(user_id),
            items=[line],
            total=total,
            currency="RUB",
            created_at=at,
        )
    )


def changed(
    user_id: str, order_id: uuid.UUID, old: str, new: str, *, at: datetime, total: int = 1000
) -> Envelope:
    return envelope(
        OrderStatusChanged(
            order_id=order_id,
            user_id=uuid.UUID(user_id),
            from_status=old,
            to_status=new,
            actor="system",
            total=total,
            currency="RUB",
            changed_at=at,
        )
    )


async def history_until(auth, session, check) -> list[dict]:
    async with asyncio.timeout(20):
        while True:
            response = await auth.http.get("/api/auth/me", headers=session.headers)
            assert response.status_code == 200, response.text
            history = response.json()["order_history"]
            if check(history):
                return history
            await asyncio.sleep(0.05)


async def test_orders_appear_newest_first_with_their_current_status(auth, orders_bus) -> None:
    session = await auth.user_session()
    other = await auth.user_session()
    user_id = session.user["id"]
    first, second = new_id(), new_id()
    await publish(
        orders_bus,
        created(user_id, first, at=T0, total=1500),
        created(user_id, second, at=T0 + timedelta(hours=1), total=700),
        created(other.user["id"], new_id(), at=T0),
        changed(user_id, first, "created", "processing", at=T0 + timedelta(minutes=1)),
        changed(user_id, first, "processing", "paid", at=T0 + timedelta(minutes=2)),
    )
    history = await history_until(auth, session, lambda h: len(h) == 2 and h[1]["status"] == "paid")
    assert [(h["order_id"], h["status"], h["total"]) for h in history] == [
        (str(second), "created", 700),
        (str(first), "paid", 1500),
    ]
    assert history[1]["currency"] == "RUB"
    assert datetime.fromisoformat(history[1]["placed_at"]) == T0
    assert datetime.fromisoformat(history[1]["updated_at"]) == T0 + timedelta(minutes=2)


async def test_redelivery_and_late_older_events_change_nothing(auth, orders_bus) -> None:
    session = await auth.user_session()
    user_id = session.user["id"]
    order = new_id()
    placed = created(user_id, order, at=T0)
    paid = changed(user_id, order, "processing", "paid", at=T0 + timedelta(minutes=2))
    # Out of order: "paid" before "processing", the status change before the creation.
    await publish(orders_bus, paid, placed)
    await history_until(auth, session, lambda h: len(h) == 1 and h[0]["status"] == "paid")

    late = changed(user_id, order, "created", "processing", at=T0 + timedelta(minutes=1))
    await publish(orders_bus, late, paid, placed)
    marker = new_id()
    await publish(orders_bus, created(user_id, marker, at=T0 + timedelta(days=1)))
    history = await history_until(auth, session, lambda h: len(h) == 2)
    assert [(h["order_id"], h["status"]) for h in history] == [
        (str(marker), "created"),
        (str(order), "paid"),
    ]
    assert datetime.fromisoformat(history[1]["placed_at"]) == T0
    # Four events, each applied once although two of them came twice.
    assert await auth.scalar("SELECT count(*) FROM inbox WHERE consumer = 'auth'") == 4


async def test_the_history_shows_the_newest_50(auth) -> None:
    session = await auth.user_session()
    user_id = session.user["id"]
    for minute in range(55):
        event = created(user_id, new_id(), at=T0 + timedelta(minutes=minute))

        async def effect(uow, event=event) -> None:
            await order_history.record_created(uow, event=event.parse(OrderCreated))

        await handle_once(
            auth.components.unit_of_work(), consumer="auth", envelope=event, effect=effect
        )
    response = await auth.http.get("/api/auth/me", headers=session.headers)
    history = response.json()["order_history"]
    assert len(history) == 50
    assert datetime.fromisoformat(history[0]["placed_at"]) == T0 + timedelta(minutes=54)
    assert datetime.fromisoformat(history[-1]["placed_at"]) == T0 + timedelta(minutes=5)


async def apply(auth, *envelopes: Envelope) -> None:
    """Hand the events to the consumer's effect, as the consumer would, in this order."""
    for item in envelopes:
        event = item.parse(OrderCreated if item.type == OrderCreated.TYPE else OrderStatusChanged)

        async def effect(uow, event=event) -> None:
            if isinstance(event, OrderCreated):
                await order_history.record_created(uow, event=event)
            else:
                await order_history.record_status(uow, event=event)

        await handle_once(
            auth.components.unit_of_work(), consumer="auth", envelope=item, effect=effect
        )


@pytest.mark.parametrize("arrival", ["in order", "reversed"])
async def test_on_equal_timestamps_the_status_further_along_wins(auth, arrival) -> None:
    session = await auth.user_session()
    user_id = session.user["id"]
    order = new_id()
    same_moment = T0 + timedelta(minutes=1)
    steps = [
        changed(user_id, order, "created", "processing", at=same_moment),
        changed(user_id, order, "processing", "paid", at=same_moment),
    ]
    await apply(auth, created(user_id, order, at=T0))
    await apply(auth, *(steps if arrival == "in order" else reversed(steps)))
    history = (await auth.http.get("/api/auth/me", headers=session.headers)).json()
    assert [h["status"] for h in history["order_history"]] == ["paid"]


def group_commit(auth) -> GroupCommit:
    """The consumer's group commit, as ``register`` makes it, with room for every event."""
    return GroupCommit(
        orders_consumer.CONSUMER,
        unit_of_work=auth.components.unit_of_work,
        effect_of=orders_consumer.effect_of,
        prepare=orders_consumer.prepare,
        max_batch=64,
    )


async def test_one_orders_events_in_one_batch_apply_in_turn(auth) -> None:
    """Several events about one order in one transaction (a replay, two replicas' worth of
    redeliveries): each sees what the one before it did, whatever their order, and the
    duplicates in the batch and after it change nothing."""
    session = await auth.user_session()
    user_id = session.user["id"]
    ahead, placed_first = new_id(), new_id()
    processing = changed(
        user_id, ahead, "created", "processing", at=T0 + timedelta(minutes=1), total=1500
    )
    paid = changed(user_id, ahead, "processing", "paid", at=T0 + timedelta(minutes=2), total=1500)
    batch = [
        # The status changes before the creation, the newer before the older, one twice.
        paid,
        processing,
        paid,
        created(user_id, ahead, at=T0, total=1500),
        # Another order: created, then two changes in the stream's order.
        created(user_id, placed_first, at=T0 + timedelta(hours=1), total=700),
        changed(
            user_id, placed_first, "created", "processing", at=T0 + timedelta(hours=2), total=700
        ),
        changed(
            user_id, placed_first, "processing", "cancelled", at=T0 + timedelta(hours=3), total=700
        ),
    ]
    group = group_commit(auth)
    try:
        applied = await asyncio.gather(*(group.handle(item) for item in batch))
        assert applied == [True, True, False, True, True, True, True]
        assert group.transactions == 1
        again = await asyncio.gather(*(group.handle(item) for item in batch))
        assert again == [False] * len(batch)
    finally:
        await group.close()

    history = (await auth.http.get("/api/auth/me", headers=session.headers)).json()
    shown = {
        h["order_id"]: (
            h["status"],
            h["total"],
            datetime.fromisoformat(h["placed_at"]),
            datetime.fromisoformat(h["updated_at"]),
        )
        for h in history["order_history"]
    }
    assert shown == {
        str(ahead): ("paid", 1500, T0, T0 + timedelta(minutes=2)),
        str(placed_first): ("cancelled", 700, T0 + timedelta(hours=1), T0 + timedelta(hours=3)),
    }
    # Seven deliveries, six events: each claimed once.
    assert await auth.scalar("SELECT count(*) FROM inbox WHERE consumer = 'auth'") == 6
