"""Refunds on fakes: a cancelled paid order is refunded once, however often its cancellation
is heard; a refund the processor refused is made by the reconciler; a settled cancellation
closes after the grace period."""

import uuid
from datetime import timedelta

import pytest

from marketplace_contracts import Envelope, OrderCancelled, PaymentRefunded
from marketplace_platform.ids import new_id
from payments_service.domain.payments import PaymentStatus
from payments_service.service import refunds

pytestmark = pytest.mark.unit

CONSUMER = "payments"


def cancelled(order_id: uuid.UUID, user_id: uuid.UUID) -> Envelope:
    event = OrderCancelled(
        order_id=order_id, user_id=user_id, from_status="paid", actor="user", refund=True,
        total=12_990, currency="RUB",
    )
    return Envelope.wrap(event, id=new_id(), source="orders")


async def hear(uow, processor, envelope: Envelope) -> bool:
    order_id = envelope.parse(OrderCancelled).order_id
    return await refunds.record_cancellation(
        unit_of_work=uow, processor=processor, consumer=CONSUMER, envelope=envelope,
        order_id=order_id,
    )


async def test_a_cancelled_paid_order_is_refunded_once(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)
    paid = (await pay(user, order_id)).payment
    event = cancelled(order_id, user)

    assert await hear(uow, fake_processor, event)
    assert not await hear(uow, fake_processor, event)  # redelivered: the inbox knows it

    assert paid.status is PaymentStatus.REFUNDED
    assert [r.payment_id for r in uow.events(PaymentRefunded)] == [paid.id]
    assert fake_processor.refunded == [str(paid.id)]
    assert await uow.cancelled_orders.contains(order_id)


async def test_a_refund_the_processor_refused_is_made_by_the_reconciler(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)
    paid = (await pay(user, order_id)).payment
    fake_processor.refusing_refunds = True

    assert await hear(uow, fake_processor, cancelled(order_id, user))

    assert paid.status is PaymentStatus.SUCCEEDED  # the cancellation is recorded all the same
    assert await uow.cancelled_orders.contains(order_id)
    assert uow.events(PaymentRefunded) == []

    fake_processor.refusing_refunds = False
    assert await refunds.reconcile(
        unit_of_work=uow, processor=fake_processor, grace=timedelta(minutes=1)
    ) == 1
    assert await refunds.reconcile(
        unit_of_work=uow, processor=fake_processor, grace=timedelta(minutes=1)
    ) == 0

    assert paid.status is PaymentStatus.REFUNDED
    assert [r.payment_id for r in uow.events(PaymentRefunded)] == [paid.id]


async def test_a_cancelled_unpaid_order_refunds_nothing(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)
    failed = (await pay(user, order_id, "4000000000000002")).payment

    await hear(uow, fake_processor, cancelled(order_id, user))

    assert failed.status is PaymentStatus.FAILED
    assert uow.events(PaymentRefunded) == []
    assert fake_processor.refunded == []


async def test_a_settled_cancellation_closes_only_after_the_grace_period(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)
    await pay(user, order_id)
    await hear(uow, fake_processor, cancelled(order_id, user))
    cancellation = await uow.cancelled_orders.get(order_id)

    await refunds.reconcile(unit_of_work=uow, processor=fake_processor, grace=timedelta(hours=1))
    assert cancellation.closed_at is None  # a payment racing the cancellation may yet show up

    await refunds.reconcile(unit_of_work=uow, processor=fake_processor, grace=timedelta(0))
    assert cancellation.closed_at is not None
    assert await uow.cancelled_orders.open(limit=10) == []
