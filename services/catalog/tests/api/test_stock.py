"""Stock reservations for the orders service: all or nothing, safe to repeat, priced, never
overselling under concurrency, behind the internal token."""

import asyncio
import uuid

import pytest

pytestmark = pytest.mark.integration

RESERVATIONS = "/internal/stock/reservations"


async def reserve(catalog, items, reservation_id=None, headers=None):
    body = {
        "reservation_id": str(reservation_id or uuid.uuid4()),
        "items": [{"product_id": p, "quantity": q} for p, q in items],
    }
    headers = catalog.internal if headers is None else headers
    return await catalog.http.post(RESERVATIONS, json=body, headers=headers)


async def stock_of(catalog, product) -> int | None:
    return (await catalog.product(product["id"]))["stock"]


async def test_a_reservation_takes_stock_and_answers_the_priced_items(catalog) -> None:
    phone = await catalog.create_product(title="Phone", price=30000, stock=5)
    setup = await catalog.create_product(kind="service", title="Setup", price=1500)
    order_id = uuid.uuid4()
    response = await reserve(catalog, [(phone["id"], 2), (setup["id"], 1)], order_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["reservation_id"], body["status"]) == (str(order_id), "reserved")
    assert (body["currency"], body["total"]) == ("RUB", 2 * 30000 + 1500)
    assert sorted(body["items"], key=lambda item: item["title"]) == [
        {
            "product_id": phone["id"],
            "quantity": 2,
            "unit_price": 30000,
            "currency": "RUB",
            "title": "Phone",
            "kind": "product",
        },
        {
            "product_id": setup["id"],
            "quantity": 1,
            "unit_price": 1500,
            "currency": "RUB",
            "title": "Setup",
            "kind": "service",
        },
    ]
    assert await stock_of(catalog, phone) == 3
    assert await stock_of(catalog, setup) is None
    [event] = await catalog.outbox("catalog.product.stock_changed.v1")
    assert event["data"] == {
        "product_id": phone["id"],
        "stock": 3,
        "delta": -2,
        "reason": "reserved",
        "reservation_id": str(order_id),
    }


async def test_the_price_snapshot_stays_when_the_price_changes(catalog) -> None:
    product = await catalog.create_product(price=1000)
    order_id = uuid.uuid4()
    await reserve(catalog, [(product["id"], 1)], order_id)
    await catalog.http.patch(
        f"/api/catalog/products/{product['id']}",
        json={"price": 2000},
        headers=catalog.admin().headers,
    )
    again = await catalog.http.get(f"{RESERVATIONS}/{order_id}", headers=catalog.internal)
    assert again.json()["items"][0]["unit_price"] == 1000


async def test_all_or_nothing(catalog) -> None:
    plenty = await catalog.create_product(stock=10)
    scarce = await catalog.create_product(stock=1)
    response = await reserve(catalog, [(plenty["id"], 3), (scarce["id"], 2)])
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/insufficient-stock")
    assert (problem["product_id"], problem["requested"], problem["available"]) == (
        scarce["id"],
        2,
        1,
    )
    assert await stock_of(catalog, plenty) == 10
    assert await stock_of(catalog, scarce) == 1
    assert await catalog.outbox("catalog.product.stock_changed.v1") == []


async def test_repeating_a_reservation_changes_nothing(catalog) -> None:
    product = await catalog.create_product(stock=5)
    order_id = uuid.uuid4()
    first = await reserve(catalog, [(product["id"], 2)], order_id)
    second = await reserve(catalog, [(product["id"], 2)], order_id)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert await stock_of(catalog, product) == 3
    other_items = await reserve(catalog, [(product["id"], 3)], order_id)
    assert other_items.status_code == 409
    assert other_items.json()["type"].endswith("/reservation-conflict")


async def test_concurrent_repeats_of_one_reservation_take_stock_once(catalog) -> None:
    product = await catalog.create_product(stock=5)
    order_id = uuid.uuid4()
    responses = await asyncio.gather(
        *(reserve(catalog, [(product["id"], 2)], order_id) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [200] * 5
    assert await stock_of(catalog, product) == 3


async def test_fifty_concurrent_orders_for_the_last_ten_units_sell_exactly_ten(catalog) -> None:
    product = await catalog.create_product(stock=10)
    responses = await asyncio.gather(*(reserve(catalog, [(product["id"], 1)]) for _ in range(50)))
    codes = [response.status_code for response in responses]
    assert codes.count(200) == 10
    assert codes.count(409) == 40
    assert await stock_of(catalog, product) == 0
    assert await catalog.scalar("SELECT count(*) FROM stock_reservations") == 10
    assert len(await catalog.outbox("catalog.product.stock_changed.v1")) == 10


async def test_release_returns_the_units_once(catalog) -> None:
    product = await catalog.create_product(stock=5)
    order_id = uuid.uuid4()
    await reserve(catalog, [(product["id"], 4)], order_id)
    for _ in range(2):
        released = await catalog.http.post(
            f"{RESERVATIONS}/{order_id}/release", headers=catalog.internal
        )
        assert released.status_code == 200
        assert released.json()["status"] == "released"
    assert await stock_of(catalog, product) == 5
    events = await catalog.outbox("catalog.product.stock_changed.v1")
    assert [(e["data"]["delta"], e["data"]["reason"]) for e in events] == [
        (-4, "reserved"),
        (4, "released"),
    ]
    cannot_commit = await catalog.http.post(
        f"{RESERVATIONS}/{order_id}/commit", headers=catalog.internal
    )
    assert cannot_commit.status_code == 409


async def test_a_release_before_its_reservation_makes_the_late_reservation_take_nothing(
    catalog,
) -> None:
    # Orders gave up on a reserve call that timed out and released it; the call arrives after.
    product = await catalog.create_product(stock=5)
    order_id = uuid.uuid4()
    for _ in range(2):
        released = await catalog.http.post(
            f"{RESERVATIONS}/{order_id}/release", headers=catalog.internal
        )
        assert released.status_code == 200
        assert released.json()["status"] == "released"
        assert released.json()["items"] == []
    late = await reserve(catalog, [(product["id"], 2)], order_id)
    assert late.status_code == 409
    assert late.json()["type"].endswith("/reservation-conflict")
    assert await stock_of(catalog, product) == 5
    assert await catalog.outbox("catalog.product.stock_changed.v1") == []
    shown = await catalog.http.get(f"{RESERVATIONS}/{order_id}", headers=catalog.internal)
    assert shown.json()["status"] == "released"


async def test_a_release_racing_its_reservation_leaves_the_stock_whole(catalog) -> None:
    product = await catalog.create_product(stock=5)
    for _ in range(10):
        order_id = uuid.uuid4()
        await asyncio.gather(
            reserve(catalog, [(product["id"], 1)], order_id),
            catalog.http.post(f"{RESERVATIONS}/{order_id}/release", headers=catalog.internal),
        )
        shown = await catalog.http.get(f"{RESERVATIONS}/{order_id}", headers=catalog.internal)
        assert shown.json()["status"] == "released"
    assert await stock_of(catalog, product) == 5


async def test_commit_makes_the_sale_final_and_a_refund_can_still_release(catalog) -> None:
    product = await catalog.create_product(stock=5)
    order_id = uuid.uuid4()
    await reserve(catalog, [(product["id"], 2)], order_id)
    for _ in range(2):
        committed = await catalog.http.post(
            f"{RESERVATIONS}/{order_id}/commit", headers=catalog.internal
        )
        assert committed.status_code == 200
        assert committed.json()["status"] == "committed"
    assert await stock_of(catalog, product) == 3
    released = await catalog.http.post(
        f"{RESERVATIONS}/{order_id}/release", headers=catalog.internal
    )
    assert released.json()["status"] == "released"
    assert await stock_of(catalog, product) == 5


async def test_unknown_archived_and_mixed_currency_products_are_refused(catalog) -> None:
    product = await catalog.create_product(stock=5)
    unknown = await reserve(catalog, [(product["id"], 1), (str(uuid.uuid4()), 1)])
    assert unknown.status_code == 422
    assert unknown.json()["type"].endswith("/unknown-product")
    archived = await catalog.create_product(stock=5)
    await catalog.http.delete(
        f"/api/catalog/products/{archived['id']}", headers=catalog.admin().headers
    )
    refused = await reserve(catalog, [(archived["id"], 1)])
    assert refused.status_code == 409
    assert refused.json()["product_ids"] == [archived["id"]]
    dollars = await catalog.create_product(stock=5, currency="USD")
    mixed = await reserve(catalog, [(product["id"], 1), (dollars["id"], 1)])
    assert mixed.status_code == 422
    assert await stock_of(catalog, product) == 5
    # A commit needs a reservation; a release does not (see the early release test).
    missing = uuid.uuid4()
    response = await catalog.http.post(f"{RESERVATIONS}/{missing}/commit", headers=catalog.internal)
    assert response.status_code == 404


async def test_internal_routes_need_the_internal_token(catalog) -> None:
    product = await catalog.create_product(stock=5)
    order_id = uuid.uuid4()
    for headers in ({}, {"X-Internal-Token": "guess"}, catalog.admin().headers):
        response = await reserve(catalog, [(product["id"], 1)], order_id, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        for step in ("release", "commit"):
            other = await catalog.http.post(f"{RESERVATIONS}/{order_id}/{step}", headers=headers)
            assert other.status_code == 401
    assert await stock_of(catalog, product) == 5


async def test_bad_reservations_are_422_and_change_nothing(catalog, subtests) -> None:
    product = await catalog.create_product(stock=5)
    line = {"product_id": product["id"], "quantity": 1}
    bad = {
        "no items": {"reservation_id": str(uuid.uuid4()), "items": []},
        "zero quantity": {"reservation_id": str(uuid.uuid4()), "items": [{**line, "quantity": 0}]},
        "negative quantity": {
            "reservation_id": str(uuid.uuid4()),
            "items": [{**line, "quantity": -3}],
        },
        "fractional quantity": {
            "reservation_id": str(uuid.uuid4()),
            "items": [{**line, "quantity": 1.5}],
        },
        "malformed product id": {
            "reservation_id": str(uuid.uuid4()),
            "items": [{**line, "product_id": "x"}],
        },
        "malformed reservation id": {"reservation_id": "order-1", "items": [line]},
        "no reservation id": {"items": [line]},
    }
    for name, body in bad.items():
        with subtests.test(name):
            response = await catalog.http.post(RESERVATIONS, json=body, headers=catalog.internal)
            assert response.status_code == 422, response.text
    assert await stock_of(catalog, product) == 5
