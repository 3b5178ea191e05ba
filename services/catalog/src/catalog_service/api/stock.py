"""Stock reservations for the orders service. Internal: not under ``/api``, so the gateway
never routes to it, and every call needs the shared ``X-Internal-Token``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from catalog_service.api.deps import InternalCaller, UnitOfWorkDep
from catalog_service.domain.stock import Line
from catalog_service.schemas import ReservationCreate, ReservationRead
from catalog_service.service import stock

router = APIRouter(prefix="/internal/stock/reservations", tags=["stock"])


@router.post("")
async def reserve_stock(
    body: ReservationCreate, caller: InternalCaller, unit_of_work: UnitOfWorkDep
) -> ReservationRead:
    """Reserve every item or none and answer the priced items; repeating it is safe."""
    reservation = await stock.reserve(
        unit_of_work=unit_of_work,
        reservation_id=body.reservation_id,
        lines=[Line(item.product_id, item.quantity) for item in body.items],
    )
    return ReservationRead.of(reservation)


@router.get("/{reservation_id}")
async def get_reservation(
    reservation_id: uuid.UUID, caller: InternalCaller, unit_of_work: UnitOfWorkDep
) -> ReservationRead:
    """A reservation and its state."""
    return ReservationRead.of(
        await stock.get(unit_of_work=unit_of_work, reservation_id=reservation_id)
    )


@router.post("/{reservation_id}/release")
async def release_stock(
    reservation_id: uuid.UUID, caller: InternalCaller, unit_of_work: UnitOfWorkDep
) -> ReservationRead:
    """Return the reserved units to stock (order cancelled); repeating it is safe."""
    return ReservationRead.of(
        await stock.release(unit_of_work=unit_of_work, reservation_id=reservation_id)
    )


@router.post("/{reservation_id}/commit")
async def commit_stock(
    reservation_id: uuid.UUID, caller: InternalCaller, unit_of_work: UnitOfWorkDep
) -> ReservationRead:
    """Make the sale final (order paid); repeating it is safe."""
    return ReservationRead.of(
        await stock.commit(unit_of_work=unit_of_work, reservation_id=reservation_id)
    )
