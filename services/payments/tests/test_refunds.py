"""Refunds on a real NATS JetStream. The ``payments`` consumer: a cancelled paid order is
refunded at the processor and the payment marked refunded with ``PaymentRefunded``, once,
however often the event comes; a cancelled unpaid order changes nothing. Money is never
parked: the reconciler refunds every succeeded payment whose order is cancelled, whatever
happened to the events (one parked in the dead letters, the processor refusing for a while,
the payment still pending when the cancellation came), and however often it runs the
processor sees one refund."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import func, select

from marketplace_contracts import (
    Envelope,
    OrderCancelled,
    OrderCreated,
    OrderStatusChanged,
    PaymentRefunded,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.ids import new_id
from payments_service.adapters.orm import payments as payments_table
from payments_service.adapters.processor import ProcessorCharge
from payments_service.service.recovery import settle_stale

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


def cancelled(order_id: uuid.UUID, user_id: uuid.UUID, *, refund: bool = False) -> Envelope:
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
            select(payments_table.c.status).where(payments_table.c.id == uuid.UUID(payment_id))
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


# -- the reconciler --------------------------------------------------------------------------------


def status_changed(order_id: uuid.UUID, user: uuid.UUID, *, to: str) -> Envelope:
    event = OrderStatusChanged(
        order_id=order_id, user_id=user, from_status="paid", to_status=to, actor="user",
        total=12_990, currency="RUB", changed_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, id=new_id(), source="orders")


async def paid_order(payments) -> tuple[uuid.UUID, uuid.UUID]:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    assert (await payments.pay(user, order_id)).json()["status"] == "succeeded"
    return user, order_id


async def until_known_cancelled(payments, order_id: uuid.UUID) -> None:
    async with asyncio.timeout(20):
        while not await payments.scalar(
            "SELECT count(*) FROM cancelled_orders WHERE order_id = :id",
            id=order_id if payments.engine == "postgresql" else order_id.hex,
        ):
            await asyncio.sleep(0.05)


@contextmanager
def processor_refusing_refunds(payments) -> Iterator[None]:
    """The processor answers every refund with an error while the block runs."""
    processor = payments.components.processor
    real_refund = processor.refund

    async def refuse(key: str):
        raise ConnectionError("the processor is away")

    processor.refund = refuse
    try:
        yield
    finally:
        processor.refund = real_refund


async def cancel_while_processor_refuses(
    payments, orders_bus, user: uuid.UUID, order_id: uuid.UUID
) -> None:
    """The order is cancelled, and ``orders.order.cancelled.v1`` sits in the dead letters:
    only the status change to ``cancelled`` is heard, while the processor refuses refunds."""
    with processor_refusing_refunds(payments):
        await publish(orders_bus, status_changed(order_id, user, to="cancelled"))
        await until_known_cancelled(payments, order_id)
    assert await statuses_of_order(payments, order_id) == ["succeeded"]


async def refunds_at_processor(payments) -> int:
    async with payments.components.processor.db.read_session() as session:
        return int(
            await session.scalar(
                select(func.count()).where(ProcessorCharge.refunded_at.is_not(None))
            )
        )


async def statuses_of_order(payments, order_id: uuid.UUID) -> list[str]:
    found = await payments.http.get(
        "/internal/payments", params={"order_id": str(order_id)}, headers=payments.internal
    )
    assert found.status_code == 200, found.text
    return [payment["status"] for payment in found.json()["items"]]


async def test_a_cancellation_whose_refund_event_was_parked_is_refunded_by_the_reconciler(
    payments, orders_bus
) -> None:
    user, order_id = await paid_order(payments)
    await cancel_while_processor_refuses(payments, orders_bus, user, order_id)

    assert await payments.components.refunds.run_once() == 1

    assert await statuses_of_order(payments, order_id) == ["refunded"]
    assert await refunds_at_processor(payments) == 1
    assert len(await payments.outbox(PaymentRefunded.TYPE)) == 1


async def test_a_payment_that_succeeds_after_the_cancellation_is_refunded(
    payments, orders_bus
) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    # The order is cancelled while its payment is pending: the payer's request died with the
    # charge made, and recovery settles it only after the cancellation was heard.
    charge_key = await pending_payment_charged_at_processor(payments, user, order_id)
    await publish(orders_bus, cancelled(order_id, user))
    await publish(orders_bus, status_changed(order_id, user, to="cancelled"))
    await until_handled(payments, 2)
    assert await statuses_of_order(payments, order_id) == ["pending"]

    components = payments.components
    await settle_stale(
        unit_of_work=components.unit_of_work, processor=components.processor,
        older_than=timedelta(0),
    )
    assert await statuses_of_order(payments, order_id) == ["succeeded"]
    await components.refunds.run_once()

    assert await statuses_of_order(payments, order_id) == ["refunded"]
    charge = await components.processor.get_charge(charge_key)
    assert charge is not None
    assert charge.refunded


async def test_running_the_reconciler_twice_refunds_once(payments, orders_bus) -> None:
    user, order_id = await paid_order(payments)
    await cancel_while_processor_refuses(payments, orders_bus, user, order_id)
    refunds = payments.components.refunds

    await asyncio.gather(refunds.run_once(), refunds.run_once())
    assert await refunds.run_once() == 0

    assert await statuses_of_order(payments, order_id) == ["refunded"]
    assert await refunds_at_processor(payments) == 1
    assert len(await payments.outbox(PaymentRefunded.TYPE)) == 1


async def test_an_order_that_is_not_cancelled_keeps_its_payment(payments, orders_bus) -> None:
    user, order_id = await paid_order(payments)
    other = payments.orders.add(user)
    await publish(orders_bus, status_changed(order_id, user, to="delivered"))
    await publish(orders_bus, status_changed(other, user, to="cancelled"))
    await until_known_cancelled(payments, other)

    assert await payments.components.refunds.run_once() == 0

    assert await statuses_of_order(payments, order_id) == ["succeeded"]
    assert await refunds_at_processor(payments) == 0


async def test_an_order_known_to_be_cancelled_is_not_charged(payments, orders_bus) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)  # orders still says "created": its answer was stale
    await publish(orders_bus, status_changed(order_id, user, to="cancelled"))
    await until_known_cancelled(payments, order_id)

    response = await payments.pay(user, order_id)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/order-not-payable")
    assert await statuses_of_order(payments, order_id) == []


@pytest.mark.parametrize("settings_overrides", [{"recovery_after": 0}])
async def test_a_settled_cancellation_is_closed_and_left_alone(payments, orders_bus) -> None:
    user, order_id = await paid_order(payments)
    await cancel_while_processor_refuses(payments, orders_bus, user, order_id)

    await payments.components.refunds.run_once()

    assert await statuses_of_order(payments, order_id) == ["refunded"]
    assert await payments.scalar(
        "SELECT count(*) FROM cancelled_orders WHERE closed_at IS NULL"
    ) == 0


async def pending_payment_charged_at_processor(
    payments, user: uuid.UUID, order_id: uuid.UUID
) -> str:
    """A payment left pending with the charge made: what a request whose process died
    between the processor's answer and our commit leaves behind. Its charge key."""
    processor = payments.components.processor
    real_charge = processor.charge
    charged: dict[str, str] = {}

    async def charge_then_fail(**kwargs):
        charge = await real_charge(**kwargs)
        charged["key"] = charge.key
        raise ConnectionError("no answer after the charge")

    processor.charge = charge_then_fail
    try:
        response = await payments.pay(user, order_id)
    finally:
        processor.charge = real_charge
    assert response.json()["status"] == "pending"
    return charged["key"]


# -- orders payments hears placed -------------------------------------------------------------


async def test_an_order_heard_placed_is_paid_without_asking_orders(payments, orders_bus) -> None:
    """Orders' ``orders.order.created.v1`` is enough to charge the order's first payment: no
    ``GET /internal/orders/{id}``. An order not heard of is still paid, by asking orders."""
    user = uuid.uuid4()
    placed_id = new_id()
    event = OrderCreated(
        order_id=placed_id, user_id=user, items=[], total=7_500, currency="RUB",
        created_at=datetime.now(UTC),
    )
    await publish(orders_bus, Envelope.wrap(event, id=new_id(), source="orders"))
    async with asyncio.timeout(20):
        while payments.components.orders.placed(placed_id) is None:
            await asyncio.sleep(0.05)

    paid = await payments.pay(user, placed_id)

    assert paid.status_code == 201, paid.text
    assert (paid.json()["status"], paid.json()["amount"]) == ("succeeded", 7_500)
    assert payments.orders.calls == 0
    unseen = payments.orders.add(user)
    assert (await payments.pay(user, unseen)).status_code == 201
    assert payments.orders.calls == 1
