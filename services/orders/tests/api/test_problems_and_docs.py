"""What a newcomer meets first: the problem answers to a wrong request, and /openapi.json."""

from __future__ import annotations

import uuid

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


async def test_a_body_with_three_wrong_fields_lists_all_three(orders) -> None:
    body = {"items": [{"product_id": "nope", "quantity": 0}], "address": ""}

    response = await orders.http.post("/api/orders", json=body, headers=orders.user().headers)

    assert response.status_code == 422
    locs = sorted(tuple(err["loc"]) for err in response.json()["errors"])
    assert locs == [
        ("body", "address"),
        ("body", "items", 0, "product_id"),
        ("body", "items", 0, "quantity"),
    ]


async def test_a_form_encoded_body_is_a_415_that_names_the_header(orders) -> None:
    # What ``curl -d '{...}'`` sends.
    response = await orders.http.post(
        "/api/orders",
        content=b'{"items": [{"product_id": "%s", "quantity": 1}]}' % str(uuid.uuid4()).encode(),
        headers={**orders.user().headers, "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]
    assert await orders.scalar("SELECT count(*) FROM orders") == 0


async def test_unknown_routes_and_methods_are_problems_like_the_gateways(orders) -> None:
    missing = await orders.http.get("/api/orders/x/y/z", headers=orders.user().headers)
    wrong = await orders.http.delete("/api/orders", headers=orders.user().headers)

    assert missing.status_code == 404
    assert missing.json()["type"] == "https://marketplace.example/problems/not-found"
    assert wrong.status_code == 405
    assert wrong.json()["type"] == "https://marketplace.example/problems/method-not-allowed"


async def test_an_expired_token_is_told_to_refresh(orders) -> None:
    token = orders.signer.token(ttl=-60)

    response = await orders.http.get("/api/orders", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert "/api/auth/refresh" in response.json()["detail"]


async def test_openapi_documents_problems_keys_money_and_limits(orders) -> None:
    spec = (await orders.http.get("/openapi.json")).json()

    create = spec["paths"]["/api/orders"]["post"]
    assert create["responses"]["422"]["content"] == PROBLEM
    for status in ("401", "409", "415"):
        assert create["responses"][status]["content"] == PROBLEM
    headers = [p["name"] for p in create["parameters"] if p["in"] == "header"]
    assert "Idempotency-Key" in headers
    assert spec["paths"]["/internal/orders/{order_id}"]["get"]["x-internal"] is True

    schemas = spec["components"]["schemas"]
    assert schemas["OrderCreate"]["properties"]["items"]["maxItems"] == 50
    assert schemas["OrderItemCreate"]["properties"]["quantity"]["maximum"] == 100
    for schema, field in [
        ("OrderRead", "total"),
        ("OrderItemRead", "unit_price"),
        ("OrderItemRead", "amount"),
        ("InternalOrderRead", "total"),
    ]:
        assert "Minor units" in schemas[schema]["properties"][field]["description"]
