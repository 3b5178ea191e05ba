"""Placing, cancelling and delivering orders, on a fake unit of work and a fake catalog:
the events each use case commits and the stock calls it leaves owed or makes."""

import uuid

import pytest

from marketplace_contracts import OrderCancelled, OrderCreated
from orders_service.domain.errors import (
    CatalogUnavailable,
    DuplicateProduct,
    InsufficientStock,
    InvalidTransition,
    OrderNotFound,
    ReservationLapsed,
    TooManyUnpaidOrders,
    TooManyUnpaidUnits,
)
from orders_service.domain.orders import Line
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.service import orders

pytestmark = pytest.mark.unit

CREATED = "orders.order.created.v1"
STATUS_CHANGED = "orders.order.status_changed.v1"
CANCELLED = "orders.order.cancelled.v1"
PAID = "orders.order.paid.v1"


async def test_placing_an_order_stores_it_with_its_event_and_owes_nothing(shop) -> None:
    buyer = shop.buyer()
    order = await shop.place(buyer, 2, 3)

    assert shop.uow.orders.rows[order.id] is order
    assert order.status is OrderStatus.CREATED
    assert order.total == 5000
    assert [item.quantity for item in order.items] == [2, 3]  # the buyer's order
    assert shop.uow.event_types == [CREATED]
    [created] = shop.uow.events(OrderCreated)
    assert created.order_id == order.id
    assert created.total == 5000
    # The reservation intent was adopted by the order: no release is owed.
    assert shop.uow.owed() == {}
    assert shop.catalog.calls == [("reserve", order.id)]


async def test_a_refused_reservation_stores_nothing_and_owes_nothing(shop) -> None:
    shop.catalog.refusal = InsufficientStock("Only a few left.")
    with pytest.raises(InsufficientStock):
        await shop.place(shop.buyer())
    assert shop.uow.orders.rows == {}
    assert shop.uow.committed == []
    assert shop.uow.owed() == {}
    assert shop.catalog.made("release") == []


async def test_a_catalog_that_does_not_answer_is_owed_a_release_made_at_once(shop) -> None:
    shop.catalog.refusal = CatalogUnavailable("down")
    with pytest.raises(CatalogUnavailable):
        await shop.place(shop.buyer())
    [(_, reservation_id)] = [call for call in shop.catalog.calls if call[0] == "reserve"]
    assert shop.catalog.made("release") == [reservation_id]
    assert shop.uow.owed() == {}  # made, so no longer owed
    assert shop.uow.orders.rows == {}


async def test_a_release_the_catalog_cannot_take_stays_owed(shop) -> None:
    shop.catalog.refusal = CatalogUnavailable("down")
    shop.catalog.down = True
    with pytest.raises(CatalogUnavailable):
        await shop.place(shop.buyer())
    [reservation_id] = shop.catalog.made("release")
    assert shop.uow.owed() == {reservation_id: "release"}
    assert shop.uow.stock_calls.rows[reservation_id].last_error == "the catalog is down"


async def test_an_order_whose_intent_a_sweeper_claimed_is_refused(shop) -> None:
    async def sweeper_claims(reservation_id: uuid.UUID) -> None:
        shop.uow.stock_calls.rows[reservation_id].attempts = 1

    shop.catalog.on_reserve = sweeper_claims
    with pytest.raises(ReservationLapsed):
        await shop.place(shop.buyer())
    assert shop.uow.orders.rows == {}
    assert shop.uow.committed == []


async def test_a_user_with_five_unpaid_orders_is_refused_before_the_catalog(shop) -> None:
    buyer = shop.buyer()
    for _ in range(5):
        await shop.place(buyer)
    shop.forget_history()
    with pytest.raises(TooManyUnpaidOrders):
        await shop.place(buyer)
    assert shop.catalog.calls == []
    assert shop.uow.committed == []
    assert shop.uow.owed() == {}
    await shop.place(shop.buyer())  # another user is not held back


async def test_unpaid_orders_hold_at_most_two_hundred_units(shop) -> None:
    buyer = shop.buyer()
    await shop.place(buyer, 100, 90)
    shop.forget_history()
    with pytest.raises(TooManyUnpaidUnits) as refused:
        await shop.place(buyer, 11)
    assert refused.value.extra == {"limit": 200, "held_units": 190, "requested_units": 11}
    assert shop.catalog.calls == []
    await shop.place(buyer, 10)


async def test_a_product_listed_twice_never_reaches_the_catalog(shop) -> None:
    product = uuid.uuid4()
    with pytest.raises(DuplicateProduct):
        await orders.create(
            **shop.peers,
            user_id=uuid.uuid4(),
            lines=[Line(product, 1), Line(product, 2)],
            address=None,
            render=lambda order: {},
            limits=shop.limits,
        )
    assert shop.catalog.calls == []


@pytest.mark.parametrize(("who", "actor"), [("owner", Actor.USER), ("admin", Actor.ADMIN)])
async def test_the_owner_or_an_admin_cancels_and_the_stock_is_released(shop, who, actor) -> None:
    buyer = shop.buyer()
    order = await shop.place(buyer)
    shop.forget_history()

    principal = buyer if who == "owner" else shop.admin()
    await orders.cancel(**shop.peers, order_id=order.id, principal=principal)

    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].actor is actor
    assert order.history[-1].reason == f"cancelled_by_{actor.value}"
    assert shop.uow.event_types == [STATUS_CHANGED, CANCELLED]
    [cancelled] = shop.uow.events(OrderCancelled)
    assert cancelled.refund is False
    assert shop.catalog.calls == [("release", order.id)]
    assert shop.uow.owed() == {}


async def test_another_users_order_is_not_found_and_not_changed(shop) -> None:
    order = await shop.place(shop.buyer())
    shop.forget_history()
    with pytest.raises(OrderNotFound):
        await orders.cancel(**shop.peers, order_id=order.id, principal=shop.buyer())
    assert order.status is OrderStatus.CREATED
    assert shop.uow.committed == []
    assert shop.catalog.calls == []


async def test_cancelling_a_paid_order_refunds_it(shop) -> None:
    buyer = shop.buyer()
    order = await shop.paid(buyer)
    shop.forget_history()
    await orders.cancel(**shop.peers, order_id=order.id, principal=buyer, reason="changed mind")
    [cancelled] = shop.uow.events(OrderCancelled)
    assert cancelled.refund is True
    assert cancelled.reason == "changed mind"
    assert shop.catalog.calls == [("release", order.id)]


async def test_a_cancel_while_the_catalog_is_down_leaves_the_release_owed(shop) -> None:
    buyer = shop.buyer()
    order = await shop.place(buyer)
    shop.catalog.down = True
    await orders.cancel(**shop.peers, order_id=order.id, principal=buyer)
    assert order.status is OrderStatus.CANCELLED
    assert shop.uow.owed() == {order.id: "release"}
    assert shop.uow.stock_calls.rows[order.id].attempts == 1  # tried once, due again later


async def test_delivering_a_paid_order_commits_its_stock(shop) -> None:
    order = await shop.paid(shop.buyer())
    shop.forget_history()
    await orders.deliver(**shop.peers, order_id=order.id)
    assert order.status is OrderStatus.DELIVERED
    assert order.history[-1].actor is Actor.ADMIN
    assert shop.uow.event_types == [STATUS_CHANGED]
    assert shop.catalog.calls == [("commit", order.id)]
    assert shop.uow.owed() == {}


async def test_an_unpaid_order_cannot_be_delivered(shop) -> None:
    order = await shop.place(shop.buyer())
    shop.forget_history()
    with pytest.raises(InvalidTransition):
        await orders.deliver(**shop.peers, order_id=order.id)
    assert order.status is OrderStatus.CREATED
    assert len(order.history) == 1
    assert shop.uow.committed == []
    assert shop.uow.owed() == {}


async def test_delivering_an_unknown_order_is_not_found(shop) -> None:
    with pytest.raises(OrderNotFound):
        await orders.deliver(**shop.peers, order_id=uuid.uuid4())


async def test_a_user_lists_only_their_orders_newest_first(shop) -> None:
    buyer = shop.buyer()
    first, second = await shop.place(buyer), await shop.place(buyer)
    await shop.place(shop.buyer())
    page = await orders.get_all(unit_of_work=shop.unit_of_work, principal=buyer)
    assert [order.id for order in page.items] == [second.id, first.id]
    everyone = await orders.get_all(unit_of_work=shop.unit_of_work, principal=shop.admin())
    assert len(everyone.items) == 3
