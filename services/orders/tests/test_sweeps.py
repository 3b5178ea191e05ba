"""What time decides: the unpaid timeout, reconciliation of orders stuck in ``processing``
from payments' records, the demo's automatic delivery, and the sweeper that runs them."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from marketplace_platform.clock import utcnow

pytestmark = pytest.mark.integration


async def set_status(orders, order_id: str, status: str) -> None:
    await orders.execute(
        "UPDATE orders SET status = :status WHERE id = :id",
        status=status,
        id=uuid.UUID(order_id).hex if orders.engine == "sqlite" else uuid.UUID(order_id),
    )


async def sweep(orders, *, after: timedelta) -> None:
    await orders.components.sweeper.sweep_once(now=utcnow() + after)


async def test_an_unpaid_order_is_cancelled_after_the_timeout(orders, peers) -> None:
    product = peers.product(stock=3)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))

    await sweep(orders, after=timedelta(minutes=29))
    assert (await orders.order(buyer, order["id"]))["status"] == "created"

    await sweep(orders, after=timedelta(minutes=31))
    cancelled = await orders.order(buyer, order["id"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["history"][-1]["reason"] == "payment_timeout"
    assert cancelled["history"][-1]["actor"] == "system"
    assert peers.stock_of(product) == 3
    [event] = await orders.outbox("orders.order.cancelled.v1")
    assert event["data"]["refund"] is False


async def test_orders_in_other_statuses_are_not_timed_out(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    await set_status(orders, order["id"], "processing")
    peers.payments[uuid.UUID(order["id"])] = [
        {"id": str(uuid.uuid4()), "status": "pending", "failure_reason": None}
    ]
    await sweep(orders, after=timedelta(hours=2))
    assert (await orders.order(buyer, order["id"]))["status"] == "processing"


@pytest.mark.parametrize(
    ("records", "status", "reason"),
    [
        ([("succeeded", None)], "paid", None),
        ([("failed", "card_declined")], "created", "card_declined"),
        ([("failed", "card_declined"), ("succeeded", None)], "paid", None),
        ([("pending", None)], "processing", None),
        ([], "created", "payment_not_found"),
    ],
)
async def test_reconciliation_settles_a_stuck_order_from_payments_records(
    orders, peers, records, status, reason
) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    await set_status(orders, order["id"], "processing")
    peers.payments[uuid.UUID(order["id"])] = [
        {"id": str(uuid.uuid4()), "status": outcome, "failure_reason": why}
        for outcome, why in records
    ]

    await sweep(orders, after=timedelta(minutes=3))
    settled = await orders.order(buyer, order["id"])
    assert settled["status"] == status
    if status == "created":
        assert settled["payment_failure"] == reason
        assert settled["history"][-1]["reason"] == reason
    if status == "paid":
        assert peers.status_of(order["id"]) == "committed"
        assert len(await orders.outbox("orders.order.paid.v1")) == 1


async def test_reconciling_a_failure_past_the_deadline_cancels_the_order(orders, peers) -> None:
    product = peers.product(stock=3)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))
    await set_status(orders, order["id"], "processing")
    peers.payments[uuid.UUID(order["id"])] = [
        {"id": str(uuid.uuid4()), "status": "failed", "failure_reason": "card_declined"}
    ]
    # Stuck in processing past the unpaid timeout: the failure does not reopen it.
    await sweep(orders, after=timedelta(minutes=31))
    settled = await orders.order(buyer, order["id"])
    assert settled["status"] == "cancelled"
    assert settled["history"][-1]["reason"] == "payment_timeout"
    assert peers.stock_of(product) == 3


async def test_reconciliation_waits_for_payments_to_answer(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    await set_status(orders, order["id"], "processing")
    peers.payments_down = True
    await sweep(orders, after=timedelta(minutes=3))
    assert (await orders.order(buyer, order["id"]))["status"] == "processing"


async def test_a_recent_processing_order_is_left_to_its_events(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    await set_status(orders, order["id"], "processing")
    await sweep(orders, after=timedelta(seconds=10))
    assert (await orders.order(buyer, order["id"]))["status"] == "processing"


@pytest.mark.parametrize("settings_overrides", [{"auto_deliver_after": 60}])
async def test_the_demo_delivers_paid_orders_after_the_delay(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    await set_status(orders, order["id"], "paid")
    await sweep(orders, after=timedelta(seconds=30))
    assert (await orders.order(buyer, order["id"]))["status"] == "paid"
    await sweep(orders, after=timedelta(seconds=90))
    delivered = await orders.order(buyer, order["id"])
    assert delivered["status"] == "delivered"
    assert delivered["history"][-1]["actor"] == "system"


async def test_without_the_demo_setting_paid_orders_wait_for_an_admin(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    await set_status(orders, order["id"], "paid")
    await sweep(orders, after=timedelta(days=1))
    assert (await orders.order(buyer, order["id"]))["status"] == "paid"


@pytest.mark.parametrize("settings_overrides", [{"unpaid_timeout": 0.3, "sweep_interval": 0.1}])
async def test_the_background_sweeper_applies_the_timeout_by_itself(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    async with asyncio.timeout(15):
        while (await orders.order(buyer, order["id"]))["status"] != "cancelled":
            await asyncio.sleep(0.05)
