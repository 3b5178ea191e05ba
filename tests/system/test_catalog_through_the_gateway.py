"""The catalog through the gateway, on each database: anyone browses, an admin adds a
product that a user then finds by searching, a user may not change the catalog."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from marketplace_launcher.testing import Account, RunningSystem

pytestmark = pytest.mark.system


def test_anyone_reads_the_category_tree_without_a_token(client: httpx.Client) -> None:
    response = client.get("/api/catalog/categories")

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["items"], list)


def test_an_admin_adds_a_product_and_a_user_finds_it(
    client: httpx.Client,
    system: RunningSystem,
    account: Account,
    login: Callable[[str, str], Account],
) -> None:
    admin = login(system.admin_email, system.admin_password)
    marker = f"Квазар{uuid.uuid4().hex[:6]}"
    category = client.post(
        "/api/catalog/categories", json={"name": f"Тест {marker}"}, headers=admin.headers
    )
    assert category.status_code == 201, category.text
    created = client.post(
        "/api/catalog/products",
        headers=admin.headers,
        json={
            "title": f"Телескоп {marker}",
            "price": 1999000,
            "category_id": category.json()["id"],
            "kind": "product",
            "stock": 3,
        },
    )
    assert created.status_code == 201, created.text

    found = client.get(
        "/api/catalog/products", params={"q": f"телескопы {marker}"}, headers=account.headers
    )

    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]]


def test_a_user_may_not_change_the_catalog(client: httpx.Client, account: Account) -> None:
    response = client.post(
        "/api/catalog/categories", json={"name": "Mine"}, headers=account.headers
    )

    assert response.status_code == 403


def test_the_internal_stock_api_is_not_reachable_through_the_gateway(
    client: httpx.Client, account: Account
) -> None:
    response = client.post(
        "/internal/stock/reservations",
        json={"reservation_id": str(uuid.uuid4()), "items": []},
        headers=account.headers,
    )

    assert response.status_code == 404
