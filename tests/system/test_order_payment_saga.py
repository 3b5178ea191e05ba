"""The order and payment saga through the gateway, with real NATS, on each database: a
declined card puts the order back to ``created`` with the reason and a good card makes it
``paid``; idempotency keys make one order and one charge; payments killed in the middle of a
payment comes back and the order and the payment agree, and killed after the processor took
the money (held there by the fault-injection file) it comes back with the payment
``succeeded``, the order ``paid`` and exactly one charge; nobody touches another user's order
or payment; invalid transitions and bad input are refused and change nothing; the profile
shows the order with its current status.

Its own system (not the shared ``system`` fixture): the processor takes long enough for a
payment to be killed mid-flight, recovery and reconciliation act within seconds, and the
orders demo auto-delivery is off (its default), so a paid order stays ``paid``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketplace_launcher.testing import (
    Account,
    RunningSystem,
    SystemDidNotStart,
    log_in,
    running_system,
    session_processes,
    sign_up,
)
from marketplace_platform.testing.database import require_postgres

pytestmark = pytest.mark.system

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
# Long enough to kill payments while a charge is in flight; short enough for the test's pace.
PROCESSOR_LATENCY = 2.0
SAGA_SETTINGS = {
    "MARKETPLACE_NO_SEED": "1",  # the saga makes its own product; the demo catalog is not needed
    "PAYMENTS_PROCESSOR_LATENCY": str(PROCESSOR_LATENCY),
    "PAYMENTS_RECOVERY_AFTER": "3",
    "PAYMENTS_RECOVERY_INTERVAL": "1",
    "ORDERS_RECONCILE_AFTER": "5",
    "ORDERS_SWEEP_INTERVAL": "1",
    # Fault injection: while this file (under the system's var dir) exists, the simulated
    # processor holds each charge it has just recorded before answering. Absent, it does
    # nothing: only the test that kills payments after a charge creates it.
    "PAYMENTS_PROCESSOR_HOLD_FILE": "hold-charges",
}
EVENTUALLY = 60.0  # seconds: events are asynchronous, a restart takes a few seconds


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def saga(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    postgres = None
    if request.param == "postgres":
        postgres = require_postgres()  # skips, or fails in CI, without a server
    base = tmp_path_factory.mktemp(f"saga-{request.param}")
    try:
        with running_system(base, postgres=postgres, extra_env=SAGA_SETTINGS) as running:
            yield running
    except SystemDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def client(saga: RunningSystem) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=saga.url, timeout=30.0, trust_env=False) as http:
        yield http


@pytest.fixture
def admin(client: httpx.Client, saga: RunningSystem) -> Account:
    return log_in(client, saga.admin_email, saga.admin_password)


@pytest.fixture
def user(client: httpx.Client) -> Account:
    return sign_up(client)


@pytest.fixture
def product(client: httpx.Client, admin: Account) -> dict[str, Any]:
    """A product of its own with stock, so that counts are exact."""
    category = client.post(
        "/api/catalog/categories",
        json={"name": f"Saga {uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
    )
    assert category.status_code == 201, category.text
    created = client.post(
        "/api/catalog/products",
        headers=admin.headers,
        json={
            "title": f"Saga product {uuid.uuid4().hex[:8]}",
            "price": 150_000,
            "category_id": category.json()["id"],
            "kind": "product",
            "stock": 50,
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


# -- steps -----------------------------------------------------------------------------------------


def card(number: str = GOOD_CARD, **fields: Any) -> dict[str, Any]:
    return {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123",
            "holder": "IVAN PETROV", **fields}


def place_order(
    client: httpx.Client, account: Account, product: dict, quantity: int = 2, **headers: str
) -> httpx.Response:
    return client.post(
        "/api/orders",
        json={"items": [{"product_id": product["id"], "quantity": quantity}],
                "address": "Moscow, Tverskaya 1"},
        headers={**account.headers, **headers},
    )


def order_of(client: httpx.Client, account: Account, product: dict) -> dict[str, Any]:
    response = place_order(client, account, product)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "created"
    return response.json()


def pay(
    client: httpx.Client, account: Account, order_id: str, number: str = GOOD_CARD, **headers: str
) -> httpx.Response:
    return client.post(
        "/api/payments",
        json={"order_id": order_id, "card": card(number)},
        headers={**account.headers, **headers},
    )


def get_order(client: httpx.Client, account: Account, order_id: str) -> dict[str, Any]:
    response = client.get(f"/api/orders/{order_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def eventually(check: Callable[[], Any], what: str, limit: float = EVENTUALLY) -> Any:
    """``check()``'s first truthy answer, polled within ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        with contextlib.suppress(httpx.TransportError):
            answer = check()
            if answer:
                return answer
        if time.monotonic() > deadline:
            pytest.fail(f"not within {limit:g}s: {what}")
        time.sleep(0.2)


def order_reaches(
    client: httpx.Client, account: Account, order_id: str, status: str
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        order = get_order(client, account, order_id)
        return order if order["status"] == status else None

    return eventually(reached, f"order {order_id} {status}")


def my_order_ids(client: httpx.Client, account: Account) -> list[str]:
    response = client.get("/api/orders", params={"limit": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()["items"]]


def stock_of(client: httpx.Client, product: dict) -> int:
    return int(client.get(f"/api/catalog/products/{product['id']}").json()["stock"])


# -- the saga --------------------------------------------------------------------------------------


def test_declined_card_back_to_created_with_the_reason_then_paid(
    client: httpx.Client, user: Account, product: dict
) -> None:
    order = order_of(client, user, product)
    assert order["total"] == 2 * 150_000

    declined = pay(client, user, order["id"], DECLINED_CARD)
    assert declined.status_code == 201, declined.text
    assert (declined.json()["status"], declined.json()["failure_reason"]) == (
        "failed", "card_declined"
    )

    def back_with_reason() -> dict | None:
        current = get_order(client, user, order["id"])
        reasons = [entry["reason"] for entry in current["history"]]
        return current if current["status"] == "created" and "card_declined" in reasons else None

    history = eventually(back_with_reason, "order back in created with the reason")["history"]
    assert [entry["status"] for entry in history] == ["created", "processing", "created"]

    paid = pay(client, user, order["id"])
    assert paid.status_code == 201, paid.text
    assert (paid.json()["status"], paid.json()["attempt"]) == ("succeeded", 2)
    final = order_reaches(client, user, order["id"], "paid")
    assert [entry["status"] for entry in final["history"]][-2:] == ["processing", "paid"]

    shown = client.get(f"/api/payments/{paid.json()['id']}", headers=user.headers)
    assert shown.json()["status"] == "succeeded"
    assert [a["status"] for a in shown.json()["attempts"]] == ["failed", "succeeded"]

    def in_profile() -> dict | None:
        me = client.get("/api/auth/me", headers=user.headers).json()
        mine = [o for o in me.get("order_history", []) if o["order_id"] == order["id"]]
        return mine[0] if mine and mine[0]["status"] == "paid" else None

    assert eventually(in_profile, "the paid order in the profile")["total"] == order["total"]


def test_the_same_idempotency_key_twice_makes_one_order_and_one_charge(
    client: httpx.Client, user: Account, product: dict
) -> None:
    stock_before = stock_of(client, product)
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = place_order(client, user, product, **key)
    again = place_order(client, user, product, **key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert stock_of(client, product) == stock_before - 2  # reserved once

    order_id = first.json()["id"]
    pay_key = {"Idempotency-Key": f"pay-{uuid.uuid4()}"}
    charged = pay(client, user, order_id, **pay_key)
    replayed = pay(client, user, order_id, **pay_key)
    assert charged.status_code == replayed.status_code == 201, replayed.text
    assert replayed.json() == charged.json()
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    payments = client.get("/api/payments", params={"order_id": order_id}, headers=user.headers)
    assert payments.json()["total"] == 1
    order_reaches(client, user, order_id, "paid")


def payments_processes(saga: RunningSystem) -> list[int]:
    assert saga.process is not None
    found = []
    for pid in session_processes(saga.process.pid):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"payments_service" in argv and b"serve" in argv:
                found.append(pid)
    return found


def test_payments_killed_mid_payment_comes_back_agreeing_with_the_order(
    client: httpx.Client, saga: RunningSystem, user: Account, admin: Account, product: dict
) -> None:
    order = order_of(client, user, product)
    [victim] = payments_processes(saga)
    answer: dict[str, Any] = {}

    def paying() -> None:
        with httpx.Client(base_url=saga.url, timeout=30.0, trust_env=False) as own:
            try:
                answer["response"] = pay(own, user, order["id"])
            except httpx.HTTPError as error:
                answer["error"] = error

    payer = threading.Thread(target=paying)
    payer.start()

    def pending() -> bool:
        found = client.get(
            "/api/payments", params={"order_id": order["id"]}, headers=admin.headers
        ).json()
        return any(p["status"] == "pending" for p in found["items"])

    eventually(pending, "a pending payment", limit=PROCESSOR_LATENCY * 5)
    os.kill(victim, signal.SIGKILL)  # a process this test's launcher started for it
    payer.join(timeout=60)
    assert "response" in answer or "error" in answer
    if "response" in answer:
        # The gateway answers for the dead upstream; it is never a success.
        assert answer["response"].status_code >= 500

    eventually(lambda: payments_processes(saga) not in ([], [victim]), "payments restarted")

    def settled() -> tuple[str, str] | None:
        current = get_order(client, user, order["id"])
        found = client.get(
            "/api/payments", params={"order_id": order["id"]}, headers=admin.headers
        )
        if found.status_code != 200 or not found.json()["items"]:
            return None
        payment = found.json()["items"][0]
        pair = (current["status"], payment["status"])
        return pair if pair in {("paid", "succeeded"), ("created", "failed")} else None

    _, payment_status = eventually(settled, "the order and the payment agree")
    if payment_status == "failed":
        # The charge never happened: the payer simply pays again.
        assert pay(client, user, order["id"]).json()["status"] == "succeeded"
        order_reaches(client, user, order["id"], "paid")


def processor_charges(saga: RunningSystem, key: str) -> list[str]:
    """The statuses of the simulated processor's records under a charge key: "the bank's"
    side, in its own database (SQLite under the var dir on either engine)."""
    with contextlib.closing(sqlite3.connect(saga.var_dir / "payments-processor.db")) as db:
        rows = db.execute("SELECT status FROM processor_charges WHERE key = ?", (key,))
        return [status for (status,) in rows.fetchall()]


def payment_ids(client: httpx.Client, admin: Account, order_id: str) -> list[str]:
    found = client.get("/api/payments", params={"order_id": order_id}, headers=admin.headers)
    assert found.status_code == 200, found.text
    return [payment["id"] for payment in found.json()["items"]]


def test_payments_killed_after_the_charge_comes_back_paid_with_one_charge(
    client: httpx.Client, saga: RunningSystem, user: Account, admin: Account, product: dict
) -> None:
    order = order_of(client, user, product)
    [victim] = payments_processes(saga)
    hold = saga.var_dir / SAGA_SETTINGS["PAYMENTS_PROCESSOR_HOLD_FILE"]
    hold.touch()  # the processor now answers no charge it has recorded
    try:
        payer = threading.Thread(target=paying_quietly, args=(saga, user, order["id"]))
        payer.start()
        [payment_id] = eventually(
            lambda: payment_ids(client, admin, order["id"]), "a pending payment",
            limit=PROCESSOR_LATENCY * 5,
        )
        eventually(
            lambda: processor_charges(saga, payment_id) == ["succeeded"],
            "the processor recorded the charge",
        )
        # The money is taken and payments has not recorded it: it dies right here.
        shown = client.get(f"/api/payments/{payment_id}", headers=user.headers)
        assert shown.json()["status"] == "pending", shown.text
        os.kill(victim, signal.SIGKILL)  # a process this test's launcher started for it
    finally:
        hold.unlink(missing_ok=True)
    payer.join(timeout=60)

    eventually(lambda: payments_processes(saga) not in ([], [victim]), "payments restarted")

    def settled() -> tuple[str, str] | None:
        current = get_order(client, user, order["id"])
        found = client.get(f"/api/payments/{payment_id}", headers=user.headers)
        if found.status_code != 200:
            return None
        pair = (current["status"], found.json()["status"])
        return pair if pair == ("paid", "succeeded") else None

    assert eventually(settled, "the order paid and the payment succeeded") == ("paid", "succeeded")
    assert payment_ids(client, admin, order["id"]) == [payment_id]
    assert processor_charges(saga, payment_id) == ["succeeded"]  # charged exactly once


def paying_quietly(saga: RunningSystem, account: Account, order_id: str) -> None:
    """Pay in a thread whose process is about to be killed: the answer cannot matter."""
    with (
        httpx.Client(base_url=saga.url, timeout=30.0, trust_env=False) as own,
        contextlib.suppress(httpx.HTTPError),
    ):
        pay(own, account, order_id)


def test_another_user_cannot_see_pay_or_cancel_someone_elses_order(
    client: httpx.Client, user: Account, product: dict
) -> None:
    order = order_of(client, user, product)
    payment = pay(client, user, order["id"], DECLINED_CARD).json()
    stranger = sign_up(client)

    assert client.get(f"/api/orders/{order['id']}", headers=stranger.headers).status_code == 404
    assert client.get(
        f"/api/payments/{payment['id']}", headers=stranger.headers
    ).status_code == 404
    order_reaches(client, user, order["id"], "created")
    assert pay(client, stranger, order["id"]).status_code == 404
    cancelled = client.post(f"/api/orders/{order['id']}/cancel", headers=stranger.headers)
    assert cancelled.status_code == 404
    assert get_order(client, user, order["id"])["status"] == "created"


def test_invalid_transitions_are_conflicts(
    client: httpx.Client, user: Account, admin: Account, product: dict
) -> None:
    fresh = order_of(client, user, product)
    early = client.post(f"/api/orders/{fresh['id']}/deliver", headers=admin.headers)
    assert early.status_code == 409, early.text

    order = order_of(client, user, product)
    assert pay(client, user, order["id"]).json()["status"] == "succeeded"
    order_reaches(client, user, order["id"], "paid")
    delivered = client.post(f"/api/orders/{order['id']}/deliver", headers=admin.headers)
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"

    late = client.post(f"/api/orders/{order['id']}/cancel", headers=user.headers)
    assert late.status_code == 409, late.text
    assert get_order(client, user, order["id"])["status"] == "delivered"


def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.Client, user: Account, product: dict
) -> None:
    order = order_of(client, user, product)
    stock = stock_of(client, product)
    orders_before = my_order_ids(client, user)

    zero = place_order(client, user, product, quantity=0)
    unknown = place_order(client, user, {"id": str(uuid.uuid4())})
    expired = client.post(
        "/api/payments",
        json={"order_id": order["id"], "card": card(exp_month=1, exp_year=2020)},
        headers=user.headers,
    )
    malformed = client.post(
        "/api/payments",
        json={"order_id": order["id"], "card": card("4242 4242 4242 4241")},
        headers=user.headers,
    )

    for response in (zero, unknown, expired, malformed):
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert "4242 4242 4242 4241" not in malformed.text
    assert my_order_ids(client, user) == orders_before
    assert stock_of(client, product) == stock
    assert client.get(
        "/api/payments", params={"order_id": order["id"]}, headers=user.headers
    ).json()["total"] == 0
    assert get_order(client, user, order["id"])["status"] == "created"
