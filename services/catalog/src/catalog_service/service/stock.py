"""Stock reservations for the orders service: reserve, release, commit (see
``domain.stock`` for the rules). Every step is one transaction and can be repeated safely.

The products a step moves units of are locked first, in id order (``uow.products.lock_many``),
then the ``Reservation`` and the ``Product``s do the work and record the ``StockChanged``
events, which the unit of work stores with the commit."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.domain import stock as rules
from catalog_service.domain.errors import ReservationNotFound
from catalog_service.domain.stock import Line, Reservation
from marketplace_platform.clock import utcnow


async def get(*, unit_of_work: UnitOfWorkFactory, reservation_id: uuid.UUID) -> Reservation:
    """A reservation and its state: a read, so a read-only unit of work."""
    async with unit_of_work(read_only=True) as uow:
        reservation = await uow.reservations.get(reservation_id)
    if reservation is None:
        raise ReservationNotFound("There is no reservation with this id.")
    return reservation


async def reserve(
    *, unit_of_work: UnitOfWorkFactory, reservation_id: uuid.UUID, lines: list[Line]
) -> Reservation:
    """Reserve every line or none, and answer the priced lines (price, title and kind as they
    are now: the order's snapshot). Repeating a reservation answers the first one's result;
    the same id with other items is a conflict."""
    merged = rules.merge_lines(lines)
    try:
        return await _reserve(unit_of_work, reservation_id, merged)
    except IntegrityError:
        # A concurrent call with the same id got in first; this one's changes rolled back.
        async with unit_of_work(read_only=True) as uow:
            existing = await uow.reservations.get(reservation_id)
        if existing is None:
            raise
        existing.check_repeat(merged)
        return existing


async def _reserve(
    unit_of_work: UnitOfWorkFactory, reservation_id: uuid.UUID, lines: list[Line]
) -> Reservation:
    async with unit_of_work() as uow:
        reservation = await uow.reservations.get(reservation_id)
        if reservation is not None:
            reservation.check_repeat(lines)
        else:
            products = await uow.products.lock_many(line.product_id for line in lines)
            reservation = Reservation.place(reservation_id, lines, products, now=utcnow())
            uow.reservations.add(reservation)
        await uow.commit()  # also for a repeat: a rollback would expire what it read
    return reservation


async def release(*, unit_of_work: UnitOfWorkFactory, reservation_id: uuid.UUID) -> Reservation:
    """Return the reserved units to stock (the order was cancelled, before or after payment).
    Releasing again changes nothing; releasing a reservation that has not arrived yet keeps
    it released for when it does."""
    try:
        return await _release(unit_of_work, reservation_id)
    except IntegrityError:
        # The reservation arrived while its release was being recorded: release that one.
        return await _release(unit_of_work, reservation_id)


async def _release(unit_of_work: UnitOfWorkFactory, reservation_id: uuid.UUID) -> Reservation:
    now = utcnow()
    async with unit_of_work() as uow:
        reservation = await uow.reservations.lock(reservation_id)
        if reservation is None:
            reservation = Reservation.released_before_arrival(reservation_id, now=now)
            uow.reservations.add(reservation)
        elif reservation.holding:
            products = await uow.products.lock_many(reservation.product_ids)
            reservation.release(products, now=now)
        await uow.commit()
    return reservation


async def commit(*, unit_of_work: UnitOfWorkFactory, reservation_id: uuid.UUID) -> Reservation:
    """Make the sale final (the order was paid). Committing again changes nothing; a released
    reservation cannot be committed."""
    async with unit_of_work() as uow:
        reservation = await uow.reservations.lock(reservation_id)
        if reservation is None:
            raise ReservationNotFound("There is no reservation with this id.")
        reservation.commit(now=utcnow())
        await uow.commit()
    return reservation
