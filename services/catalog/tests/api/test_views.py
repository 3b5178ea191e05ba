"""View counters: a product view writes nothing to the database; the counts go out as one
batched event per interval, and once more at shutdown."""

import asyncio
import uuid

import pytest
from sqlalchemy import event

pytestmark = pytest.mark.integration

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")
VIEWS_COUNTED = "catalog.product.views_counted.v1"


async def test_a_product_view_does_no_database_write(catalog) -> None:
    product = await catalog.create_product()
    # The relay would write to the outbox on its own schedule; this test is about the
    # request path only.
    await catalog.components.runtime.relay.stop()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement.lstrip().upper())

    engine = catalog.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(25):
            response = await catalog.http.get(f"/api/catalog/products/{product['id']}")
            assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert statements, "the listener saw the reads"
    assert [s for s in statements if s.startswith(WRITES)] == []
    assert catalog.components.views.pending == 1

    assert await catalog.components.views.flush() == 1
    [counted] = await catalog.outbox(VIEWS_COUNTED)
    assert counted["data"]["counts"] == [{"product_id": product["id"], "views": 25}]
    assert counted["data"]["since"] <= counted["data"]["until"]
    assert await catalog.components.views.flush() == 0  # nothing new: no event


async def test_views_of_unknown_products_are_not_counted(catalog) -> None:
    response = await catalog.http.get(f"/api/catalog/products/{uuid.uuid4()}")
    assert response.status_code == 404
    assert catalog.components.views.pending == 0


@pytest.mark.parametrize("settings_overrides", [{"view_flush_interval": 0.05}])
async def test_counts_are_flushed_every_interval(catalog, settings_overrides) -> None:
    product = await catalog.create_product()
    for _ in range(3):
        await catalog.http.get(f"/api/catalog/products/{product['id']}")

    async def flushed() -> int:
        events = await catalog.outbox(VIEWS_COUNTED)
        return sum(entry["views"] for e in events for entry in e["data"]["counts"])

    # The timer may have cut the three views into more than one batch.
    async with asyncio.timeout(10):
        while await flushed() < 3:
            await asyncio.sleep(0.02)
    assert await flushed() == 3


async def test_a_clean_shutdown_flushes_what_was_counted(catalog) -> None:
    product = await catalog.create_product()
    async with catalog.replica() as other:
        for _ in range(4):
            await other.http.get(f"/api/catalog/products/{product['id']}")
    [counted] = await catalog.outbox(VIEWS_COUNTED)
    assert counted["data"]["counts"] == [{"product_id": product["id"], "views": 4}]
