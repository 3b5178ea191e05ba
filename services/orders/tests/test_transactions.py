"""What each step of the saga costs orders in transactions and statements. Each one is
~1-2 ms of CPU on the asyncio drivers (docs/benchmarks.md), so these counts are the saga's
budget: a change that adds one should be a decision, not an accident."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from marketplace_contracts import Envelope, Event, PaymentStarted, PaymentSucceeded
from marketplace_platform.events.inbox import GroupCommit
from marketplace_platform.ids import new_id
from marketplace_platform.testing.service import INTERNAL_TOKEN
from orders_service.consumers.payments import CONSUMER, effect_of, prepare

pytestmark = pytest.mark.integration


@dataclass
class Transactions:
    """The transactions begun while counting, each as the statements it ran."""

    each: list[list[str]] = field(default_factory=list)

    def verbs(self) -> list[list[str]]:
        """Each transaction's statements by their first word (``SELECT``, ``DELETE`` ...)."""
        return [[statement.split()[0] for statement in each] for each in self.each]

    def reads_of(self, table: str) -> list[str]:
        return [s for each in self.each for s in each if s.startswith("SELECT") and table in s]


@contextmanager
def counting(orders: Any) -> Iterator[Transactions]:
    seen = Transactions()
    current: dict[int, list[str]] = {}  # connection -> its transaction's statements
    engine = orders.db.engine.sync_engine

    def began(conn: Any) -> None:
        current[id(conn)] = statements = []
        seen.each.append(statements)

    def executed(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if id(conn) in current:
            current[id(conn)].append(" ".join(statement.split()))

    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", executed)


@pytest.fixture
async def quiet_orders(orders: Any) -> Any:
    """The service without its outbox relay, whose own transactions would mix into the
    counts (it marks a batch of published events in one)."""
    await orders.components.runtime.relay.stop()
    return orders


def consumer(orders: Any) -> GroupCommit[Any]:
    """The ``orders`` consumer's group commit (``consumers.payments.register``), fed here
    instead of by the bus."""
    components = orders.components
    return GroupCommit(
        CONSUMER,
        unit_of_work=components.unit_of_work,
        effect_of=lambda envelope: effect_of(
            envelope,
            unit_of_work=components.unit_of_work,
            catalog=components.catalog,
            limits=components.settings.limits,
        ),
        max_batch=components.settings.consumer_concurrency,
        prepare=prepare,
    )


async def apply(orders: Any, *events: Event) -> None:
    """What the ``orders`` consumer does with payments' events in work at once (one alone:
    a batch of one)."""
    group = consumer(orders)
    envelopes = [Envelope.wrap(event, id=new_id(), source="payments") for event in events]
    assert all(await asyncio.gather(*(group.handle(envelope) for envelope in envelopes)))


def payment_of(order: dict) -> dict:
    return {
        "payment_id": new_id(),
        "order_id": uuid.UUID(order["id"]),
        "user_id": uuid.UUID(order["user_id"]),
        "amount": order["total"],
        "currency": "RUB",
    }


async def test_a_saga_costs_orders_six_transactions(quiet_orders, peers) -> None:
    orders = quiet_orders
    buyer = orders.user()
    with counting(orders) as placing:
        response = await orders.http.post(
            "/api/orders",
            json={"items": [{"product_id": peers.product(), "quantity": 1}]},
            headers={**buyer.headers, "Idempotency-Key": "first"},
        )
        assert response.status_code == 201
    order = response.json()
    # The key claimed, the limits checked and the reservation intent written, in one; the
    # order stored with its answer (and the intent dropped).
    assert len(placing.each) == 2
    inserted = [s.split()[2] for s in placing.each[0] if s.startswith("INSERT")]
    assert inserted == ["idempotency_keys", "stock_actions"]

    with counting(orders) as looked_at:
        response = await orders.http.get(
            f"/internal/orders/{order['id']}", headers={"X-Internal-Token": INTERNAL_TOKEN}
        )
        assert response.status_code == 200
    # Payments' look at the order reads its row, not its lines and history.
    assert looked_at.verbs() == [["SELECT"]]

    payment = payment_of(order)
    with counting(orders) as started:
        await apply(orders, PaymentStarted(**payment))
    # The effect with its inbox claim; no stock call is owed, so nothing more.
    assert len(started.each) == 1

    with counting(orders) as succeeded:
        await apply(orders, PaymentSucceeded(**payment, card_brand="visa", card_last4="4242"))
    # The effect with its inbox claim and the commit owed (claimed for its first try), then
    # the commit made at the catalog and deleted: no read, no claim of its own.
    assert len(succeeded.each) == 2
    assert succeeded.verbs()[1] == ["DELETE"]
    assert peers.status_of(order["id"]) == "committed"
    assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0
    # Neither event reads the order's history: the order only appends to it.
    assert started.reads_of("order_history") == succeeded.reads_of("order_history") == []
    history = await orders.order(buyer, order["id"])
    assert [entry["status"] for entry in history["history"]] == ["created", "processing", "paid"]


async def test_payment_events_of_orders_in_work_at_once_share_a_transaction(
    quiet_orders, peers
) -> None:
    orders = quiet_orders
    buyers = [orders.user(), orders.user()]
    placed = []
    for buyer in buyers:
        response = await orders.http.post(
            "/api/orders",
            json={"items": [{"product_id": peers.product(), "quantity": 1}]},
            headers=buyer.headers,
        )
        assert response.status_code == 201
        placed.append(response.json())
    payments = [payment_of(order) for order in placed]

    with counting(orders) as started:
        await apply(orders, *(PaymentStarted(**payment) for payment in payments))
    # Both events claimed, both orders read (one query, and one for their lines) and moved,
    # in one transaction.
    assert len(started.each) == 1
    assert len(started.reads_of("FROM orders ")) == 1
    assert len(started.reads_of("FROM order_items ")) == 1

    with counting(orders) as succeeded:
        await apply(
            orders,
            *(PaymentSucceeded(**p, card_brand="visa", card_last4="4242") for p in payments),
        )
    # Both orders paid in one transaction; then each commit made at the catalog, deleted.
    assert len(succeeded.each) == 3
    assert succeeded.verbs()[1:] == [["DELETE"], ["DELETE"]]
    for buyer, order in zip(buyers, placed, strict=True):
        assert peers.status_of(order["id"]) == "committed"
        history = await orders.order(buyer, order["id"])
        assert [entry["status"] for entry in history["history"]] == [
            "created",
            "processing",
            "paid",
        ]
    assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0
