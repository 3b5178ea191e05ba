"""The ``reviews`` consumer on a fake unit of work: an event is applied once however often
JetStream delivers it (the inbox claim on the unit of work), and events it does not follow
do nothing."""

import uuid

import pytest

from marketplace_contracts import Envelope, OrderLine, OrderPaid, PaymentStarted
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.ids import new_id
from reviews_service.consumers import events

pytestmark = pytest.mark.unit


async def test_a_redelivered_event_is_applied_once(uow) -> None:
    buyer, product = uuid.uuid4(), uuid.uuid4()
    paid = OrderPaid(
        order_id=uuid.uuid4(),
        user_id=buyer,
        items=[OrderLine(product_id=product, quantity=1, unit_price=1000)],
        total=1000,
        currency="RUB",
    )
    envelope = Envelope.wrap(paid, id=new_id(), source="orders")

    applied = []
    for _ in range(2):
        effect = events.effect_of(envelope)
        assert effect is not None
        applied.append(
            await handle_once(uow, consumer=events.CONSUMER, envelope=envelope, effect=effect)
        )

    assert applied == [True, False]
    assert uow.commits == 1  # the redelivery changed nothing
    assert uow.claimed == {(events.CONSUMER, envelope.id)}
    assert await uow.purchases.purchased(buyer, product)


def test_an_event_the_consumer_does_not_follow_has_no_effect() -> None:
    started = PaymentStarted(
        payment_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        amount=1000,
        currency="RUB",
    )

    assert events.effect_of(Envelope.wrap(started, id=new_id(), source="payments")) is None
