"""``Idempotency-Key`` on POST /api/orders: the same key and body make one order and replay
it, another body is refused, a key in flight is a conflict, a failure frees the key."""

import asyncio

import pytest

pytestmark = pytest.mark.integration


def body(product: str, quantity: int = 1) -> dict:
    return {"items": [{"product_id": product, "quantity": quantity}]}


async def test_the_same_key_and_body_make_one_order_and_replay_it(orders, peers) -> None:
    product = peers.product(stock=5)
    buyer = orders.user()
    headers = {**buyer.headers, "Idempotency-Key": "order-1"}
    first = await orders.http.post("/api/orders", json=body(product), headers=headers)
    # Same content, keys in another order: the same request.
    again = await orders.http.post(
        "/api/orders", json={"items": [{"quantity": 1, "product_id": product}]}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await orders.scalar("SELECT count(*) FROM orders") == 1
    assert peers.stock_of(product) == 4
    assert len(await orders.outbox("orders.order.created.v1")) == 1


async def test_the_same_key_with_another_body_is_refused(orders, peers) -> None:
    product = peers.product(stock=5)
    headers = {**orders.user().headers, "Idempotency-Key": "order-1"}
    assert (await orders.http.post("/api/orders", json=body(product), headers=headers)).is_success
    other = await orders.http.post("/api/orders", json=body(product, 2), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await orders.scalar("SELECT count(*) FROM orders") == 1


async def test_keys_belong_to_their_user(orders, peers) -> None:
    product = peers.product(stock=5)
    for caller in (orders.user(), orders.user()):
        headers = {**caller.headers, "Idempotency-Key": "same-key"}
        response = await orders.http.post("/api/orders", json=body(product), headers=headers)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert await orders.scalar("SELECT count(*) FROM orders") == 2


async def test_a_concurrent_request_with_a_key_in_flight_gets_409(orders, peers) -> None:
    product = peers.product(stock=5)
    peers.delay = 0.5  # the first request waits at the catalog while the second arrives
    headers = {**orders.user().headers, "Idempotency-Key": "racing"}
    first = asyncio.create_task(
        orders.http.post("/api/orders", json=body(product), headers=headers)
    )
    async with asyncio.timeout(10):
        while not await orders.scalar("SELECT count(*) FROM idempotency_keys"):
            await asyncio.sleep(0.01)
    second = await orders.http.post("/api/orders", json=body(product), headers=headers)
    assert second.status_code == 409
    assert second.json()["type"].endswith("/idempotency-key-in-use")
    assert (await first).status_code == 201
    assert await orders.scalar("SELECT count(*) FROM orders") == 1


async def test_a_refused_request_frees_its_key_for_a_corrected_retry(orders, peers) -> None:
    product = peers.product(stock=1)
    headers = {**orders.user().headers, "Idempotency-Key": "retry-me"}
    too_many = await orders.http.post("/api/orders", json=body(product, 2), headers=headers)
    assert too_many.status_code == 409
    corrected = await orders.http.post("/api/orders", json=body(product, 1), headers=headers)
    assert corrected.status_code == 201


async def test_a_request_that_met_a_dead_catalog_frees_its_key(orders, peers) -> None:
    product = peers.product(stock=1)
    buyer = orders.user()
    headers = {**buyer.headers, "Idempotency-Key": "when-it-is-back"}
    async with orders.replica(catalog_url="http://127.0.0.1:9") as cut_off:
        down = await cut_off.http.post("/api/orders", json=body(product), headers=headers)
    assert down.status_code == 503
    back = await orders.http.post("/api/orders", json=body(product), headers=headers)
    assert back.status_code == 201


@pytest.mark.parametrize("key", [b"", b"x" * 256, "ключ".encode()])
async def test_a_malformed_key_is_refused_before_anything_happens(orders, peers, key) -> None:
    product = peers.product(stock=1)
    headers = {**orders.user().headers, "Idempotency-Key": key}
    response = await orders.http.post("/api/orders", json=body(product), headers=headers)
    assert response.status_code == 422
    assert peers.calls == []
