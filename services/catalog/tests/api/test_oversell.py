"""No oversell across replicas: two catalog instances, each with its own connection pool, on
one database, take 50 concurrent reservations of the last 10 units between them and sell
exactly 10.

On SQLite this holds whatever the code does (one writer at a time); the PostgreSQL run is the
proof that a reservation reads and decrements the stock under the product row's lock
(``SELECT ... FOR UPDATE``): a read-then-write without the lock sells more than 10 here (lost
updates between the two pools)."""

import asyncio
import uuid

import pytest

pytestmark = pytest.mark.integration

BUYERS = 50
LAST_UNITS = 10


async def reserve_one(catalog, product_id: str):
    """One order's reservation of one unit, through the stock API the orders service calls."""
    body = {
        "reservation_id": str(uuid.uuid4()),
        "items": [{"product_id": product_id, "quantity": 1}],
    }
    return await catalog.http.post(
        "/internal/stock/reservations", json=body, headers=catalog.internal
    )


async def test_two_replicas_sell_the_last_ten_units_exactly_once(catalog) -> None:
    product = await catalog.create_product(stock=LAST_UNITS)
    async with catalog.replica() as other:
        replicas = (catalog, other)
        responses = await asyncio.gather(
            *(reserve_one(replicas[n % 2], product["id"]) for n in range(BUYERS))
        )
        codes = [response.status_code for response in responses]
        # Both replicas sold: the load really was spread.
        assert {n % 2 for n, code in enumerate(codes) if code == 200} == {0, 1}
    assert codes.count(200) == LAST_UNITS, codes
    assert codes.count(409) == BUYERS - LAST_UNITS, codes
    assert (await catalog.product(product["id"]))["stock"] == 0
    assert await catalog.scalar("SELECT count(*) FROM stock_reservations") == LAST_UNITS
    assert len(await catalog.outbox("catalog.product.stock_changed.v1")) == LAST_UNITS
