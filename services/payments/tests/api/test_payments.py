"""POST /api/payments and the reads: paying an order, declines and new attempts, what is
refused (and that nothing is recorded then), ownership, idempotency keys, the internal view."""

import asyncio
import uuid

import pytest
from sqlalchemy import select

from marketplace_contracts import PaymentFailed, PaymentStarted, PaymentSucceeded
from payments_service.adapters.processor import ProcessorCharge

pytestmark = pytest.mark.integration

DECLINED = "4000 0000 0000 0002"


async def payment_count(payments) -> int:
    return int(await payments.scalar("SELECT count(*) FROM payments"))


async def test_a_good_card_pays_the_order(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user, total=12_990)

    response = await payments.pay(user, order_id)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert (body["order_id"], body["user_id"]) == (str(order_id), str(user))
    assert (body["amount"], body["currency"], body["failure_reason"]) == (12_990, "RUB", None)
    assert body["card"] == {"brand": "visa", "last4": "4242"}
    assert body["attempt"] == 1
    assert [(a["payment_id"], a["status"]) for a in body["attempts"]] == [(body["id"], "succeeded")]
    events = [e["type"] for e in await payments.outbox()]
    assert events == [PaymentStarted.TYPE, PaymentSucceeded.TYPE]
    succeeded = (await payments.outbox(PaymentSucceeded.TYPE))[0]["data"]
    assert succeeded["payment_id"] == body["id"]
    assert (succeeded["card_brand"], succeeded["card_last4"]) == ("visa", "4242")


async def test_a_declined_card_fails_and_another_card_then_pays(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)

    declined = await payments.pay(user, order_id, DECLINED)
    assert declined.status_code == 201, declined.text
    assert (declined.json()["status"], declined.json()["failure_reason"]) == (
        "failed", "card_declined"
    )
    failed = (await payments.outbox(PaymentFailed.TYPE))[0]["data"]
    assert failed["reason"] == "card_declined"

    paid = await payments.pay(user, order_id, "5555 5555 5555 4444")
    body = paid.json()
    assert paid.status_code == 201, paid.text
    assert body["id"] != declined.json()["id"]  # a new payment: each has one outcome
    assert (body["status"], body["failure_reason"], body["attempt"]) == ("succeeded", None, 2)
    assert body["card"] == {"brand": "mastercard", "last4": "4444"}
    assert [(a["attempt"], a["status"], a["failure_reason"], a["card"]["last4"])
            for a in body["attempts"]] == [
        (1, "failed", "card_declined", "0002"),
        (2, "succeeded", None, "4444"),
    ]
    started = [e["data"]["payment_id"] for e in await payments.outbox(PaymentStarted.TYPE)]
    assert started == [declined.json()["id"], body["id"]]
    assert [e["type"] for e in await payments.outbox()] == [
        PaymentStarted.TYPE, PaymentFailed.TYPE, PaymentStarted.TYPE, PaymentSucceeded.TYPE
    ]


async def test_a_retry_before_orders_heard_of_the_failure_is_told_to_wait(payments) -> None:
    """Right after a decline the order may still show ``processing`` (the failure reaches
    orders as an event): the payer is told to repeat in a moment, not that it cannot pay."""
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    declined = await payments.pay(user, order_id, DECLINED)
    assert declined.json()["status"] == "failed"
    payments.orders.set_status(order_id, "processing")  # the failure not yet applied

    early = await payments.pay(user, order_id, "4242 4242 4242 4242")
    assert early.status_code == 409, early.text
    assert early.json()["type"].endswith("/order-settling")
    assert early.headers["retry-after"] == "1"
    assert len(await payments.outbox(PaymentStarted.TYPE)) == 1  # nothing new was started

    payments.orders.set_status(order_id, "created")  # orders caught up
    paid = await payments.pay(user, order_id, "4242 4242 4242 4242")
    assert (paid.status_code, paid.json()["status"]) == (201, "succeeded")


@pytest.mark.parametrize(
    ("number", "reason"),
    [("4000 0000 0000 9995", "insufficient_funds"), ("4000 0000 0000 0119", "processing_error")],
)
async def test_test_cards_fail_with_their_reason(payments, number: str, reason: str) -> None:
    user = uuid.uuid4()
    response = await payments.pay(user, payments.orders.add(user), number)
    assert (response.json()["status"], response.json()["failure_reason"]) == ("failed", reason)


async def test_a_paid_order_cannot_be_paid_again(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    assert (await payments.pay(user, order_id)).status_code == 201

    again = await payments.pay(user, order_id)

    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-paid")


async def test_someone_elses_order_and_a_missing_one_are_not_found(payments) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    order_id = payments.orders.add(owner)

    for order in (order_id, uuid.uuid4()):
        response = await payments.pay(other, order)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/order-not-found")
    assert await payment_count(payments) == 0


@pytest.mark.parametrize("status", ["processing", "paid", "cancelled", "delivered"])
async def test_an_order_not_awaiting_payment_is_a_conflict(payments, status: str) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user, status=status)

    response = await payments.pay(user, order_id)

    assert response.status_code == 409
    assert response.json()["order_status"] == status
    assert await payment_count(payments) == 0


async def test_a_stated_amount_other_than_the_total_is_refused(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user, total=1000)

    response = await payments.pay(user, order_id, amount=999)

    assert response.status_code == 409
    assert response.json()["order_total"] == 1000
    assert await payment_count(payments) == 0
    assert (await payments.pay(user, order_id, amount=1000)).status_code == 201


@pytest.mark.parametrize(
    ("card_fields", "field"),
    [
        ({"number": "4242 4242 4242 4241"}, "number"),
        ({"number": "4242-4242-abcd-4242"}, "number"),
        ({"number": "4242"}, "number"),
        ({"exp_month": 1, "exp_year": 2020}, "exp_year"),
        ({"exp_month": 13}, "exp_month"),
        ({"cvc": "12"}, "cvc"),
        ({"holder": "\x07"}, "holder"),
    ],
)
async def test_a_bad_card_is_refused_before_anything_happens(
    payments, card_fields: dict, field: str
) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    body = {
        "order_id": str(order_id),
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123",
                 "holder": "IVAN PETROV", **card_fields},
    }

    response = await payments.http.post("/api/payments", json=body, headers=payments.headers(user))

    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert "4242" not in response.text
    assert payments.orders.calls == 0  # not even the order was looked up
    assert await payment_count(payments) == 0


async def test_a_malformed_body_is_refused_without_echoing_the_card(payments) -> None:
    user = uuid.uuid4()
    body = {"order_id": "nope", "card": {"number": "4242424242424242" * 3, "exp_month": "x"}}

    response = await payments.http.post("/api/payments", json=body, headers=payments.headers(user))

    assert response.status_code == 422
    assert "4242" not in response.text


async def test_orders_unreachable_is_503_and_nothing_is_charged(payments, start_payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    nobody = "http://127.0.0.1:9"  # the discard port: connection refused

    async with start_payments(orders_url=nobody) as cut_off:
        response = await cut_off.pay(user, order_id)

    assert response.status_code == 503
    assert response.json()["type"].endswith("/orders-unavailable")
    assert await payment_count(payments) == 0


@pytest.mark.parametrize("settings_overrides", [{"processor_latency": 0.3}])
async def test_a_second_payment_while_one_is_in_flight_is_a_conflict(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)

    first = asyncio.create_task(payments.pay(user, order_id))
    async with asyncio.timeout(10):
        while await payments.scalar("SELECT count(*) FROM payments") == 0:
            await asyncio.sleep(0.01)
    second = await payments.pay(user, order_id, "5555 5555 5555 4444")

    assert second.status_code == 409
    assert second.json()["type"].endswith("/payment-in-progress")
    assert (await first).json()["status"] == "succeeded"
    assert (await first).json()["attempt"] == 1


async def test_concurrent_payments_of_one_order_charge_it_once(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)

    answers = await asyncio.gather(*(payments.pay(user, order_id) for _ in range(4)))

    codes = sorted(response.status_code for response in answers)
    assert codes[0] == 201
    assert set(codes[1:]) <= {201, 409}
    assert len(await payments.outbox(PaymentSucceeded.TYPE)) == 1
    async with payments.components.processor.db.read_session() as session:
        charges = (await session.scalars(select(ProcessorCharge.status))).all()
    assert charges == ["succeeded"]  # the processor took the money once


# -- idempotency keys -----------------------------------------------------------------------------


async def test_the_same_key_twice_charges_once_and_replays_the_answer(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)

    first = await payments.pay(user, order_id, key="pay-1")
    again = await payments.pay(user, order_id, key="pay-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await payments.outbox(PaymentStarted.TYPE)) == 1


async def test_the_same_key_with_another_card_is_refused(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    await payments.pay(user, order_id, DECLINED, key="pay-2")

    response = await payments.pay(user, order_id, "5555 5555 5555 4444", key="pay-2")

    assert response.status_code == 422
    assert response.json()["type"].endswith("/idempotency-key-reused")


async def test_a_refused_request_frees_its_key_for_the_corrected_retry(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user, status="processing")
    assert (await payments.pay(user, order_id, key="pay-3")).status_code == 409

    payments.orders.set_status(order_id, "created")
    response = await payments.pay(user, order_id, key="pay-3")

    assert response.status_code == 201
    assert response.json()["status"] == "succeeded"


async def test_keys_are_per_user(payments) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    first = await payments.pay(alice, payments.orders.add(alice), key="same")
    second = await payments.pay(bob, payments.orders.add(bob), key="same")
    assert first.json()["id"] != second.json()["id"]


# -- reading --------------------------------------------------------------------------------------


async def test_a_payment_is_visible_to_its_owner_and_admins_only(payments) -> None:
    owner = uuid.uuid4()
    paid = (await payments.pay(owner, payments.orders.add(owner))).json()
    path = f"/api/payments/{paid['id']}"

    mine = await payments.http.get(path, headers=payments.headers(owner))
    admin = await payments.http.get(path, headers=payments.headers(uuid.uuid4(), role="admin"))
    other = await payments.http.get(path, headers=payments.headers(uuid.uuid4()))
    missing = await payments.http.get(
        f"/api/payments/{uuid.uuid4()}", headers=payments.headers(owner)
    )

    assert mine.json() == paid
    assert admin.json() == paid
    assert other.status_code == missing.status_code == 404
    assert (await payments.http.get(path)).status_code == 401


async def test_users_list_their_own_payments_and_admins_everyones(payments) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    a1 = (await payments.pay(alice, payments.orders.add(alice))).json()
    a2 = (await payments.pay(alice, payments.orders.add(alice), DECLINED)).json()
    b1 = (await payments.pay(bob, payments.orders.add(bob))).json()

    mine = (await payments.http.get("/api/payments", headers=payments.headers(alice))).json()
    assert [p["id"] for p in mine["items"]] == [a2["id"], a1["id"]]  # newest first
    assert mine["total"] == 2

    admin = payments.headers(uuid.uuid4(), role="admin")
    everyone = (await payments.http.get("/api/payments", headers=admin)).json()
    assert [p["id"] for p in everyone["items"]] == [b1["id"], a2["id"], a1["id"]]
    failed = await payments.http.get(
        "/api/payments", params={"status": "failed", "user_id": str(alice)}, headers=admin
    )
    assert [p["id"] for p in failed.json()["items"]] == [a2["id"]]
    by_order = await payments.http.get(
        "/api/payments", params={"order_id": b1["order_id"]}, headers=admin
    )
    assert [p["id"] for p in by_order.json()["items"]] == [b1["id"]]

    page = (await payments.http.get("/api/payments", params={"limit": 2}, headers=admin)).json()
    rest = await payments.http.get(
        "/api/payments", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin
    )
    assert [p["id"] for p in page["items"] + rest.json()["items"]] == [
        b1["id"], a2["id"], a1["id"]
    ]
    assert rest.json()["next_cursor"] is None

    snooping = await payments.http.get(
        "/api/payments", params={"user_id": str(bob)}, headers=payments.headers(alice)
    )
    assert snooping.status_code == 403


async def test_bad_list_parameters_are_422(payments) -> None:
    headers = payments.headers(uuid.uuid4())
    for params in ({"status": "lost"}, {"limit": 0}, {"cursor": "garbage"}):
        response = await payments.http.get("/api/payments", params=params, headers=headers)
        assert response.status_code == 422, params


async def test_orders_reads_an_orders_payments_with_the_internal_token(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    paid = (await payments.pay(user, order_id)).json()

    found = await payments.http.get(
        "/internal/payments", params={"order_id": str(order_id)}, headers=payments.internal
    )
    none = await payments.http.get(
        "/internal/payments", params={"order_id": str(uuid.uuid4())}, headers=payments.internal
    )
    refused = await payments.http.get("/internal/payments", params={"order_id": str(order_id)})

    assert found.json() == {"items": [paid]}
    assert none.json() == {"items": []}
    assert refused.status_code == 401


async def test_the_internal_view_lists_every_try_of_the_order(payments) -> None:
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    await payments.pay(user, order_id, DECLINED)
    await payments.pay(user, order_id)

    found = await payments.http.get(
        "/internal/payments", params={"order_id": str(order_id)}, headers=payments.internal
    )

    assert [(p["attempt"], p["status"]) for p in found.json()["items"]] == [
        (1, "failed"), (2, "succeeded")
    ]


async def test_reads_do_not_wait_for_a_writer(payments) -> None:
    """The reads (the routes, the internal view, the reconciler's scan) take no write lock,
    so on SQLite they answer while a payment is being recorded. PostgreSQL readers never
    wait for writers."""
    if payments.engine != "sqlite":
        pytest.skip("a PostgreSQL reader never queues behind a writer")
    user = uuid.uuid4()
    order_id = payments.orders.add(user)
    paid = (await payments.pay(user, order_id)).json()
    internal = {"params": {"order_id": str(order_id)}, "headers": payments.internal}

    async with payments.db.session() as writer, writer.begin():
        await writer.execute(select(1))  # BEGIN IMMEDIATE: the write lock is held
        async with asyncio.timeout(3):  # a writer would wait out the 10 s busy timeout
            mine = {"headers": payments.headers(user)}
            one = await payments.http.get(f"/api/payments/{paid['id']}", **mine)
            listed = await payments.http.get("/api/payments", **mine)
            view = await payments.http.get("/internal/payments", **internal)
            refunded = await payments.components.refunds.run_once()

    assert (one.status_code, listed.status_code, view.status_code) == (200, 200, 200)
    assert [item["id"] for item in listed.json()["items"]] == [paid["id"]]
    assert [item["id"] for item in view.json()["items"]] == [paid["id"]]
    assert refunded == 0


async def test_openapi_shows_the_idempotency_key_conflicts_and_minor_units(payments) -> None:
    spec = (await payments.http.get("/openapi.json")).json()

    create = spec["paths"]["/api/payments"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"] if p["in"] == "header"]
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert create["responses"]["409"]["content"] == problem
    assert create["responses"]["422"]["content"] == problem
    amount = spec["components"]["schemas"]["PaymentCreate"]["properties"]["amount"]
    assert "minor units" in amount["description"]
    internal = [
        operation for path, item in spec["paths"].items() if path.startswith("/internal/")
        for operation in item.values()
    ]
    assert internal
    assert all(operation["x-internal"] for operation in internal)
