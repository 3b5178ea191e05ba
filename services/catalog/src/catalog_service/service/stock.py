"""Stock reservations for the orders service: reserve, release, commit (see
``domain.stock`` for the rules). Every step is one transaction and can be repeated safely."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.adapters.orm import Product, StockReservation, StockReservationItem
from catalog_service.adapters.repositories import ProductRepository, ReservationRepository
from catalog_service.domain import stock as rules
from catalog_service.domain.errors import (
    InsufficientStock,
    ProductUnavailable,
    ReservationNotFound,
    UnknownProduct,
)
from catalog_service.domain.products import Status
from catalog_service.domain.stock import Line, ReservationStatus
from marketplace_contracts import StockChanged
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.problems import InvalidInput


def lines_of(reservation: StockReservation) -> list[Line]:
    return [Line(item.product_id, item.quantity) for item in reservation.items]


async def get(*, db: Database, reservation_id: uuid.UUID) -> StockReservation:
    async with db.read_session() as session:
        reservation = await ReservationRepository(session).get(reservation_id)
    if reservation is None:
        raise ReservationNotFound("There is no reservation with this id.")
    return reservation


async def reserve(
    *, uow: UnitOfWork, reservation_id: uuid.UUID, lines: list[Line]
) -> StockReservation:
    """Reserve every line or none, and answer the priced lines (price, title and kind as they
    are now: the order's snapshot). Repeating a reservation answers the first one's result;
    the same id with other items is a conflict."""
    merged = rules.merge_lines(lines)
    try:
        return await _reserve(uow, reservation_id, merged)
    except IntegrityError:
        # A concurrent call with the same id got in first; this one's decrements rolled back.
        existing = await _existing(uow, reservation_id)
        if existing is None:
            raise
        rules.check_same_lines(existing=lines_of(existing), requested=merged)
        return existing


async def _existing(uow: UnitOfWork, reservation_id: uuid.UUID) -> StockReservation | None:
    async with uow:
        existing = await ReservationRepository(uow.session).get(reservation_id)
        await uow.commit()  # nothing to write; a rollback would expire what it read
    return existing


async def _reserve(
    uow: UnitOfWork, reservation_id: uuid.UUID, lines: list[Line]
) -> StockReservation:
    now = utcnow()
    async with uow:
        session = uow.session
        existing = await ReservationRepository(session).get(reservation_id)
        if existing is not None:
            rules.check_same_lines(existing=lines_of(existing), requested=lines)
            await uow.commit()  # nothing to write; a rollback would expire what it read
            return existing
        products = await _orderable(session, lines)
        repository = ProductRepository(session)
        for line in lines:  # in product id order: concurrent reservations lock alike
            product = products[line.product_id]
            if product.stock is None:
                continue  # a service never runs out
            left = await repository.take_stock(line.product_id, line.quantity, at=now)
            if left is None:
                available = await _current_stock(session, line.product_id)
                raise InsufficientStock(
                    f"Only {available} of {product.title!r} left.",
                    product_id=str(line.product_id),
                    requested=line.quantity,
                    available=available,
                )
            uow.publish(
                StockChanged(
                    product_id=line.product_id,
                    stock=left,
                    delta=-line.quantity,
                    reason="reserved",
                    reservation_id=reservation_id,
                )
            )
        reservation = StockReservation(
            id=reservation_id,
            status=ReservationStatus.RESERVED.value,
            currency=products[lines[0].product_id].currency,
            created_at=now,
            updated_at=now,
            items=[
                StockReservationItem(
                    product_id=line.product_id,
                    quantity=line.quantity,
                    unit_price=products[line.product_id].price,
                    title=products[line.product_id].title,
                    kind=products[line.product_id].kind,
                )
                for line in lines
            ],
        )
        ReservationRepository(session).add(reservation)
        await uow.commit()
    return reservation


async def _orderable(session: AsyncSession, lines: list[Line]) -> dict[uuid.UUID, Product]:
    products = await ProductRepository(session).get_many(line.product_id for line in lines)
    missing = [str(line.product_id) for line in lines if line.product_id not in products]
    if missing:
        raise UnknownProduct("Some products do not exist.", product_ids=missing)
    archived = [str(p.id) for p in products.values() if p.status != Status.ACTIVE.value]
    if archived:
        raise ProductUnavailable("Some products are no longer sold.", product_ids=archived)
    if len({product.currency for product in products.values()}) > 1:
        raise InvalidInput("One reservation (one order) cannot mix currencies.")
    return products


async def _current_stock(session: AsyncSession, product_id: uuid.UUID) -> int:
    stock = await session.scalar(select(Product.stock).where(Product.id == product_id))
    return int(stock or 0)


async def release(*, uow: UnitOfWork, reservation_id: uuid.UUID) -> StockReservation:
    """Return the reserved units to stock (the order was cancelled, before or after payment).
    Releasing again changes nothing; releasing a reservation that has not arrived yet keeps
    it released for when it does."""
    try:
        return await _release(uow, reservation_id)
    except IntegrityError:
        # The reservation arrived while its release was being recorded: release that one.
        return await _release(uow, reservation_id)


async def _release(uow: UnitOfWork, reservation_id: uuid.UUID) -> StockReservation:
    now = utcnow()
    async with uow:
        repository = ReservationRepository(uow.session)
        reservation = await repository.lock(reservation_id)
        if reservation is None:
            reservation = StockReservation(
                id=reservation_id,
                status=ReservationStatus.RELEASED.value,
                currency=None,
                created_at=now,
                updated_at=now,
                items=[],
            )
            repository.add(reservation)
        elif rules.can_release(ReservationStatus(reservation.status)):
            await _return_units(uow, reservation, now)
        await uow.commit()
    return reservation


async def _return_units(uow: UnitOfWork, reservation: StockReservation, now: datetime) -> None:
    products = ProductRepository(uow.session)
    for item in reservation.items:
        left = await products.return_stock(item.product_id, item.quantity, at=now)
        if left is not None:
            uow.publish(
                StockChanged(
                    product_id=item.product_id,
                    stock=left,
                    delta=item.quantity,
                    reason="released",
                    reservation_id=reservation.id,
                )
            )
    reservation.status = ReservationStatus.RELEASED.value
    reservation.updated_at = now


async def commit(*, uow: UnitOfWork, reservation_id: uuid.UUID) -> StockReservation:
    """Make the sale final (the order was paid). Committing again changes nothing; a released
    reservation cannot be committed."""
    now = utcnow()
    async with uow:
        reservation = await _lock_or_raise(uow.session, reservation_id)
        if rules.can_commit(ReservationStatus(reservation.status)):
            reservation.status = ReservationStatus.COMMITTED.value
            reservation.updated_at = now
        await uow.commit()
    return reservation


async def _lock_or_raise(session: AsyncSession, reservation_id: uuid.UUID) -> StockReservation:
    reservation = await ReservationRepository(session).lock(reservation_id)
    if reservation is None:
        raise ReservationNotFound("There is no reservation with this id.")
    return reservation
