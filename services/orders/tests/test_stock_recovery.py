"""A replica that dies (or stalls) after the catalog reserved stock for an order, but before
the order was stored, must not leave those units held by no order: the reservation intent
orders wrote before calling the catalog lets any replica's sweeper release them."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete

from marketplace_platform.clock import utcnow
from orders_service.adapters.orm import stock_actions
from orders_service.domain.stock import StockAction, StockCall
from orders_service.service import stock

pytestmark = pytest.mark.integration


async def until_reserved(peers) -> str:
    async with asyncio.timeout(10):
        while not peers.reservations:
            await asyncio.sleep(0.01)
    [reservation_id] = [str(r) for r in peers.reservations]
    return reservation_id


async def post_order(replica, product: str, quantity: int):
    return await replica.http.post(
        "/api/orders",
        json={"items": [{"product_id": product, "quantity": quantity}]},
        headers=replica.user().headers,
    )


async def stalled_order(monkeypatch, replica, product: str, resume: asyncio.Event):
    """An order for 2 of ``product`` whose replica gets the catalog's answer and then does
    nothing more until ``resume``: a process killed at that point, or one stalled there for
    as long as the test likes. Returns the request's task and the reservation's id."""
    catalog = replica.components.catalog
    reserve = catalog.reserve

    async def reserve_then_stall(reservation_id, lines):
        reservation = await reserve(reservation_id, lines)
        await resume.wait()
        return reservation

    monkeypatch.setattr(catalog, "reserve", reserve_then_stall)
    request = asyncio.create_task(post_order(replica, product, 2))
    return request, await until_reserved(replica.peers)


async def test_a_replica_killed_after_the_catalog_reserved_leaks_no_stock(
    orders, peers, monkeypatch
) -> None:
    product = peers.product(stock=3)
    never = asyncio.Event()
    async with orders.replica() as doomed:
        request, reservation_id = await stalled_order(monkeypatch, doomed, product, never)
        assert peers.stock_of(product) == 1
        # The doomed replica never runs again; a surviving one sweeps a while later.
        await orders.components.sweeper.sweep_once(now=utcnow() + timedelta(minutes=2))
        assert ("release", reservation_id) in peers.calls
        assert peers.stock_of(product) == 3
        assert await orders.scalar("SELECT count(*) FROM orders") == 0
        assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request


async def test_a_request_that_outlived_its_reservation_places_no_order(
    orders, peers, monkeypatch
) -> None:
    product = peers.product(stock=3)
    resume = asyncio.Event()
    async with orders.replica() as slow:
        request, _ = await stalled_order(monkeypatch, slow, product, resume)
        await orders.components.sweeper.sweep_once(now=utcnow() + timedelta(minutes=2))
        assert peers.stock_of(product) == 3
        # The stalled request wakes up after its reservation was given back: no order may
        # be stored for stock it no longer holds.
        resume.set()
        response = await request
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert await orders.scalar("SELECT count(*) FROM orders") == 0
    assert peers.stock_of(product) == 3


async def test_a_healthy_request_keeps_its_reservation_from_the_sweeper(orders, peers) -> None:
    product = peers.product(stock=3)
    buyer = orders.user()
    order = await orders.place(buyer, (product, 2))
    await orders.components.sweeper.sweep_once(now=utcnow() + timedelta(minutes=10))
    assert peers.status_of(order["id"]) == "reserved"
    assert peers.stock_of(product) == 1
    assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0
    assert (await orders.order(buyer, order["id"]))["status"] == "created"


async def test_an_unreadable_reservation_answer_is_a_503_and_its_stock_comes_back(
    orders, peers
) -> None:
    product = peers.product(stock=3)
    peers.garbled = True
    response = await post_order(orders, product, 2)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert await orders.scalar("SELECT count(*) FROM orders") == 0
    assert peers.stock_of(product) == 3  # what the catalog reserved was released


async def test_a_refused_reservation_owes_the_catalog_nothing(orders, peers) -> None:
    product = peers.product(stock=1)
    response = await post_order(orders, product, 2)
    assert response.status_code == 409
    assert await orders.scalar("SELECT count(*) FROM stock_actions") == 0


async def test_a_cancel_while_the_owed_commit_completes_keeps_its_release(orders) -> None:
    """A paid order cancelled just as the sweeper's commit call comes back: the commit's
    row is deleted while the cancel's transaction replaces it with a release. The cancel
    must neither fail (a 500 in the chaos suite, PostgreSQL) nor lose its release."""
    if orders.engine != "postgresql":
        pytest.skip("SQLite has one writer at a time: the two cannot interleave")
    reservation_id, now = uuid.uuid4(), utcnow()
    unit_of_work = orders.components.unit_of_work
    async with unit_of_work() as uow:
        committing = StockCall.owed(reservation_id, StockAction.COMMIT, now=now)
        committing.attempts = 1
        uow.stock_calls.add(committing)
        await uow.commit()

    async def commit_call_completes() -> None:
        # What ``stock._call`` does once the catalog committed.
        async with orders.db.session() as session, session.begin():
            await session.execute(
                delete(stock_actions).where(
                    stock_actions.c.reservation_id == reservation_id,
                    stock_actions.c.action == StockAction.COMMIT.value,
                )
            )

    async with unit_of_work() as uow:  # the cancel's transaction
        await stock.schedule(
            uow, reservation_id=reservation_id, action=StockAction.RELEASE, now=now
        )
        completed = asyncio.create_task(commit_call_completes())
        # Unlocked, the delete goes through at once; locked, it waits for this commit.
        await asyncio.wait({completed}, timeout=2)
        await uow.commit()
    await completed
    owed = await orders.scalar(
        "SELECT action FROM stock_actions WHERE reservation_id = :id", id=reservation_id
    )
    assert owed == StockAction.RELEASE.value
