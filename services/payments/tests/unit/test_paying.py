"""The ``pay`` use case on a fake unit of work, orders and processor: what each way a payment
can go commits, as payment state and as the events the other services hear."""

import uuid

import pytest

from marketplace_contracts import PaymentFailed, PaymentStarted, PaymentSucceeded
from marketplace_platform.clock import utcnow
from payments_service.adapters.orders import OrderSnapshot, PlacedOrders
from payments_service.domain.errors import (
    AlreadyPaid,
    AmountMismatch,
    OrderNotFound,
    OrderNotPayable,
)
from payments_service.domain.orders import PlacedOrder
from payments_service.domain.payments import FailureReason, Outcome, PaymentStatus
from payments_service.service import payments

pytestmark = pytest.mark.unit

DECLINED = "4000000000000002"
MASTERCARD = "5555555555554444"


async def test_a_good_card_pays_and_commits_started_then_succeeded(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user, total=12_990)

    view = await pay(user, order_id)

    payment = view.payment
    assert (payment.status, payment.failure_reason, payment.attempt) == (
        PaymentStatus.SUCCEEDED, None, 1
    )
    assert uow.event_types == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]
    [succeeded] = uow.events(PaymentSucceeded)
    assert (succeeded.payment_id, succeeded.order_id, succeeded.amount) == (
        payment.id, order_id, 12_990
    )
    assert (succeeded.card_brand, succeeded.card_last4) == ("visa", "4242")
    assert list(fake_processor.charges) == [str(payment.id)]  # the payment's id is the key


async def test_a_declined_card_fails_with_its_reason_and_the_next_try_is_attempt_two(
    pay, uow, fake_orders
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)

    declined = await pay(user, order_id, DECLINED)

    assert declined.payment.status is PaymentStatus.FAILED
    assert declined.payment.failure_reason is FailureReason.CARD_DECLINED
    assert uow.event_types == [PaymentStarted.TYPE, PaymentFailed.TYPE]
    assert [failed.reason for failed in uow.events(PaymentFailed)] == ["card_declined"]

    paid = await pay(user, order_id, MASTERCARD)

    assert (paid.payment.status, paid.payment.attempt) == (PaymentStatus.SUCCEEDED, 2)
    assert [(p.attempt, p.status) for p in paid.attempts] == [
        (1, PaymentStatus.FAILED), (2, PaymentStatus.SUCCEEDED)
    ]
    assert uow.event_types[2:] == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]


async def test_paying_a_paid_order_again_charges_nothing_and_commits_nothing(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)
    await pay(user, order_id)
    committed = list(uow.committed)

    with pytest.raises(AlreadyPaid):
        await pay(user, order_id)

    assert uow.committed == committed
    assert fake_processor.charge_calls == 1


async def test_a_second_outcome_for_a_settled_payment_changes_nothing(
    pay, uow, fake_orders
) -> None:
    """The request and recovery may both settle one payment: the first outcome stays."""
    user = uuid.uuid4()
    view = await pay(user, fake_orders.add(user))

    again = await payments.settle(
        uow,
        payment_id=view.payment.id,
        outcome=Outcome(succeeded=False, reason=FailureReason.PROCESSING_ERROR),
    )

    assert again.payment.status is PaymentStatus.SUCCEEDED
    assert uow.event_types == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]


async def test_a_charge_without_an_answer_leaves_the_payment_pending(
    pay, uow, fake_orders, fake_processor
) -> None:
    user = uuid.uuid4()
    fake_processor.silent = True

    view = await pay(user, fake_orders.add(user))

    assert view.payment.status is PaymentStatus.PENDING
    assert uow.event_types == [PaymentStarted.TYPE]


async def test_the_idempotency_answer_is_stored_in_the_outcomes_transaction(
    pay, uow, fake_orders
) -> None:
    """A route with an ``Idempotency-Key`` stores its answer through ``on_settled``: in the
    transaction that commits the outcome, so a replay answers exactly what this request did."""
    user = uuid.uuid4()
    stored: list[tuple[PaymentStatus, list[str]]] = []

    async def on_settled(unit_of_work, view) -> None:
        assert unit_of_work is uow
        stored.append((view.payment.status, [p.status for p in view.attempts]))
        assert uow.event_types == [PaymentStarted.TYPE]  # the outcome is not committed yet

    await pay(user, fake_orders.add(user), on_settled=on_settled)

    assert stored == [(PaymentStatus.SUCCEEDED, [PaymentStatus.SUCCEEDED])]
    assert uow.event_types == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]


async def test_someone_elses_order_and_an_unpayable_one_record_nothing(
    pay, uow, fake_orders, fake_processor
) -> None:
    owner = uuid.uuid4()
    with pytest.raises(OrderNotFound):
        await pay(uuid.uuid4(), fake_orders.add(owner))
    with pytest.raises(OrderNotPayable):
        await pay(owner, fake_orders.add(owner, status="paid"))

    assert uow.committed == []
    assert fake_processor.charge_calls == 0


async def test_an_order_known_to_be_cancelled_is_not_charged(pay, uow, fake_orders) -> None:
    user = uuid.uuid4()
    order_id = fake_orders.add(user)  # orders' answer still says "created"
    async with uow:  # payments heard of the cancellation meanwhile
        await uow.cancelled_orders.add(order_id, at=utcnow())
        await uow.commit()

    with pytest.raises(OrderNotPayable):
        await pay(user, order_id)

    assert uow.committed == []
    assert await uow.payments.of_order(order_id) == []


# -- orders payments heard placed: paid without asking orders ---------------------------------


def placed(fake_orders, user_id: uuid.UUID, *, total: int = 12_990) -> uuid.UUID:
    """An order payments heard orders place (``orders.order.created.v1``), and orders does
    not answer for (the fake knows nothing of it): paying it must not ask."""
    order_id = uuid.uuid4()
    fake_orders.heard.remember(
        PlacedOrder(order_id=order_id, user_id=user_id, total=total, currency="RUB",
                    placed_at=utcnow())
    )
    return order_id


async def test_an_order_heard_placed_is_paid_without_asking_orders(
    pay, uow, fake_orders
) -> None:
    user = uuid.uuid4()
    order_id = placed(fake_orders, user, total=4_500)

    view = await pay(user, order_id)

    assert (view.payment.status, view.payment.amount, view.payment.attempt) == (
        PaymentStatus.SUCCEEDED, 4_500, 1
    )
    assert uow.event_types == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]
    assert fake_orders.asked == 0


def test_an_order_heard_twice_is_one_order_and_the_oldest_are_forgotten() -> None:
    heard = PlacedOrders(capacity=2)
    first, second, third = (
        PlacedOrder(order_id=uuid.uuid4(), user_id=uuid.uuid4(), total=total, currency="RUB",
                    placed_at=utcnow())
        for total in (1, 2, 3)
    )
    heard.remember(first)
    heard.remember(PlacedOrder(order_id=first.order_id, user_id=first.user_id, total=99,
                               currency="RUB", placed_at=utcnow()))
    assert heard.get(first.order_id) == first

    heard.remember(second)
    heard.remember(third)
    assert heard.get(first.order_id) is None  # asked for, if it is ever paid
    assert [heard.get(o.order_id) for o in (second, third)] == [second, third]


async def test_someone_elses_placed_order_and_a_wrong_amount_record_nothing(
    pay, uow, fake_orders, fake_processor
) -> None:
    owner = uuid.uuid4()
    order_id = placed(fake_orders, owner, total=4_500)

    with pytest.raises(OrderNotFound):
        await pay(uuid.uuid4(), order_id)
    with pytest.raises(AmountMismatch):
        await pay(owner, order_id, amount=4_499)

    assert uow.committed == []
    assert fake_processor.charge_calls == 0
    assert fake_orders.asked == 0


async def test_a_placed_order_with_a_payment_or_a_cancellation_is_judged_by_orders(
    pay, uow, fake_orders
) -> None:
    """Payments alone cannot tell the status of an order it has tried to charge or heard is
    cancelled: orders' answer decides, as for an order never heard of."""
    user = uuid.uuid4()
    declined = placed(fake_orders, user)
    assert (await pay(user, declined, DECLINED)).payment.status is PaymentStatus.FAILED
    cancelled = placed(fake_orders, user)
    async with uow:
        await uow.cancelled_orders.add(cancelled, at=utcnow())
        await uow.commit()

    # Orders knows neither: it is asked, and its "no such order" is the answer.
    with pytest.raises(OrderNotFound):
        await pay(user, declined, MASTERCARD)
    with pytest.raises(OrderNotFound):
        await pay(user, cancelled)
    assert fake_orders.asked == 2

    # Once orders answers, its status is what counts: the declined order is payable again.
    fake_orders.orders[declined] = OrderSnapshot(
        id=declined, user_id=user, status="created", total=12_990, currency="RUB"
    )
    assert (await pay(user, declined, MASTERCARD)).payment.attempt == 2
