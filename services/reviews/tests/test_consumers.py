"""The reviews consumer on a real NATS JetStream: the catalog's products, auth's names and
orders' purchases reach the service's projections once, and an older fact arriving late
never overwrites a newer one."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from marketplace_contracts import (
    Envelope,
    Event,
    OrderLine,
    OrderPaid,
    OrderStatusChanged,
    ProductArchived,
    ProductCreated,
    ProductUpdated,
    UserRegistered,
    UserUpdated,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import GroupCommit, handle_once
from marketplace_platform.ids import new_id
from reviews_service.consumers import events

pytestmark = pytest.mark.integration


@pytest.fixture
def nats_url(private_nats_server) -> str:
    return private_nats_server.url


@pytest.fixture
async def publishers(private_nats_server) -> AsyncIterator[dict[str, EventBus]]:
    """Buses of the services whose events the reviews service consumes."""
    buses = {
        name: EventBus(private_nats_server.url, service=name)
        for name in ("catalog", "auth", "orders")
    }
    for bus in buses.values():
        await bus.start()
    yield buses
    for bus in buses.values():
        await bus.close()


async def publish(bus: EventBus, event: Event, *, time: datetime | None = None) -> Envelope:
    envelope = Envelope.wrap(event, id=new_id(), source=bus.service)
    if time is not None:
        envelope = envelope.model_copy(update={"time": time})
    await bus.publish(
        envelope.type, orjson.dumps(envelope.model_dump(mode="json")), msg_id=str(uuid.uuid4())
    )
    return envelope


async def until(reviews, sql: str, expected, **params) -> None:
    async with asyncio.timeout(20):
        while await reviews.scalar(sql, **params) != expected:
            await asyncio.sleep(0.05)


def created(product_id: uuid.UUID) -> ProductCreated:
    return ProductCreated(
        product_id=product_id,
        title="Phone",
        kind="product",
        category_id=uuid.uuid4(),
        price=100,
        currency="RUB",
        stock=1,
    )


async def test_products_names_and_purchases_arrive_through_the_broker(reviews, publishers) -> None:
    product, buyer = uuid.uuid4(), reviews.user()
    await publish(publishers["catalog"], created(product))
    await publish(
        publishers["auth"],
        UserRegistered(user_id=buyer.user_id, email="b@x.test", name="Борис", role="user"),
    )
    await until(reviews, "SELECT count(*) FROM products", 1)
    review = await reviews.review(buyer, str(product))
    assert reviews.catalog.asked == []  # the event told of the product

    await publish(
        publishers["orders"],
        OrderPaid(
            order_id=uuid.uuid4(),
            user_id=buyer.user_id,
            items=[OrderLine(product_id=product, quantity=1, unit_price=100)],
            total=100,
            currency="RUB",
        ),
    )
    await until(reviews, "SELECT count(*) FROM reviews WHERE verified_purchase", 1)
    got = (await reviews.http.get(f"/api/reviews/{review['id']}")).json()
    assert got["author"]["name"] == "Борис"
    assert got["verified_purchase"] is True


async def test_an_older_fact_arriving_late_changes_nothing(reviews, publishers) -> None:
    product = uuid.uuid4()
    now = datetime.now(UTC)
    catalog = publishers["catalog"]
    await publish(catalog, ProductArchived(product_id=product), time=now)
    await until(reviews, "SELECT status FROM products", "archived")
    back_on_sale = ProductUpdated(
        product_id=product,
        title="Phone",
        category_id=uuid.uuid4(),
        status="active",
        changed=["status"],
    )
    await publish(catalog, back_on_sale, time=now - timedelta(minutes=1))
    marker = uuid.uuid4()
    await publish(catalog, created(marker))
    await until(reviews, "SELECT count(*) FROM products", 2)
    archived = "SELECT count(*) FROM products WHERE status = 'archived'"
    assert await reviews.scalar(archived) == 1


async def test_a_redelivered_event_is_applied_once(reviews) -> None:
    product = uuid.uuid4()
    envelope = Envelope.wrap(created(product), id=new_id(), source="catalog")

    effect = events.effect_of(envelope)
    assert effect is not None
    results = [
        await handle_once(
            reviews.components.unit_of_work(),
            consumer=events.CONSUMER,
            envelope=envelope,
            effect=effect,
        )
        for _ in range(2)
    ]
    assert results == [True, False]


async def test_an_event_it_cannot_read_is_shown_to_admins_as_a_dead_letter(
    reviews, publishers
) -> None:
    catalog = publishers["catalog"]
    await catalog.publish(ProductCreated.TYPE, b"not an envelope", msg_id=str(uuid.uuid4()))
    admin = reviews.admin()

    async with asyncio.timeout(20):
        while not (page := await dead_letters(reviews, admin.headers))["items"]:
            await asyncio.sleep(0.05)
    [letter] = page["items"]
    assert letter["consumer"] == events.CONSUMER
    assert letter["subject"] == ProductCreated.TYPE
    assert letter["payload_preview"] == "not an envelope"
    assert page["consumers"] == [events.CONSUMER]
    user = await reviews.http.get("/api/reviews/dead-letters", headers=reviews.user().headers)
    assert user.status_code == 403

    replayed = await reviews.http.post(
        f"/api/reviews/dead-letters/{letter['id']}/replay", headers=admin.headers
    )
    assert replayed.status_code == 202, replayed.text
    # Still unreadable: parked again, under a new id.
    async with asyncio.timeout(20):
        while [item["id"] for item in (await dead_letters(reviews, admin.headers))["items"]] in (
            [],
            [letter["id"]],
        ):
            await asyncio.sleep(0.05)
    [again] = (await dead_letters(reviews, admin.headers))["items"]
    assert again["id"] > letter["id"]


async def dead_letters(reviews, headers: dict[str, str]) -> dict:
    response = await reviews.http.get("/api/reviews/dead-letters", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_events_about_one_buyer_and_product_in_one_batch_apply_in_turn(reviews) -> None:
    """The events in work at once share a transaction (the consumer's group commit). Two
    orders of one buyer hold the product the buyer reviewed: the cancellation of one, in the
    same batch as the payment of the other, still finds the other's purchase and the review
    stays verified; of a product's and a name's two facts in one batch the newest wins,
    whatever their order; a duplicate in the batch is applied once."""
    product, other, buyer = uuid.uuid4(), uuid.uuid4(), reviews.user()
    now = datetime.now(UTC)

    def wrap(event: Event, source: str, *, time: datetime | None = None) -> Envelope:
        envelope = Envelope.wrap(event, id=new_id(), source=source)
        return envelope.model_copy(update={"time": time}) if time else envelope

    group = GroupCommit(
        events.CONSUMER,
        unit_of_work=reviews.components.unit_of_work,
        effect_of=events.effect_of,
        max_batch=64,
    )
    try:
        assert await group.handle(wrap(created(product), "catalog")) is True
        review = await reviews.review(buyer, str(product))

        first, second = uuid.uuid4(), uuid.uuid4()

        def paid(order_id: uuid.UUID) -> Envelope:
            line = OrderLine(product_id=product, quantity=1, unit_price=100)
            event = OrderPaid(
                order_id=order_id, user_id=buyer.user_id, items=[line], total=100, currency="RUB"
            )
            return wrap(event, "orders")

        cancelled = OrderStatusChanged(
            order_id=first,
            user_id=buyer.user_id,
            from_status="paid",
            to_status="cancelled",
            actor="admin",
            total=100,
            currency="RUB",
            changed_at=now + timedelta(minutes=1),
        )
        second_paid = paid(second)
        batch = [
            second_paid,
            paid(first),
            wrap(cancelled, "orders"),
            second_paid,  # delivered twice
            # The newer fact first: the older one after it changes nothing.
            wrap(created(other), "catalog", time=now),
            wrap(ProductArchived(product_id=other), "catalog", time=now - timedelta(minutes=1)),
            wrap(
                UserRegistered(user_id=buyer.user_id, email="b@x.test", name="Борис", role="user"),
                "auth",
                time=now - timedelta(minutes=1),
            ),
            wrap(
                UserUpdated(
                    user_id=buyer.user_id, name="Боря", role="user", changed=["name"]
                ),
                "auth",
                time=now,
            ),
        ]
        applied = await asyncio.gather(*(group.handle(item) for item in batch))
        assert applied == [True, True, True, False, True, True, True, True]
        assert group.transactions == 2  # the product's event alone, then the batch
        assert await asyncio.gather(*(group.handle(item) for item in batch)) == [False] * 8
    finally:
        await group.close()

    got = (await reviews.http.get(f"/api/reviews/{review['id']}")).json()
    assert got["verified_purchase"] is True
    assert got["author"]["name"] == "Боря"
    orders = "SELECT count(*) FROM purchase_orders WHERE status = :status"
    assert await reviews.scalar(orders, status="cancelled") == 1  # the first
    assert await reviews.scalar(orders, status="paid") == 1  # the second
    assert await reviews.scalar("SELECT count(*) FROM products WHERE status = 'active'") == 2
