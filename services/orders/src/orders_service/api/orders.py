"""Orders as their owners and admins see them: place, list, read, cancel, deliver."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, Response

from marketplace_platform.idempotency import Replay, request_fingerprint
from orders_service.api.deps import (
    AdminUser,
    CatalogDep,
    CurrentUser,
    IdempotencyKeyHeader,
    IdempotencyKeysDep,
    LimitsDep,
    UnitOfWorkDep,
)
from orders_service.domain.orders import Order
from orders_service.domain.status_machine import OrderStatus
from orders_service.schemas import OrderCancel, OrderCreate, OrderPage, OrderRead
from orders_service.service import orders

router = APIRouter(prefix="/api/orders", tags=["orders"])


def _render(order: Order) -> dict[str, Any]:
    return OrderRead.of(order).model_dump(mode="json")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderRead,
    responses={
        201: {"headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}}},
        409: {"description": "A product is unavailable or short of stock."},
    },
)
async def create_order(
    body: OrderCreate,
    request: Request,
    user: CurrentUser,
    key: IdempotencyKeyHeader,
    unit_of_work: UnitOfWorkDep,
    catalog: CatalogDep,
    keys: IdempotencyKeysDep,
    limits: LimitsDep,
) -> Response:
    """Place an order: items priced and reserved by the catalog; send an Idempotency-Key."""
    keyed = keys.keyed(
        key,
        scope=f"orders:{user.user_id}",
        fingerprint=request_fingerprint(
            request.method, request.url.path, body.model_dump(mode="json")
        ),
    )
    result = await orders.create(
        unit_of_work=unit_of_work,
        catalog=catalog,
        user_id=user.user_id,
        lines=body.lines(),
        address=body.address,
        render=_render,
        limits=limits,
        keyed=keyed,
    )
    if isinstance(result, Replay):
        return result.response()
    return JSONResponse(_render(result), status_code=status.HTTP_201_CREATED)


@router.get("")
async def list_orders(
    user: CurrentUser,
    unit_of_work: UnitOfWorkDep,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    user_id: Annotated[uuid.UUID | None, Query(description="Admins only.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> OrderPage:
    """The caller's orders, newest first; admins see all, filtered by status or user."""
    page = await orders.get_all(
        unit_of_work=unit_of_work,
        principal=user,
        status=status_,
        user_id=user_id,
        limit=limit,
        cursor=cursor,
    )
    return OrderPage.of(page)


@router.get("/{order_id}")
async def get_order(
    order_id: uuid.UUID, user: CurrentUser, unit_of_work: UnitOfWorkDep
) -> OrderRead:
    """One order with its items and status history."""
    order = await orders.get(unit_of_work=unit_of_work, order_id=order_id, principal=user)
    return OrderRead.of(order)


@router.post(
    "/{order_id}/cancel", responses={409: {"description": "The order can no longer be cancelled."}}
)
async def cancel_order(
    order_id: uuid.UUID,
    user: CurrentUser,
    unit_of_work: UnitOfWorkDep,
    catalog: CatalogDep,
    body: OrderCancel | None = None,
) -> OrderRead:
    """Cancel an unpaid order, or a paid one with a refund; the stock is released."""
    order = await orders.cancel(
        unit_of_work=unit_of_work,
        catalog=catalog,
        order_id=order_id,
        principal=user,
        reason=body.reason if body else None,
    )
    return OrderRead.of(order)


@router.post("/{order_id}/deliver", responses={409: {"description": "The order is not paid."}})
async def deliver_order(
    order_id: uuid.UUID, admin: AdminUser, unit_of_work: UnitOfWorkDep, catalog: CatalogDep
) -> OrderRead:
    """Mark a paid order delivered (admins)."""
    order = await orders.deliver(unit_of_work=unit_of_work, catalog=catalog, order_id=order_id)
    return OrderRead.of(order)
