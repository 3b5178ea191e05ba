"""The ``payments`` consumer on a real NATS JetStream: a cancelled paid order is refunded at
the processor and the payment marked refunded with ``PaymentRefunded``, once, however often
the event comes; a cancelled unpaid order changes nothing."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import orjson
import pytest
from sqlalchemy import select

from marketplace_contracts import Envelope, OrderCancelled, PaymentRefunded
from marketplace_platform.events.bus import EventBus
from marketplace_platform.ids import new_id
from payments_service.adapters.orm import Payment

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def orders_bus(private_nats_server) -> AsyncIterator[EventBus]:
    bus = EventBus(private_nats_server.url, service="orders")
    await bus.start()
    yield bus
    await bus.close()


def cancelled(order_id: uuid.UUID, user_id: uuid.UUID, *, refund: bool) -> Envelope:
    event = OrderCancelled(
        order_id=order_id, user_id=user_id, from_status="paid" if refund else "created",
        actor="user", refund=refund, total=12_990, currency="RUB",
    )
    return Envelope.wrap(event, id=new_id(), source="orders")


async def publish(bus: EventBus, envelope: Envelope) -> None:
    # A fresh message id: a delivery the broker does not know is a repeat (a replay).
    await bus.publish(
        envelope.type, orjson.dumps(envelope.model_dump(mode="json")), msg_id=str(uuid.uuid4())
    )


async def status_of(payments, payment_id: str) -> str:
    async with payments.db.read_session() as session:
        return await session.scalar(
            select(Payment.status).where(Payment.id == uuid.UUID(payment_id))
        )


async def until_handled(payments, count: int) -> None:
    async with asyncio.timeout(20):
        while await payments.scalar("SELECT count(*) FROM inbox") < count:
            await asyncio.sleep(0.05)


async def test_a_cancelled_paid_order_is_refunded_once(payments, orders_bus) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    paid = (await payments.pay(user, order_id)).json()
    event = cancelled(order_id, user, refund=True)

    await publish(orders_bus, event)
    await until_handled(payments, 1)
    await publish(orders_bus, event)  # redelivered
    await publish(orders_bus, cancelled(uuid.uuid4(), user, refund=False))  # a marker after it
    await until_handled(payments, 2)

    assert await status_of(payments, paid["id"]) == "refunded"
    refunds = await payments.outbox(PaymentRefunded.TYPE)
    assert [r["data"]["payment_id"] for r in refunds] == [paid["id"]]
    charge = await payments.components.processor.get_charge(paid["id"])
    assert charge is not None
    assert charge.refunded
    shown = await payments.http.get(f"/api/payments/{paid['id']}", headers=payments.headers(user))
    assert shown.json()["status"] == "refunded"
    assert shown.json()["refunded_at"] is not None


async def test_a_cancelled_unpaid_order_changes_nothing(payments, orders_bus) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    failed = (await payments.pay(user, order_id, "4000 0000 0000 0002")).json()

    await publish(orders_bus, cancelled(order_id, user, refund=False))
    await until_handled(payments, 1)

    assert await status_of(payments, failed["id"]) == "failed"
    assert await payments.outbox(PaymentRefunded.TYPE) == []
