"""Orders for other services of the system (payments). Internal: not under ``/api``, so the
gateway never routes to it, and every call needs the shared ``X-Internal-Token``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from orders_service.api.deps import InternalCaller, UnitOfWorkDep
from orders_service.schemas import InternalOrderRead
from orders_service.service import orders

router = APIRouter(prefix="/internal/orders", tags=["internal"])


@router.get("/{order_id}")
async def get_order_internal(
    order_id: uuid.UUID, caller: InternalCaller, unit_of_work: UnitOfWorkDep
) -> InternalOrderRead:
    """An order's owner, status and total, for payments to check a payment against."""
    order = await orders.get_internal(unit_of_work=unit_of_work, order_id=order_id)
    return InternalOrderRead.of(order)
