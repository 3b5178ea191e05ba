"""Analytics through the gateway, on each database: a user logs in, orders a product of a
category of its own, is declined once and then pays; once the events have flowed, the
product's public figures, the user's own activity and the admin's sales of that category
(in JSON and CSV) all show that one paid order, and a user is refused the admin reports."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from marketplace_launcher.testing import RunningSystem, log_in, sign_up

pytestmark = pytest.mark.system

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
PRICE, QUANTITY = 150_000, 2


def eventually(check: Callable[[], Any], what: str, timeout: float = 45.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.3)


def pay(client: httpx.Client, headers: dict[str, str], order_id: str, number: str) -> None:
    card = {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123", "holder": "I P"}
    response = client.post(
        "/api/payments",
        json={"order_id": order_id, "card": card},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code in (201, 402), response.text


def test_a_paid_order_shows_in_the_figures(client: httpx.Client, system: RunningSystem) -> None:
    admin = log_in(client, system.admin_email, system.admin_password)
    category = client.post(
        "/api/catalog/categories",
        json={"name": f"Analytics {uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
    )
    assert category.status_code == 201, category.text
    category_id = category.json()["id"]
    product = client.post(
        "/api/catalog/products",
        json={
            "title": f"Analytics product {uuid.uuid4().hex[:8]}",
            "price": PRICE,
            "category_id": category_id,
            "kind": "product",
            "stock": 10,
        },
        headers=admin.headers,
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    user = sign_up(client)  # registers and logs in: both are activity
    order = client.post(
        "/api/orders",
        json={"items": [{"product_id": product_id, "quantity": QUANTITY}]},
        headers={**user.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]

    def status() -> str:
        return client.get(f"/api/orders/{order_id}", headers=user.headers).json()["status"]

    pay(client, user.headers, order_id, DECLINED_CARD)
    eventually(lambda: status() == "created", "the declined order is back to created")
    pay(client, user.headers, order_id, GOOD_CARD)
    eventually(lambda: status() == "paid", "the order is paid")

    revenue = PRICE * QUANTITY

    def product_stats() -> dict | None:
        stats = client.get(f"/api/analytics/products/{product_id}/stats")  # public
        if stats.status_code != 200 or stats.json()["paid_orders"] != 1:
            return None
        return stats.json()

    stats = eventually(product_stats, "the product's figures show the paid order")
    assert (stats["orders"], stats["units"], stats["revenue"]) == (1, QUANTITY, revenue)
    assert stats["category_id"] == category_id

    mine = client.get("/api/analytics/me/activity", headers=user.headers)
    assert mine.status_code == 200, mine.text
    assert (mine.json()["orders"], mine.json()["paid_orders"], mine.json()["spent"]) == (
        1,
        1,
        revenue,
    )

    today = datetime.now(UTC).date().isoformat()
    params = {"from": today, "to": today, "category": category_id}
    sales = client.get("/api/analytics/sales", params=params, headers=admin.headers)
    assert sales.status_code == 200, sales.text
    totals = sales.json()["totals"]
    assert (totals["orders"], totals["paid_orders"], totals["units"], totals["revenue"]) == (
        1,
        1,
        QUANTITY,
        revenue,
    )
    exported = client.get(
        "/api/analytics/sales", params=params, headers={**admin.headers, "Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sum(int(row["revenue"]) for row in rows) == revenue

    user_id = client.get("/api/auth/me", headers=user.headers).json()["id"]
    shown = client.get(f"/api/analytics/users/{user_id}/activity", headers=admin.headers)
    assert shown.json()["spent"] == revenue
    for path in (
        "/api/analytics/sales",
        "/api/analytics/live",
        f"/api/analytics/users/{user_id}/activity",
    ):
        assert client.get(path, headers=user.headers).status_code == 403, path
    assert client.get("/api/analytics/live", headers=admin.headers).json()["paid_orders"] >= 1
