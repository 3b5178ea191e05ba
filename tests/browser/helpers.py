"""What several browser tests do through the API rather than the page: find a product,
place and pay an order."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from marketplace_launcher.testing import Account

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def in_stock_product(api: httpx.Client, **query: Any) -> dict[str, Any]:
    """A product (a good, not a service) with a few in stock: enough for any test's order."""
    response = api.get(
        "/api/catalog/products",
        params={"in_stock": "true", "limit": 50, "sort": "popular", **query},
    )
    assert response.status_code == 200, response.text
    return next(
        item for item in response.json()["items"]
        if item["kind"] == "product" and (item["stock"] or 0) >= 10
    )


def paid_order(api: httpx.Client, account: Account) -> dict[str, Any]:
    product = in_stock_product(api)
    order = api.post(
        "/api/orders",
        json={"items": [{"product_id": product["id"], "quantity": 1}], "address": "Moscow"},
        headers={**account.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert order.status_code == 201, order.text
    payment = api.post(
        "/api/payments",
        json={
            "order_id": order.json()["id"],
            "card": {"number": GOOD_CARD, "exp_month": 12, "exp_year": 2035, "cvc": "123",
                     "holder": "TEST USER"},
        },
        headers={**account.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert payment.status_code == 201, payment.text
    assert payment.json()["status"] == "succeeded"
    return order.json()
