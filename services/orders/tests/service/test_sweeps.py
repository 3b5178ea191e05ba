"""What time decides, on a fake unit of work: the unpaid timeout, reconciliation, the demo's
delivery and the retry of stock calls the catalog could not take."""

import uuid
from datetime import timedelta

import pytest

from marketplace_contracts import OrderCancelled
from marketplace_platform.clock import utcnow
from orders_service.domain.payments import PaymentOutcome, PaymentRecord
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.service import orders, stock, sweeps

pytestmark = pytest.mark.unit

STATUS_CHANGED = "orders.order.status_changed.v1"
CANCELLED = "orders.order.cancelled.v1"
PAID = "orders.order.paid.v1"


async def cancel_unpaid(shop, *, after: timedelta) -> int:
    return await sweeps.cancel_unpaid(
        **shop.peers, unpaid_for=shop.limits.unpaid_timeout, now=utcnow() + after
    )


async def test_an_unpaid_order_is_cancelled_after_the_timeout(shop) -> None:
    order = await shop.place(shop.buyer())
    shop.forget_history()
    assert await cancel_unpaid(shop, after=timedelta(minutes=29)) == 0
    assert order.status is OrderStatus.CREATED
    assert shop.uow.committed == []

    assert await cancel_unpaid(shop, after=timedelta(minutes=31)) == 1
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].reason == "payment_timeout"
    assert order.history[-1].actor is Actor.SYSTEM
    assert shop.uow.event_types == [STATUS_CHANGED, CANCELLED]
    [cancelled] = shop.uow.events(OrderCancelled)
    assert cancelled.refund is False
    assert shop.catalog.calls == [("release", order.id)]
    assert shop.uow.owed() == {}


async def test_the_timeout_leaves_orders_being_paid_alone(shop) -> None:
    order = await shop.place(shop.buyer())
    await shop.news(order, PaymentOutcome.PENDING)
    shop.forget_history()
    assert await cancel_unpaid(shop, after=timedelta(hours=2)) == 0
    assert order.status is OrderStatus.PROCESSING
    assert shop.uow.committed == []


async def reconcile(shop, *, after: timedelta) -> int:
    return await sweeps.reconcile(
        **shop.peers,
        payments_api=shop.payments_api,
        after=timedelta(minutes=2),
        limits=shop.limits,
        now=utcnow() + after,
    )


def record(outcome: PaymentOutcome, reason: str | None = None) -> PaymentRecord:
    return PaymentRecord(payment_id=str(uuid.uuid4()), outcome=outcome, reason=reason)


async def processing(shop):
    order = await shop.place(shop.buyer())
    await shop.news(order, PaymentOutcome.PENDING)
    shop.forget_history()
    return order


async def test_reconciliation_pays_an_order_whose_payment_succeeded(shop) -> None:
    order = await processing(shop)
    shop.payments_api.records[order.id] = [
        record(PaymentOutcome.FAILED, "card_declined"),
        record(PaymentOutcome.SUCCEEDED),
    ]
    assert await reconcile(shop, after=timedelta(minutes=3)) == 1
    assert order.status is OrderStatus.PAID
    assert PAID in shop.uow.event_types
    assert shop.catalog.calls == [("commit", order.id)]
    assert shop.uow.owed() == {}


async def test_reconciliation_reopens_an_order_payments_knows_nothing_of(shop) -> None:
    order = await processing(shop)
    assert await reconcile(shop, after=timedelta(minutes=3)) == 1
    assert order.status is OrderStatus.CREATED
    assert order.payment_failure == "payment_not_found"
    assert shop.uow.event_types == [STATUS_CHANGED]
    assert shop.uow.owed() == {}


async def test_reconciliation_leaves_a_payment_in_flight_and_a_recent_order(shop) -> None:
    order = await processing(shop)
    assert await reconcile(shop, after=timedelta(seconds=10)) == 0
    shop.payments_api.records[order.id] = [record(PaymentOutcome.PENDING)]
    assert await reconcile(shop, after=timedelta(minutes=3)) == 0
    assert order.status is OrderStatus.PROCESSING
    assert shop.uow.event_types == []


async def test_reconciling_a_failure_past_the_deadline_cancels_the_order(shop) -> None:
    order = await processing(shop)
    shop.payments_api.records[order.id] = [record(PaymentOutcome.FAILED, "card_declined")]
    assert await reconcile(shop, after=timedelta(minutes=31)) == 1
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].reason == "payment_timeout"
    assert shop.catalog.calls == [("release", order.id)]


async def test_the_demo_delivers_paid_orders_after_the_delay(shop) -> None:
    order = await shop.paid(shop.buyer())
    shop.forget_history()
    after = timedelta(minutes=1)
    assert await sweeps.deliver_paid(**shop.peers, after=after, now=utcnow()) == 0
    assert await sweeps.deliver_paid(**shop.peers, after=after, now=utcnow() + 2 * after) == 1
    assert order.status is OrderStatus.DELIVERED
    assert order.history[-1].reason == "delivered_automatically"
    assert shop.catalog.calls == [("commit", order.id)]


async def test_a_stock_call_the_catalog_refused_is_retried_when_due(shop) -> None:
    buyer = shop.buyer()
    order = await shop.place(buyer)
    shop.catalog.down = True
    await orders.cancel(**shop.peers, order_id=order.id, principal=buyer)
    assert shop.uow.owed() == {order.id: "release"}

    shop.catalog.down = False
    assert await stock.run_due(**shop.peers, now=utcnow()) == 0  # not due yet
    assert await stock.run_due(**shop.peers, now=utcnow() + timedelta(seconds=2)) == 1
    assert shop.catalog.made("release") == [order.id, order.id]
    assert shop.uow.owed() == {}
