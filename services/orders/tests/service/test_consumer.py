"""The ``orders`` consumer on a fake unit of work: payments' events become news of the order,
each applied once however often JetStream delivers it (the inbox claim on the unit of work)."""

import uuid

import pytest

from marketplace_contracts import Envelope, OrderPaid, PaymentSucceeded, ProductCreated
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.ids import new_id
from orders_service.consumers import payments as consumer
from orders_service.domain.status_machine import OrderStatus

pytestmark = pytest.mark.unit


def succeeded(order, payment_id: uuid.UUID) -> Envelope:
    event = PaymentSucceeded(
        payment_id=payment_id,
        order_id=order.id,
        user_id=order.user_id,
        amount=order.total,
        currency=order.currency,
        card_brand="visa",
        card_last4="4242",
    )
    return Envelope.wrap(event, id=new_id(), source="payments")


async def test_a_redelivered_payment_event_is_applied_once(shop) -> None:
    order = await shop.place(shop.buyer())
    envelope = succeeded(order, uuid.uuid4())
    shop.forget_history()

    applied = []
    for _ in range(2):
        effect = consumer.effect_of(
            envelope, unit_of_work=shop.unit_of_work, catalog=shop.catalog, limits=shop.limits
        )
        assert effect is not None
        applied.append(
            await handle_once(
                shop.uow, consumer=consumer.CONSUMER, envelope=envelope, effect=effect
            )
        )

    assert applied == [True, False]
    assert order.status is OrderStatus.PAID
    assert [paid.order_id for paid in shop.uow.events(OrderPaid)] == [order.id]
    assert shop.catalog.made("commit") == [order.id]
    assert shop.uow.claimed == {(consumer.CONSUMER, envelope.id)}


def test_an_event_that_is_no_payment_news_has_no_effect(shop) -> None:
    envelope = Envelope(id=new_id(), type=ProductCreated.TYPE, source="catalog", data={})

    effect = consumer.effect_of(
        envelope, unit_of_work=shop.unit_of_work, catalog=shop.catalog, limits=shop.limits
    )

    assert effect is None
