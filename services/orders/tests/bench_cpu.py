"""Orders' CPU per saga in one process, without the rest of the system: not a test (no
``test_`` file name, so the suite never collects it), a measurement for docs/benchmarks.md.

Each round places ``ORDERS_BENCH_AT_ONCE`` orders (one buyer each, through the API, with an
``Idempotency-Key``; the fake catalog reserves and commits), then hands the consumer each
order's payment started, then succeeded, all at once, as the bus would with that many
in work. It prints the process's CPU time (``time.process_time``) per saga over the measured
rounds: the orders service's own work plus the fake catalog's and the test client's, which
are the same for any version of the service. A machine's load changes it far less than it
changes the saga bench's sagas/s. Run it on one engine at a time::

    .venv/bin/pytest services/orders/tests/bench_cpu.py -q -s -k sqlite
    ORDERS_BENCH_AT_ONCE=1 .venv/bin/pytest services/orders/tests/bench_cpu.py -q -s -k sqlite

A version without the group commit (no ``consumers.payments.prepare``) is fed event by event
through ``handle_once``, as its consumer would.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import pytest

from marketplace_contracts import Envelope, PaymentStarted, PaymentSucceeded
from marketplace_platform.events import inbox
from marketplace_platform.ids import new_id
from orders_service.consumers import payments as consumer

pytestmark = pytest.mark.integration

SAGAS = int(os.environ.get("ORDERS_BENCH_SAGAS", "160"))
AT_ONCE = int(os.environ.get("ORDERS_BENCH_AT_ONCE", "8"))
WARM_UP_ROUNDS = 5


def consumer_of(orders: Any) -> Any:
    components = orders.components

    def effect_of(envelope: Envelope) -> Any:
        return consumer.effect_of(
            envelope,
            unit_of_work=components.unit_of_work,
            catalog=components.catalog,
            limits=components.settings.limits,
        )

    prepare = getattr(consumer, "prepare", None)
    if prepare is None:
        return lambda envelope: inbox.handle_once(
            components.unit_of_work(),
            consumer=consumer.CONSUMER,
            envelope=envelope,
            effect=effect_of(envelope),
        )
    group = inbox.GroupCommit(
        consumer.CONSUMER,
        unit_of_work=components.unit_of_work,
        effect_of=effect_of,
        max_batch=max(AT_ONCE, 1),
        prepare=prepare,
    )
    return group.handle


async def test_cpu_per_saga(orders, peers) -> None:
    await orders.components.runtime.relay.stop()  # the bench's own NATS is not there
    handle = consumer_of(orders)
    buyers = [orders.user() for _ in range(AT_ONCE)]
    product = peers.product(stock=10**6)

    async def place(buyer: Any, key: str) -> dict:
        response = await orders.http.post(
            "/api/orders",
            json={"items": [{"product_id": product, "quantity": 1}]},
            headers={**buyer.headers, "Idempotency-Key": key},
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def one_round(n: int) -> None:
        placed = await asyncio.gather(*(place(b, f"{n}-{i}") for i, b in enumerate(buyers)))
        payments = [
            {
                "payment_id": new_id(),
                "order_id": uuid.UUID(order["id"]),
                "user_id": uuid.UUID(order["user_id"]),
                "amount": order["total"],
                "currency": "RUB",
            }
            for order in placed
        ]
        for event in (
            [PaymentStarted(**p) for p in payments],
            [PaymentSucceeded(**p, card_brand="visa", card_last4="4242") for p in payments],
        ):
            await asyncio.gather(
                *(handle(Envelope.wrap(e, id=new_id(), source="payments")) for e in event)
            )

    for n in range(WARM_UP_ROUNDS):
        await one_round(-n - 1)
    rounds = max(SAGAS // AT_ONCE, 1)
    began = time.process_time()
    for n in range(rounds):
        await one_round(n)
    spent = time.process_time() - began
    print(  # noqa: T201 -- the measurement is its output
        f"\norders, {orders.engine}, {AT_ONCE} at once, {rounds * AT_ONCE} sagas: "
        f"{1000 * spent / (rounds * AT_ONCE):.1f} ms of CPU a saga"
    )
