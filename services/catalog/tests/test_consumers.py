"""The catalog's consumer on a real NATS JetStream: rating aggregates, paid orders and its
own view counts reach the product's figures, and a redelivered event changes nothing."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from catalog_service.consumers import figures as figures_consumer
from marketplace_contracts import (
    Envelope,
    Event,
    OrderLine,
    OrderPaid,
    ProductRatingChanged,
    ProductViews,
    ProductViewsCounted,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import GroupCommit
from marketplace_platform.ids import new_id

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def publishers(private_nats_server) -> AsyncIterator[dict[str, EventBus]]:
    """Buses of the services whose events the catalog consumes."""
    buses = {
        name: EventBus(private_nats_server.url, service=name) for name in ("reviews", "orders")
    }
    for bus in buses.values():
        await bus.start()
    yield buses
    for bus in buses.values():
        await bus.close()


async def publish(bus: EventBus, envelope: Envelope) -> None:
    # A fresh message id: JetStream would drop a re-send of the same one as a duplicate,
    # and this stands for a delivery the broker does not know is a repeat (a replay).
    await bus.publish(
        envelope.type, orjson.dumps(envelope.model_dump(mode="json")), msg_id=str(uuid.uuid4())
    )


def envelope(event: Event, *, source: str, time: datetime | None = None) -> Envelope:
    wrapped = Envelope.wrap(event, id=new_id(), source=source)
    return wrapped.model_copy(update={"time": time}) if time else wrapped


async def until(catalog, product_id: str, check) -> dict:
    async with asyncio.timeout(20):
        while True:
            product = await catalog.figures(product_id)
            if check(product):
                return product
            await asyncio.sleep(0.05)


def rating(product_id: str, average: float, count: int) -> ProductRatingChanged:
    return ProductRatingChanged(
        product_id=uuid.UUID(product_id), average_rating=average, review_count=count
    )


async def test_rating_changes_reach_the_product_once_and_newest_wins(catalog, publishers) -> None:
    product = await catalog.create_product()
    marker = await catalog.create_product()
    reviews = publishers["reviews"]
    now = datetime.now(UTC)

    first = envelope(rating(product["id"], 4.5, 2), source="reviews", time=now)
    await publish(reviews, first)
    await until(catalog, product["id"], lambda p: p["rating"] == {"average": 4.5, "count": 2})

    # A redelivery of the first, and an older aggregate arriving late: neither changes it.
    await publish(reviews, first)
    older = rating(product["id"], 1.0, 1)
    await publish(reviews, envelope(older, source="reviews", time=now - timedelta(minutes=1)))
    await publish(reviews, envelope(rating(marker["id"], 3.0, 1), source="reviews"))
    await until(catalog, marker["id"], lambda p: p["rating"]["count"] == 1)
    assert (await catalog.figures(product["id"]))["rating"] == {"average": 4.5, "count": 2}

    newer = rating(product["id"], 4.0, 3)
    await publish(reviews, envelope(newer, source="reviews", time=now + timedelta(minutes=1)))
    await until(catalog, product["id"], lambda p: p["rating"] == {"average": 4.0, "count": 3})


async def test_a_paid_order_counts_once_per_product(catalog, publishers) -> None:
    phone = await catalog.create_product()
    case = await catalog.create_product()
    marker = await catalog.create_product()
    orders = publishers["orders"]

    def paid(*product_ids: str) -> Envelope:
        lines = [
            OrderLine(product_id=uuid.UUID(p), quantity=2, unit_price=100) for p in product_ids
        ]
        event = OrderPaid(
            order_id=new_id(), user_id=new_id(), items=lines, total=200 * len(lines), currency="RUB"
        )
        return envelope(event, source="orders")

    order = paid(phone["id"], case["id"])
    await publish(orders, order)
    await publish(orders, order)  # redelivered
    await publish(orders, paid(phone["id"]))
    await publish(orders, paid(marker["id"]))
    await until(catalog, marker["id"], lambda p: p["orders_count"] == 1)
    assert (await catalog.figures(phone["id"]))["orders_count"] == 2
    assert (await catalog.figures(case["id"]))["orders_count"] == 1


async def test_counted_views_reach_the_product_through_the_broker(catalog) -> None:
    product = await catalog.create_product()
    for _ in range(3):
        await catalog.http.get(f"/api/catalog/products/{product['id']}")
    await catalog.components.views.flush()
    await until(catalog, product["id"], lambda p: p["views"] == 3)
    [counted] = await catalog.outbox("catalog.product.views_counted.v1")

    # The same event again (a replay from the dead-letter stream, say) adds nothing.
    bus = catalog.components.runtime.bus
    await bus.publish(counted["type"], orjson.dumps(counted), msg_id=str(uuid.uuid4()))
    await catalog.http.get(f"/api/catalog/products/{product['id']}")
    await catalog.components.views.flush()
    await until(catalog, product["id"], lambda p: p["views"] >= 4)
    assert (await catalog.figures(product["id"]))["views"] == 4


async def test_one_products_events_in_one_batch_add_up_and_the_newest_rating_wins(catalog) -> None:
    """The events in work at once share a transaction (the consumer's group commit): two
    paid orders and two view counts of one product add up, a duplicate in the batch counts
    once, and of two ratings the newest wins though it came first."""
    phone = await catalog.create_product()
    case = await catalog.create_product()
    phone_id, case_id = uuid.UUID(phone["id"]), uuid.UUID(case["id"])
    now = datetime.now(UTC)

    def paid(*product_ids: uuid.UUID) -> Envelope:
        lines = [OrderLine(product_id=p, quantity=1, unit_price=100) for p in product_ids]
        event = OrderPaid(
            order_id=new_id(), user_id=new_id(), items=lines, total=100 * len(lines), currency="RUB"
        )
        return envelope(event, source="orders")

    def views(**counts: int) -> Envelope:
        ids = {"phone": phone_id, "case": case_id}
        event = ProductViewsCounted(
            since=now - timedelta(seconds=5),
            until=now,
            counts=[ProductViews(product_id=ids[name], views=n) for name, n in counts.items()]
        )
        return envelope(event, source="catalog")

    first_order = paid(phone_id, case_id)
    batch = [
        first_order,
        paid(phone_id),
        first_order,  # delivered twice
        envelope(rating(phone["id"], 4.0, 3), source="reviews", time=now),
        envelope(rating(phone["id"], 5.0, 1), source="reviews", time=now - timedelta(minutes=1)),
        views(phone=2, case=1),
        views(phone=5),
    ]
    group = GroupCommit(
        figures_consumer.CONSUMER,
        unit_of_work=catalog.components.unit_of_work,
        effect_of=figures_consumer.effect_of,
        max_batch=64,
    )
    try:
        applied = await asyncio.gather(*(group.handle(item) for item in batch))
        assert applied == [True, True, False, True, True, True, True]
        assert group.transactions == 1
        assert await asyncio.gather(*(group.handle(item) for item in batch)) == [False] * 7
    finally:
        await group.close()

    assert await catalog.figures(phone["id"]) == {
        "rating": {"average": 4.0, "count": 3},
        "orders_count": 2,
        "views": 7,
    }
    assert await catalog.figures(case["id"]) == {
        "rating": {"average": 0.0, "count": 0},
        "orders_count": 1,
        "views": 1,
    }
