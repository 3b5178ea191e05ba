"""The ``orders`` consumer of payments' events on a real NATS JetStream: the saga's moves,
and news arriving late, twice or for an order that moved on, which must change nothing and
never jam the consumer."""

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import update

from marketplace_contracts import (
    Envelope,
    Event,
    PaymentFailed,
    PaymentRefunded,
    PaymentStarted,
    PaymentSucceeded,
    stream_name,
)
from marketplace_platform.clock import utcnow
from marketplace_platform.events.bus import EventBus
from marketplace_platform.ids import new_id
from orders_service.adapters.orm import orders as orders_table
from orders_service.consumers.payments import CONSUMER

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def payments_bus(private_nats_server) -> AsyncIterator[EventBus]:
    bus = EventBus(private_nats_server.url, service="payments")
    await bus.start()
    yield bus
    await bus.close()


class Payment:
    """Events of one payment of one order, as the payments service would publish them."""

    def __init__(self, bus: EventBus, order: dict) -> None:
        self.bus = bus
        self.id = new_id()
        self.order_id = uuid.UUID(order["id"])
        self.user_id = uuid.UUID(order["user_id"])
        self.amount = order["total"]

    def _fields(self) -> dict:
        return {
            "payment_id": self.id,
            "order_id": self.order_id,
            "user_id": self.user_id,
            "amount": self.amount,
            "currency": "RUB",
        }

    def started(self) -> Envelope:
        return wrap(PaymentStarted(**self._fields()))

    def succeeded(self) -> Envelope:
        return wrap(PaymentSucceeded(**self._fields(), card_brand="visa", card_last4="4242"))

    def failed(self, reason: str = "card_declined") -> Envelope:
        return wrap(PaymentFailed(**self._fields(), reason=reason))

    def refunded(self) -> Envelope:
        return wrap(PaymentRefunded(**self._fields()))

    async def send(self, *envelopes: Envelope) -> None:
        for envelope in envelopes:
            # A fresh message id each time: a re-send stands for a redelivery or replay
            # that JetStream's de-duplication would not catch.
            await self.bus.publish(
                envelope.type,
                orjson.dumps(envelope.model_dump(mode="json")),
                msg_id=str(uuid.uuid4()),
            )


def wrap(event: Event) -> Envelope:
    return Envelope.wrap(event, id=new_id(), source="payments")


async def until(orders, caller, order_id: str, check) -> dict:
    async with asyncio.timeout(20):
        while True:
            order = await orders.order(caller, order_id)
            if check(order):
                return order
            await asyncio.sleep(0.05)


async def settled(orders, payment: Payment, caller, order_id: str, history_length: int) -> dict:
    """Wait until the ``orders`` consumer has handled everything sent so far: nothing left
    to deliver, nothing delivered and unanswered. (A later event of another order proves
    nothing: the consumer handles different orders' events side by side.)"""
    async with asyncio.timeout(20):
        while True:
            info = await payment.bus.jetstream.consumer_info(stream_name("payments"), CONSUMER)
            if (info.num_pending, info.num_ack_pending) == (0, 0):
                break
            await asyncio.sleep(0.05)
    order = await orders.order(caller, order_id)
    assert len(order["history"]) == history_length
    return order


async def test_declined_then_paid_walks_the_saga(orders, peers, payments_bus) -> None:
    product = peers.product(stock=5)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))

    declined = Payment(payments_bus, order)
    await declined.send(declined.started())
    await until(orders, buyer, order["id"], lambda o: o["status"] == "processing")
    await declined.send(declined.failed("card_declined"))
    back = await until(orders, buyer, order["id"], lambda o: o["status"] == "created")
    assert back["payment_failure"] == "card_declined"
    assert back["history"][-1]["reason"] == "card_declined"

    paid = Payment(payments_bus, order)
    await paid.send(paid.started(), paid.succeeded())
    done = await until(orders, buyer, order["id"], lambda o: o["status"] == "paid")
    assert done["payment_failure"] is None
    assert [h["status"] for h in done["history"]] == [
        "created",
        "processing",
        "created",
        "processing",
        "paid",
    ]
    assert all(h["actor"] == "system" for h in done["history"][1:])
    [paid_event] = await orders.outbox("orders.order.paid.v1")
    assert paid_event["data"]["total"] == order["total"]
    changes = await orders.outbox("orders.order.status_changed.v1")
    assert [(c["data"]["from_status"], c["data"]["to_status"]) for c in changes] == [
        ("created", "processing"),
        ("processing", "created"),
        ("created", "processing"),
        ("processing", "paid"),
    ]
    async with asyncio.timeout(10):
        while peers.status_of(order["id"]) != "committed":
            await asyncio.sleep(0.05)


async def test_late_and_repeated_news_changes_nothing(orders, peers, payments_bus) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    payment = Payment(payments_bus, order)
    succeeded = payment.succeeded()

    # The outcome overtakes the start: the order still goes through processing to paid.
    await payment.send(succeeded)
    paid = await until(orders, buyer, order["id"], lambda o: o["status"] == "paid")
    assert [h["status"] for h in paid["history"]] == ["created", "processing", "paid"]

    # Then the start arrives late, the success again, and a contradicting failure.
    await payment.send(payment.started(), succeeded, payment.failed())
    after = await settled(orders, payment, buyer, order["id"], history_length=3)
    assert after["status"] == "paid"
    assert len(await orders.outbox("orders.order.paid.v1")) == 1


async def deliver(orders, peers, payments_bus, arrival: tuple[str, ...]) -> tuple[dict, dict]:
    """Place an order, send one payment's news in the order ``arrival`` names, and answer
    the order as placed and as it is once all of it has been handled."""
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    payment = Payment(payments_bus, order)
    # Each one a new envelope: the inbox does not catch a duplicate, the rules must.
    news = {"started": payment.started, "succeeded": payment.succeeded, "failed": payment.failed}
    await payment.send(*(news[name]() for name in arrival))
    return order, await settled(orders, payment, buyer, order["id"], history_length=3)


# Where one payment's news leaves its order: (status, history as (status, reason)).
ENDS = {
    "failed": ("created", [("created", None), ("processing", None), ("created", "card_declined")]),
    "succeeded": ("paid", [("created", None), ("processing", None), ("paid", None)]),
}


def arrivals() -> list[tuple[str, ...]]:
    """Every order a payment's start and outcome can be handled in: two orders replicas
    consume payments' events in parallel, and a kill redelivers, so the outcome may come
    before the start, and either may come twice. Every one must end the same way."""
    return [
        sequence
        for outcome in ENDS
        for sequence in (
            ("started", outcome),
            (outcome, "started"),
            (outcome, outcome, "started", "started"),
            ("started", outcome, "started", outcome),
        )
    ]


@pytest.mark.parametrize("arrival", arrivals(), ids="-".join)
async def test_a_payment_ends_the_same_whatever_the_order_of_arrival(
    orders, peers, payments_bus, arrival
) -> None:
    outcome = next(name for name in arrival if name != "started")
    status, history = ENDS[outcome]
    order, after = await deliver(orders, peers, payments_bus, arrival)
    assert after["status"] == status
    assert [(h["status"], h["reason"]) for h in after["history"]] == history
    # The decline's reason shows on the order, and the user is told (status_changed).
    assert after["payment_failure"] == ("card_declined" if outcome == "failed" else None)
    changes = [
        (c["data"]["from_status"], c["data"]["to_status"])
        for c in await orders.outbox("orders.order.status_changed.v1")
        if c["data"]["order_id"] == order["id"]
    ]
    statuses = [entry[0] for entry in history]
    assert changes == list(itertools.pairwise(statuses))
    paid = [
        e
        for e in await orders.outbox("orders.order.paid.v1")
        if e["data"]["order_id"] == order["id"]
    ]
    assert len(paid) == (1 if outcome == "succeeded" else 0)


async def test_a_failure_after_the_order_was_paid_by_another_payment_is_ignored(
    orders, peers, payments_bus
) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    first, second = Payment(payments_bus, order), Payment(payments_bus, order)
    await first.send(first.started(), first.succeeded())
    await until(orders, buyer, order["id"], lambda o: o["status"] == "paid")
    await second.send(second.failed())
    after = await settled(orders, first, buyer, order["id"], history_length=3)
    assert after["status"] == "paid"


async def test_a_refund_is_noted_in_the_history(orders, peers, payments_bus) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    payment = Payment(payments_bus, order)
    await payment.send(payment.started(), payment.succeeded())
    await until(orders, buyer, order["id"], lambda o: o["status"] == "paid")
    cancel = await orders.http.post(f"/api/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancel.status_code == 200
    await payment.send(payment.refunded())
    refunded = await until(
        orders, buyer, order["id"], lambda o: o["history"][-1]["reason"] == "refunded"
    )
    assert refunded["status"] == "cancelled"


async def test_money_for_a_cancelled_order_is_sent_back(orders, peers, payments_bus) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    cancel = await orders.http.post(f"/api/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancel.status_code == 200
    payment = Payment(payments_bus, order)
    await payment.send(payment.started(), payment.succeeded())
    noted = await until(
        orders,
        buyer,
        order["id"],
        lambda o: o["history"][-1]["reason"] == "paid_after_cancellation",
    )
    assert noted["status"] == "cancelled"
    refunds = [e for e in await orders.outbox("orders.order.cancelled.v1") if e["data"]["refund"]]
    assert [e["data"]["reason"] for e in refunds] == ["paid_after_cancellation"]


async def test_news_of_an_unknown_order_is_dropped_without_jamming(
    orders, peers, payments_bus
) -> None:
    buyer = orders.user()
    ghost = Payment(
        payments_bus, {"id": str(uuid.uuid4()), "user_id": str(buyer.user_id), "total": 100}
    )
    await ghost.send(ghost.succeeded())
    order = await orders.place(buyer, (peers.product(), 1))
    payment = Payment(payments_bus, order)
    await payment.send(payment.started())
    await until(orders, buyer, order["id"], lambda o: o["status"] == "processing")
    assert await orders.scalar("SELECT count(*) FROM inbox") == 2


# -- no hoarding: the unpaid clock runs from the order's creation, tries are capped ------


async def backdate(orders, order_id: str, by: timedelta) -> None:
    """Make the order look placed ``by`` ago."""
    async with orders.db.session() as session, session.begin():
        await session.execute(
            update(orders_table)
            .where(orders_table.c.id == uuid.UUID(order_id))
            .values(created_at=utcnow() - by)
        )


def declines(order: dict) -> int:
    return [h["reason"] for h in order["history"]].count("card_declined")


async def decline(
    orders, buyer, order: dict, payment: Payment, *, then: str, overtaken: bool = False
) -> dict:
    """Decline ``payment``; ``overtaken``: its failure is handled before its start."""
    before = declines(await orders.order(buyer, order["id"]))
    if overtaken:
        await payment.send(payment.failed("card_declined"), payment.started())
    else:
        await payment.send(payment.started())
        await until(
            orders, buyer, order["id"], lambda o: o["history"][-1]["status"] == "processing"
        )
        await payment.send(payment.failed("card_declined"))
    return await until(
        orders, buyer, order["id"], lambda o: o["status"] == then and declines(o) > before
    )


async def test_a_declined_payment_does_not_restart_the_unpaid_clock(
    orders, peers, payments_bus
) -> None:
    product = peers.product(stock=3)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))
    await backdate(orders, order["id"], timedelta(minutes=20))
    await decline(orders, buyer, order, Payment(payments_bus, order), then="created")

    # 31 minutes after the order was placed, 11 after the decline: the order is overdue.
    await orders.components.sweeper.sweep_once(now=utcnow() + timedelta(minutes=11))
    cancelled = await orders.order(buyer, order["id"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["history"][-1]["reason"] == "payment_timeout"
    assert peers.stock_of(product) == 3


async def test_a_decline_heard_after_the_deadline_cancels_the_order(
    orders, peers, payments_bus
) -> None:
    product = peers.product(stock=3)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))
    payment = Payment(payments_bus, order)
    await payment.send(payment.started())
    await until(orders, buyer, order["id"], lambda o: o["status"] == "processing")
    await backdate(orders, order["id"], timedelta(minutes=31))

    # The decline comes late: the order does not reopen for a new 30 minutes.
    await payment.send(payment.failed("card_declined"))
    cancelled = await until(orders, buyer, order["id"], lambda o: o["status"] == "cancelled")
    assert [(h["status"], h["reason"]) for h in cancelled["history"][-2:]] == [
        ("created", "card_declined"),
        ("cancelled", "payment_timeout"),
    ]
    async with asyncio.timeout(10):
        while peers.stock_of(product) != 3:
            await asyncio.sleep(0.05)


# A decline counts as a try even when it overtakes its payment's start.
@pytest.mark.parametrize("overtaken", [False, True], ids=["in-order", "overtaken"])
async def test_the_fifth_declined_payment_cancels_the_order(
    orders, peers, payments_bus, overtaken
) -> None:
    product = peers.product(stock=3)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))
    for _ in range(4):
        payment = Payment(payments_bus, order)
        await decline(orders, buyer, order, payment, then="created", overtaken=overtaken)
    assert peers.stock_of(product) == 1

    last = await decline(
        orders, buyer, order, Payment(payments_bus, order), then="cancelled", overtaken=overtaken
    )
    assert last["history"][-1]["reason"] == "payment_attempts_exhausted"
    assert last["history"][-1]["actor"] == "system"
    async with asyncio.timeout(10):
        while peers.stock_of(product) != 3:
            await asyncio.sleep(0.05)
    # Payments asks orders before charging: the order is no longer awaiting payment.
    view = await orders.http.get(f"/internal/orders/{order['id']}", headers=orders.internal)
    assert view.json()["status"] == "cancelled"
