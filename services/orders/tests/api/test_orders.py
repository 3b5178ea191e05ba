"""Placing, reading, listing, cancelling and delivering orders through the HTTP API, with
the catalog's reservations behind it, on each engine."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from marketplace_platform.clock import utcnow
from marketplace_platform.testing.nats import free_port

pytestmark = pytest.mark.integration

CREATED = "orders.order.created.v1"
STATUS_CHANGED = "orders.order.status_changed.v1"
CANCELLED = "orders.order.cancelled.v1"


async def test_an_order_snapshots_prices_and_totals_them(orders, peers) -> None:
    phone = peers.product(price=1999, stock=5, title="Phone")
    case = peers.product(price=500, stock=5, title="Case")
    buyer = orders.user()
    order = await orders.place(buyer, (phone, 2), (case, 1), address="Moscow, Tverskaya 1")

    assert order["status"] == "created"
    assert order["user_id"] == str(buyer.user_id)
    assert order["total"] == 2 * 1999 + 500
    assert order["currency"] == "RUB"
    assert order["address"] == "Moscow, Tverskaya 1"
    assert [
        (i["product_id"], i["quantity"], i["unit_price"], i["title"]) for i in order["items"]
    ] == [
        (phone, 2, 1999, "Phone"),
        (case, 1, 500, "Case"),
    ]
    assert [(h["status"], h["actor"]) for h in order["history"]] == [("created", "user")]
    assert peers.stock_of(phone) == 3
    assert peers.status_of(order["id"]) == "reserved"

    # A later price change at the catalog does not touch the order.
    peers.products[uuid.UUID(phone)].price = 9999
    assert (await orders.order(buyer, order["id"]))["total"] == 2 * 1999 + 500

    [created] = await orders.outbox(CREATED)
    assert created["subject"] == order["id"]
    assert created["data"]["total"] == order["total"]
    assert created["data"]["items"][0] == {"product_id": phone, "quantity": 2, "unit_price": 1999}


async def test_catalog_down_answers_503_and_no_order_exists(orders, peers) -> None:
    product = peers.product()
    async with orders.replica(catalog_url=f"http://127.0.0.1:{free_port()}") as cut_off:
        buyer = cut_off.user()
        response = await cut_off.http.post(
            "/api/orders",
            json={"items": [{"product_id": product, "quantity": 1}]},
            headers=buyer.headers,
        )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/catalog-unavailable")
    assert await orders.scalar("SELECT count(*) FROM orders") == 0
    assert await orders.outbox(CREATED) == []


async def test_a_catalog_too_slow_to_answer_is_503_and_its_late_reservation_released(
    orders, peers
) -> None:
    product = peers.product(stock=3)
    peers.delay = 1.0
    async with orders.replica(catalog_timeout=0.2) as impatient:
        buyer = impatient.user()
        response = await impatient.http.post(
            "/api/orders",
            json={"items": [{"product_id": product, "quantity": 1}]},
            headers=buyer.headers,
        )
        assert response.status_code == 503
        # The catalog reserves after all, late; the release orders owes it goes out at the
        # next sweep.
        async with asyncio.timeout(10):
            while not peers.reservations:
                await asyncio.sleep(0.02)
        [reservation_id] = [str(r) for r in peers.reservations]
        await impatient.components.sweeper.sweep_once(now=utcnow() + timedelta(minutes=1))
    assert await orders.scalar("SELECT count(*) FROM orders") == 0
    assert ("release", reservation_id) in peers.calls
    assert peers.stock_of(product) == 3


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([{"quantity": 1}], "validation-error"),
        ([{"product_id": "PRODUCT", "quantity": 0}], "validation-error"),
        ([{"product_id": "PRODUCT", "quantity": 101}], "validation-error"),
        ([{"product_id": "PRODUCT", "quantity": "2"}], "validation-error"),
        ([{"product_id": "not-a-uuid", "quantity": 1}], "validation-error"),
        ([], "validation-error"),
        ([{"product_id": "PRODUCT", "quantity": 1}] * 2, "duplicate-product"),
        ([{"product_id": "UNKNOWN", "quantity": 1}], "unknown-product"),
    ],
)
async def test_bad_input_is_a_4xx_problem_and_changes_nothing(
    orders, peers, items, problem
) -> None:
    product = peers.product(stock=10)
    names = {"PRODUCT": product, "UNKNOWN": str(uuid.uuid4())}
    body = {"items": [_named(item, names) for item in items]}
    response = await orders.http.post("/api/orders", json=body, headers=orders.user().headers)
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith(f"/{problem}")
    assert await orders.scalar("SELECT count(*) FROM orders") == 0
    assert peers.stock_of(product) == 10


async def test_more_than_50_items_is_refused(orders, peers) -> None:
    items = [{"product_id": peers.product(), "quantity": 1} for _ in range(51)]
    response = await orders.http.post(
        "/api/orders", json={"items": items}, headers=orders.user().headers
    )
    assert response.status_code == 422
    assert peers.calls == []


async def test_50_items_are_fine(orders, peers) -> None:
    order = await orders.place(orders.user(), *[(peers.product(price=10), 1) for _ in range(50)])
    assert len(order["items"]) == 50
    assert order["total"] == 500


async def test_not_enough_stock_is_a_conflict_and_no_order(orders, peers) -> None:
    product = peers.product(stock=1)
    response = await orders.http.post(
        "/api/orders",
        json={"items": [{"product_id": product, "quantity": 2}]},
        headers=orders.user().headers,
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/insufficient-stock")
    assert response.json()["product_id"] == product
    assert await orders.scalar("SELECT count(*) FROM orders") == 0


async def test_unknown_fields_and_a_missing_token_are_refused(orders, peers) -> None:
    body = {"items": [{"product_id": peers.product(), "quantity": 1}], "discount": 100}
    assert (
        await orders.http.post("/api/orders", json=body, headers=orders.user().headers)
    ).status_code == 422
    assert (await orders.http.post("/api/orders", json=body)).status_code == 401


async def test_another_users_order_is_not_found_for_every_verb(orders, peers) -> None:
    owner, stranger = orders.user(), orders.user()
    order = await orders.place(owner, (peers.product(), 1))
    path = f"/api/orders/{order['id']}"
    assert (await orders.http.get(path, headers=stranger.headers)).status_code == 404
    cancel = await orders.http.post(f"{path}/cancel", headers=stranger.headers)
    assert cancel.status_code == 404
    assert cancel.json()["type"].endswith("/order-not-found")
    mine = await orders.http.get("/api/orders", headers=stranger.headers)
    assert mine.json()["items"] == []
    assert (await orders.order(owner, order["id"]))["status"] == "created"
    missing = await orders.http.get(f"/api/orders/{uuid.uuid4()}", headers=owner.headers)
    assert missing.status_code == 404


async def test_the_owner_cancels_a_created_order_and_the_stock_comes_back(orders, peers) -> None:
    product = peers.product(stock=4)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 3))
    response = await orders.http.post(
        f"/api/orders/{order['id']}/cancel",
        json={"reason": "changed my mind"},
        headers=buyer.headers,
    )
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["history"][-1] | {"at": None} == {
        "status": "cancelled",
        "from_status": "created",
        "reason": "changed my mind",
        "actor": "user",
        "at": None,
    }
    assert peers.stock_of(product) == 4
    assert peers.status_of(order["id"]) == "released"
    assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0
    [event] = await orders.outbox(CANCELLED)
    assert event["data"]["refund"] is False
    [changed] = await orders.outbox(STATUS_CHANGED)
    assert (changed["data"]["from_status"], changed["data"]["to_status"]) == (
        "created",
        "cancelled",
    )


async def test_invalid_transitions_are_409_and_change_nothing(orders, peers) -> None:
    buyer, admin = orders.user(), orders.admin()
    order = await orders.place(buyer, (peers.product(), 1))
    path = f"/api/orders/{order['id']}"
    deliver = await orders.http.post(f"{path}/deliver", headers=admin.headers)
    assert deliver.status_code == 409
    assert deliver.json()["type"].endswith("/invalid-transition")
    assert deliver.json()["current_status"] == "created"

    assert (await orders.http.post(f"{path}/cancel", headers=buyer.headers)).status_code == 200
    again = await orders.http.post(f"{path}/cancel", headers=buyer.headers)
    assert again.status_code == 409
    assert (await orders.http.post(f"{path}/deliver", headers=admin.headers)).status_code == 409
    assert [h["status"] for h in (await orders.order(buyer, order["id"]))["history"]] == [
        "created",
        "cancelled",
    ]


async def test_only_admins_deliver(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(), 1))
    response = await orders.http.post(f"/api/orders/{order['id']}/deliver", headers=buyer.headers)
    assert response.status_code == 403


async def test_admins_deliver_a_paid_order_and_cancel_a_paid_one_with_a_refund(
    orders, peers
) -> None:
    buyer, admin = orders.user(), orders.admin()
    product = peers.product(stock=5)
    first = await orders.place(buyer, (product, 1))
    second = await orders.place(buyer, (product, 1))
    await orders.execute("UPDATE orders SET status = 'paid'")

    delivered = await orders.http.post(f"/api/orders/{first['id']}/deliver", headers=admin.headers)
    assert delivered.status_code == 200
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["history"][-1]["actor"] == "admin"
    assert peers.status_of(first["id"]) == "committed"

    cancelled = await orders.http.post(f"/api/orders/{second['id']}/cancel", headers=admin.headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["history"][-1]["actor"] == "admin"
    [event] = await orders.outbox(CANCELLED)
    assert (event["data"]["order_id"], event["data"]["refund"]) == (second["id"], True)
    assert peers.status_of(second["id"]) == "released"
    assert peers.stock_of(product) == 4


async def test_a_cancel_the_catalog_misses_is_retried_by_the_sweeper(orders, peers) -> None:
    product = peers.product(stock=2)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))
    peers.stock_down = True
    response = await orders.http.post(f"/api/orders/{order['id']}/cancel", headers=buyer.headers)
    assert response.status_code == 200
    assert await orders.scalar("SELECT attempts FROM stock_actions") == 1

    peers.stock_down = False
    await orders.components.sweeper.sweep_once(now=utcnow() + timedelta(minutes=1))
    assert peers.stock_of(product) == 2
    assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0


async def test_lists_are_mine_newest_first_and_admins_filter(orders, peers) -> None:
    anna, boris, admin = orders.user(), orders.user(), orders.admin()
    product = peers.product(stock=100)
    a1 = await orders.place(anna, (product, 1))
    a2 = await orders.place(anna, (product, 1))
    b1 = await orders.place(boris, (product, 1))
    await orders.http.post(f"/api/orders/{a1['id']}/cancel", headers=anna.headers)

    async def ids(caller, **params) -> list[str]:
        response = await orders.http.get("/api/orders", params=params, headers=caller.headers)
        assert response.status_code == 200, response.text
        return [order["id"] for order in response.json()["items"]]

    assert await ids(anna) == [a2["id"], a1["id"]]
    assert await ids(anna, user_id=str(boris.user_id)) == [a2["id"], a1["id"]]
    assert await ids(admin) == [b1["id"], a2["id"], a1["id"]]
    assert await ids(admin, user_id=str(anna.user_id)) == [a2["id"], a1["id"]]
    assert await ids(admin, status="cancelled") == [a1["id"]]
    assert await ids(admin, status="created", user_id=str(boris.user_id)) == [b1["id"]]

    first = await orders.http.get("/api/orders", params={"limit": 2}, headers=admin.headers)
    cursor = first.json()["next_cursor"]
    rest = await orders.http.get(
        "/api/orders", params={"limit": 2, "cursor": cursor}, headers=admin.headers
    )
    assert [o["id"] for o in rest.json()["items"]] == [a1["id"]]
    assert rest.json()["next_cursor"] is None

    bad = await orders.http.get("/api/orders", params={"cursor": "junk"}, headers=admin.headers)
    assert bad.status_code == 422
    assert (
        await orders.http.get("/api/orders", params={"status": "lost"}, headers=admin.headers)
    ).status_code == 422


async def test_the_internal_order_view_needs_the_internal_token(orders, peers) -> None:
    buyer = orders.user()
    order = await orders.place(buyer, (peers.product(price=700), 2))
    path = f"/internal/orders/{order['id']}"
    response = await orders.http.get(path, headers=orders.internal)
    assert response.json() == {
        "id": order["id"],
        "user_id": str(buyer.user_id),
        "status": "created",
        "total": 1400,
        "currency": "RUB",
    }
    assert (await orders.http.get(path)).status_code == 401
    assert (await orders.http.get(path, headers=buyer.headers)).status_code == 401
    missing = await orders.http.get(f"/internal/orders/{uuid.uuid4()}", headers=orders.internal)
    assert missing.status_code == 404


def _named(item: dict, names: dict[str, str]) -> dict:
    """``item`` with a placeholder product id replaced by the real one."""
    if item.get("product_id") in names:
        return {**item, "product_id": names[item["product_id"]]}
    return item


async def test_a_user_holds_at_most_five_unpaid_orders(orders, peers) -> None:
    product = peers.product(stock=20)
    buyer = orders.user()
    placed = [await orders.place(buyer, (product, 1)) for _ in range(5)]

    body = {"items": [{"product_id": product, "quantity": 1}]}
    refused = await orders.http.post("/api/orders", json=body, headers=buyer.headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("/too-many-unpaid-orders")
    assert (problem["limit"], problem["open_orders"]) == (5, 5)
    assert len(peers.reservations) == 5  # refused before the catalog was asked
    assert peers.stock_of(product) == 15

    # Someone else is not held back, and a cancelled order frees a place.
    await orders.place(orders.user(), (product, 1))
    cancel = await orders.http.post(f"/api/orders/{placed[0]['id']}/cancel", headers=buyer.headers)
    assert cancel.status_code == 200
    await orders.place(buyer, (product, 1))


async def test_unpaid_orders_hold_at_most_two_hundred_units(orders, peers) -> None:
    """Few orders of many units hoard as well as many orders: the units are capped too."""
    products = [peers.product(stock=1_000) for _ in range(3)]
    buyer = orders.user()
    await orders.place(buyer, (products[0], 100), (products[1], 90))

    body = {"items": [{"product_id": products[2], "quantity": 11}]}
    refused = await orders.http.post("/api/orders", json=body, headers=buyer.headers)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("/too-many-unpaid-units")
    assert (problem["limit"], problem["held_units"], problem["requested_units"]) == (200, 190, 11)
    assert len(peers.reservations) == 1  # refused before the catalog was asked
    assert peers.stock_of(products[2]) == 1_000

    # Exactly up to the limit is fine; another buyer is not held back.
    await orders.place(buyer, (products[2], 10))
    await orders.place(orders.user(), (products[2], 100))


async def test_concurrent_orders_cannot_pass_the_unpaid_cap(orders, peers) -> None:
    product = peers.product(stock=20)
    buyer = orders.user()
    body = {"items": [{"product_id": product, "quantity": 1}]}
    responses = await asyncio.gather(
        *(orders.http.post("/api/orders", json=body, headers=buyer.headers) for _ in range(8))
    )
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] * 5 + [409] * 3
    assert await orders.scalar("SELECT count(*) FROM orders") == 5
    # Any stock reserved for a refused order went back.
    assert peers.stock_of(product) == 15
