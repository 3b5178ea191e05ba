"""Payments as other services see them. Internal: not under ``/api``, so the gateway never
routes to it, and every call needs the shared ``X-Internal-Token``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from payments_service.api.deps import InternalCaller, UnitOfWorkDep
from payments_service.schemas import PaymentList, PaymentRead
from payments_service.service import payments

router = APIRouter(prefix="/internal/payments", tags=["internal"])


@router.get("")
async def list_order_payments(
    order_id: uuid.UUID, caller: InternalCaller, unit_of_work: UnitOfWorkDep
) -> PaymentList:
    """The payments of one order with their status: the truth orders reconciles with."""
    found = await payments.for_order(unit_of_work=unit_of_work, order_id=order_id)
    return PaymentList(items=[PaymentRead.of(view) for view in found])
