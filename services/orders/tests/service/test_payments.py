"""Payments' news applied to orders, on a fake unit of work: each piece of news, in order
or not, once or twice, and what it commits (events) and owes the catalog (stock calls)."""

import uuid
from datetime import timedelta

import pytest

from marketplace_contracts import OrderCancelled, OrderPaid
from marketplace_platform.clock import utcnow
from orders_service.domain.payments import PaymentOutcome
from orders_service.domain.status_machine import OrderStatus
from orders_service.service import orders, payments

pytestmark = pytest.mark.unit

STATUS_CHANGED = "orders.order.status_changed.v1"
CANCELLED = "orders.order.cancelled.v1"
PAID = "orders.order.paid.v1"
PENDING, SUCCEEDED, FAILED, REFUNDED = (
    PaymentOutcome.PENDING,
    PaymentOutcome.SUCCEEDED,
    PaymentOutcome.FAILED,
    PaymentOutcome.REFUNDED,
)


def statuses(order) -> list[str]:
    return [entry.status.value for entry in order.history]


async def test_started_moves_the_order_to_processing(shop) -> None:
    order = await shop.place(shop.buyer())
    shop.forget_history()
    await shop.news(order, PENDING)
    assert order.status is OrderStatus.PROCESSING
    assert shop.uow.event_types == [STATUS_CHANGED]
    assert shop.uow.owed() == {}
    assert shop.catalog.calls == []


async def test_success_pays_the_order_and_commits_its_stock(shop) -> None:
    order = await shop.place(shop.buyer())
    payment = await shop.news(order, PENDING)
    shop.forget_history()
    await shop.news(order, SUCCEEDED, payment_id=payment)
    assert order.status is OrderStatus.PAID
    assert shop.uow.event_types == [STATUS_CHANGED, PAID]
    [paid] = shop.uow.events(OrderPaid)
    assert paid.order_id == order.id
    assert paid.total == order.total
    assert shop.catalog.calls == [("commit", order.id)]
    assert shop.uow.owed() == {}
    assert shop.uow.payments.rows[payment].outcome is SUCCEEDED


async def test_success_before_its_start_goes_through_processing(shop) -> None:
    order = await shop.place(shop.buyer())
    shop.forget_history()
    payment = await shop.news(order, SUCCEEDED)
    assert statuses(order) == ["created", "processing", "paid"]
    assert shop.uow.event_types == [STATUS_CHANGED, STATUS_CHANGED, PAID]
    shop.forget_history()
    await shop.news(order, PENDING, payment_id=payment)  # the late start is old news
    assert order.status is OrderStatus.PAID
    assert shop.uow.event_types == []


async def test_a_failure_reopens_the_order_with_its_reason(shop) -> None:
    order = await shop.place(shop.buyer())
    payment = await shop.news(order, PENDING)
    shop.forget_history()
    await shop.news(order, FAILED, payment_id=payment, reason="card_declined")
    assert order.status is OrderStatus.CREATED
    assert order.payment_failure == "card_declined"
    assert order.history[-1].reason == "card_declined"
    assert shop.uow.event_types == [STATUS_CHANGED]
    assert shop.uow.owed() == {}  # the order still holds its stock


async def test_a_failure_before_its_start_still_shows_and_counts(shop) -> None:
    order = await shop.place(shop.buyer())
    shop.forget_history()
    payment = await shop.news(order, FAILED, reason="card_declined")
    assert statuses(order) == ["created", "processing", "created"]
    assert order.payment_failure == "card_declined"
    await shop.news(order, PENDING, payment_id=payment)
    assert order.status is OrderStatus.CREATED  # the late start is ignored
    assert await shop.uow.payments.count_failed(order.id) == 1


async def test_the_same_news_twice_changes_nothing_the_second_time(shop) -> None:
    order = await shop.place(shop.buyer())
    payment = await shop.news(order, PENDING)
    history = len(order.history)
    shop.forget_history()
    await shop.news(order, PENDING, payment_id=payment)
    assert len(order.history) == history
    assert shop.uow.event_types == []


async def test_a_failure_after_the_success_of_the_same_payment_is_ignored(shop) -> None:
    order = await shop.place(shop.buyer())
    payment = await shop.news(order, SUCCEEDED)
    shop.forget_history()
    await shop.news(order, FAILED, payment_id=payment, reason="card_declined")
    assert order.status is OrderStatus.PAID
    assert order.payment_failure is None
    assert shop.uow.event_types == []
    assert shop.catalog.calls == []


async def test_money_for_a_cancelled_order_is_given_back(shop) -> None:
    buyer = shop.buyer()
    order = await shop.place(buyer)
    payment = await shop.news(order, PENDING)
    await shop.news(order, FAILED, payment_id=payment, reason="card_declined")
    await orders.cancel(**shop.peers, order_id=order.id, principal=buyer)
    shop.forget_history()
    await shop.news(order, SUCCEEDED)
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].reason == "paid_after_cancellation"
    assert shop.uow.event_types == [CANCELLED]
    [refund] = shop.uow.events(OrderCancelled)
    assert refund.refund is True
    assert shop.catalog.calls == []  # its stock was released when it was cancelled
    assert shop.uow.owed() == {}


async def test_a_second_payment_on_a_paid_order_is_noted(shop) -> None:
    order = await shop.paid(shop.buyer())
    shop.forget_history()
    await shop.news(order, SUCCEEDED)
    assert order.status is OrderStatus.PAID
    assert order.history[-1].reason == "duplicate_payment"
    assert shop.uow.event_types == []


async def test_a_refund_is_noted_and_moves_nothing(shop) -> None:
    order = await shop.paid(shop.buyer())
    [payment] = shop.uow.payments.rows
    await orders.cancel(**shop.peers, order_id=order.id, principal=shop.admin())
    shop.forget_history()
    await shop.news(order, REFUNDED, payment_id=payment)
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].reason == "refunded"
    assert shop.uow.event_types == []


async def test_the_fifth_failure_cancels_the_order_and_releases_its_stock(shop) -> None:
    order = await shop.place(shop.buyer())
    for _ in range(4):
        await shop.news(order, FAILED, reason="card_declined")
    assert order.status is OrderStatus.CREATED
    shop.forget_history()
    await shop.news(order, FAILED, reason="card_declined")
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].reason == "payment_attempts_exhausted"
    assert CANCELLED in shop.uow.event_types
    assert shop.catalog.calls == [("release", order.id)]
    assert shop.uow.owed() == {}


async def test_a_failure_after_the_deadline_cancels_instead_of_reopening(shop) -> None:
    order = await shop.place(shop.buyer())
    payment = await shop.news(order, PENDING)
    shop.forget_history()
    await shop.news(
        order,
        FAILED,
        payment_id=payment,
        reason="card_declined",
        now=utcnow() + timedelta(minutes=31),
    )
    assert statuses(order)[-2:] == ["created", "cancelled"]
    assert order.history[-1].reason == "payment_timeout"
    assert shop.catalog.calls == [("release", order.id)]


async def test_news_of_an_unknown_order_is_dropped(shop) -> None:
    async with shop.uow as uow:
        applied = await payments.apply(
            uow,
            **shop.peers,
            order_id=uuid.uuid4(),
            payment_id=uuid.uuid4(),
            news=SUCCEEDED,
            at=utcnow(),
            limits=shop.limits,
        )
        await uow.commit()
    assert applied is None
    assert shop.uow.committed == []
    assert shop.uow.payments.rows == {}


async def test_a_payment_that_names_another_order_changes_neither(shop) -> None:
    first, second = await shop.place(shop.buyer()), await shop.place(shop.buyer())
    payment = await shop.news(first, PENDING)
    shop.forget_history()
    await shop.news(second, SUCCEEDED, payment_id=payment)
    assert second.status is OrderStatus.CREATED
    assert first.status is OrderStatus.PROCESSING
    assert shop.uow.event_types == []
