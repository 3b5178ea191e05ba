"""The stock use cases on a fake unit of work: what each step does to the products' stock,
the reservation and the events committed, without a database."""

import uuid

import pytest

from catalog_service.domain.errors import (
    InsufficientStock,
    ProductUnavailable,
    ReservationConflict,
    ReservationNotFound,
)
from catalog_service.domain.stock import Line
from catalog_service.service import stock
from marketplace_contracts import StockChanged
from marketplace_platform.clock import utcnow

pytestmark = pytest.mark.unit


async def test_a_reservation_takes_exactly_its_units_and_records_one_event_per_line(
    uow, unit_of_work
) -> None:
    phone, case = uow.stocked(stock=10, price=5000), uow.stocked(stock=3, price=700)
    order = uuid.uuid4()

    reservation = await stock.reserve(
        unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 2), Line(case.id, 3)]
    )

    assert (phone.stock, case.stock) == (8, 0)
    assert reservation.status == "reserved"
    assert {(i.product_id, i.quantity, i.unit_price) for i in reservation.items} == {
        (phone.id, 2, 5000),
        (case.id, 3, 700),
    }
    assert uow.reservations.rows[order] is reservation
    events = {e.product_id: e for e in uow.events(StockChanged)}
    assert {pid: (e.stock, e.delta, e.reason) for pid, e in events.items()} == {
        phone.id: (8, -2, "reserved"),
        case.id: (0, -3, "reserved"),
    }
    assert all(e.reservation_id == order for e in events.values())
    assert uow.commits == 1


async def test_repeating_a_reservation_answers_the_first_and_takes_nothing_more(
    uow, unit_of_work
) -> None:
    phone = uow.stocked(stock=10)
    order = uuid.uuid4()
    first = await stock.reserve(
        unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 4)]
    )

    again = await stock.reserve(
        unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 4)]
    )

    assert again is first
    assert phone.stock == 6
    assert len(uow.events(StockChanged)) == 1


async def test_the_same_id_for_other_items_is_refused_and_changes_nothing(
    uow, unit_of_work
) -> None:
    phone = uow.stocked(stock=10)
    order = uuid.uuid4()
    await stock.reserve(unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 4)])

    with pytest.raises(ReservationConflict):
        await stock.reserve(
            unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 5)]
        )

    assert phone.stock == 6
    assert len(uow.events(StockChanged)) == 1


async def test_a_refused_reservation_takes_nothing_from_any_line(uow, unit_of_work) -> None:
    # Lines are taken in product id order: the one that fails comes after one that fits.
    plenty, scarce = sorted((uow.stocked(stock=10), uow.stocked(stock=10)), key=lambda p: p.id)
    scarce.stock = 1
    lines = [Line(plenty.id, 5), Line(scarce.id, 2)]

    with pytest.raises(InsufficientStock) as refused:
        await stock.reserve(unit_of_work=unit_of_work, reservation_id=uuid.uuid4(), lines=lines)

    assert refused.value.extra == {
        "product_id": str(scarce.id),
        "requested": 2,
        "available": 1,
    }
    assert (plenty.stock, scarce.stock) == (10, 1)
    assert uow.reservations.rows == {}
    assert uow.committed == []
    assert uow.commits == 0


async def test_an_archived_product_cannot_be_reserved(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10)
    phone.archive(now=utcnow())
    phone.pull_events()

    with pytest.raises(ProductUnavailable):
        await stock.reserve(
            unit_of_work=unit_of_work, reservation_id=uuid.uuid4(), lines=[Line(phone.id, 1)]
        )

    assert phone.stock == 10
    assert uow.committed == []


async def test_a_service_never_runs_out_and_changes_no_stock(uow, unit_of_work) -> None:
    lesson = uow.stocked(stock=None)

    reservation = await stock.reserve(
        unit_of_work=unit_of_work, reservation_id=uuid.uuid4(), lines=[Line(lesson.id, 500)]
    )

    assert reservation.status == "reserved"
    assert lesson.stock is None
    assert uow.committed == []


async def test_release_gives_the_units_back_once(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10)
    order = uuid.uuid4()
    await stock.reserve(unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 4)])

    released = await stock.release(unit_of_work=unit_of_work, reservation_id=order)
    await stock.release(unit_of_work=unit_of_work, reservation_id=order)

    assert released.status == "released"
    assert phone.stock == 10
    changes = [(e.stock, e.delta, e.reason) for e in uow.events(StockChanged)]
    assert changes == [(6, -4, "reserved"), (10, 4, "released")]


async def test_a_release_before_its_reservation_makes_the_late_reservation_fail(
    uow, unit_of_work
) -> None:
    phone = uow.stocked(stock=10)
    order = uuid.uuid4()

    released = await stock.release(unit_of_work=unit_of_work, reservation_id=order)
    with pytest.raises(ReservationConflict):
        await stock.reserve(
            unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 1)]
        )

    assert (released.status, released.items, released.currency) == ("released", [], None)
    assert phone.stock == 10
    assert uow.committed == []


async def test_commit_makes_the_sale_final_once(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10)
    order = uuid.uuid4()
    await stock.reserve(unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 4)])

    committed = await stock.commit(unit_of_work=unit_of_work, reservation_id=order)
    again = await stock.commit(unit_of_work=unit_of_work, reservation_id=order)

    assert committed.status == again.status == "committed"
    assert phone.stock == 6
    assert len(uow.events(StockChanged)) == 1  # committing moves no units


async def test_a_released_reservation_cannot_be_committed(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10)
    order = uuid.uuid4()
    await stock.reserve(unit_of_work=unit_of_work, reservation_id=order, lines=[Line(phone.id, 4)])
    await stock.release(unit_of_work=unit_of_work, reservation_id=order)

    with pytest.raises(ReservationConflict):
        await stock.commit(unit_of_work=unit_of_work, reservation_id=order)

    assert uow.reservations.rows[order].status == "released"
    assert phone.stock == 10


async def test_committing_an_unknown_reservation_is_not_found(uow, unit_of_work) -> None:
    with pytest.raises(ReservationNotFound):
        await stock.commit(unit_of_work=unit_of_work, reservation_id=uuid.uuid4())
    assert uow.commits == 0
