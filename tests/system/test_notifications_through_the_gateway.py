"""Notifications through the gateway, with two notifications replicas, on each database:
sign-up, order and payment events become notifications and live pushes; a push crosses from
the replica that handled the event to the sockets of the other; users never see each other's
notifications or pushes; a bad token opens no socket."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from marketplace_launcher.testing import Account, RunningSystem, sign_up

pytestmark = pytest.mark.system

EVENTUALLY = 30.0
GOOD_CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2040, "cvc": "123",
             "holder": "IVAN PETROV"}


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://")


def gateway_socket(system: RunningSystem, account: Account, **query: str) -> ClientConnection:
    """Through the gateway, the browser's way: the token in the query."""
    params = "&".join(f"{k}={v}" for k, v in {"token": account.access_token, **query}.items())
    return connect(f"{ws_url(system.url)}/ws?{params}", open_timeout=10)


def replica_socket(system: RunningSystem, replica: int, account: Account) -> ClientConnection:
    """Straight to one replica, past the gateway (the service checks the token itself)."""
    url = f"{ws_url(system.service_url('notifications', replica))}/api/notifications/ws"
    return connect(url, additional_headers=account.headers, open_timeout=10)


def receive(socket: ClientConnection, kind: str, timeout: float = EVENTUALLY) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return message


def eventually(check: Any, timeout: float = EVENTUALLY) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def inbox(client: httpx.Client, account: Account) -> list[dict[str, Any]]:
    response = client.get("/api/notifications", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def order_and_pay(client: httpx.Client, account: Account) -> str:
    products = client.get("/api/catalog/products", params={"in_stock": "true", "limit": 1})
    product = products.json()["items"][0]
    order = client.post(
        "/api/orders",
        json={"items": [{"product_id": product["id"], "quantity": 1}]},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert order.status_code == 201, order.text
    paid = client.post(
        "/api/payments",
        json={"order_id": order.json()["id"], "card": GOOD_CARD},
        headers=account.headers,
    )
    assert paid.status_code in (200, 201), paid.text
    return str(order.json()["id"])


@pytest.fixture
def sockets() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def test_a_new_user_is_welcomed(client: httpx.Client) -> None:
    account = sign_up(client)
    items = eventually(lambda: inbox(client, account))
    assert [item["type"] for item in items] == ["welcome"]
    assert items[0]["title"] == "Добро пожаловать в Marketplace"


def test_a_paid_order_reaches_every_socket_on_every_replica(
    system: RunningSystem, client: httpx.Client, sockets: ExitStack
) -> None:
    account = sign_up(client)
    opened = [
        sockets.enter_context(gateway_socket(system, account)),
        sockets.enter_context(replica_socket(system, 1, account)),
        sockets.enter_context(replica_socket(system, 2, account)),
    ]
    for socket in opened:
        assert receive(socket, "hello")["data"]["user_id"]
    order_id = order_and_pay(client, account)
    # Each status change was handled by one replica; the sockets on both got each of them
    # (two replicas may push them out of order: a page keeps the newest by changed_at).
    for socket in opened:
        seen: dict[str, str] = {}
        while set(seen) != {"processing", "paid"}:
            status = receive(socket, "order.status")["data"]
            assert status["order_id"] == order_id
            seen[status["status"]] = status["changed_at"]
        assert seen["processing"] < seen["paid"]
    kinds = eventually(lambda: {item["type"] for item in inbox(client, account)} >= {
        "order.status", "payment.succeeded"})
    assert kinds


def test_users_see_neither_each_others_notifications_nor_pushes(
    system: RunningSystem, client: httpx.Client, sockets: ExitStack
) -> None:
    alice, bob = sign_up(client), sign_up(client)
    bobs = sockets.enter_context(gateway_socket(system, bob))
    alices = sockets.enter_context(gateway_socket(system, alice))
    receive(bobs, "hello")
    receive(alices, "hello")
    order_and_pay(client, alice)
    assert receive(alices, "order.status")["data"]["status"] == "processing"
    receive(alices, "unread")
    # Bob's welcome may still arrive; nothing of Alice's ever does.
    with pytest.raises(TimeoutError):
        receive(bobs, "order.status", timeout=3)

    alices_items = eventually(lambda: inbox(client, alice))
    for item in alices_items:
        for method, path in (
            ("POST", f"/api/notifications/{item['id']}/read"),
            ("DELETE", f"/api/notifications/{item['id']}"),
        ):
            response = client.request(method, path, headers=bob.headers)
            assert response.status_code == 404, response.text
    assert all(item["read_at"] is None for item in inbox(client, alice))


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_a_bad_token_opens_no_socket(system: RunningSystem, token: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{ws_url(system.url)}/ws?token={token}", open_timeout=10)
    assert refused.value.response.status_code == 401
