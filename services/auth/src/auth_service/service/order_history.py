"""The profile's order history, kept from the orders service's events.

Each function is an *effect*: it runs inside the inbox's transaction
(``inbox.handle_once``), so a redelivered event changes nothing. Events may also arrive out
of order: a status change older than the one shown loses (on equal timestamps the status
further along the status machine wins: ``domain.order_history``), and a status change that
arrives before its order's ``created`` event makes the row, which ``created`` then completes.
"""

from __future__ import annotations

import uuid

from auth_service.adapters.orm import UserOrder
from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.domain.order_history import supersedes
from auth_service.schemas import OrderHistoryItem
from marketplace_contracts import OrderCreated, OrderStatusChanged

LIMIT = 50


async def record_created(uow: AuthUnitOfWork, *, event: OrderCreated) -> None:
    row = await uow.order_history.lock(event.order_id)
    if row is None:
        uow.order_history.add(
            UserOrder(
                order_id=event.order_id,
                user_id=event.user_id,
                status="created",
                total=event.total,
                currency=event.currency,
                created_at=event.created_at,
                updated_at=event.created_at,
            )
        )
    else:
        # A status change got here first; only the placing time was unknown.
        row.created_at = event.created_at


async def record_status(uow: AuthUnitOfWork, *, event: OrderStatusChanged) -> None:
    row = await uow.order_history.lock(event.order_id)
    if row is None:
        uow.order_history.add(
            UserOrder(
                order_id=event.order_id,
                user_id=event.user_id,
                status=event.to_status,
                total=event.total,
                currency=event.currency,
                created_at=event.changed_at,  # until ``created`` tells the real one
                updated_at=event.changed_at,
            )
        )
    elif supersedes(
        event.to_status, event.changed_at, shown_status=row.status, shown_at=row.updated_at
    ):
        row.status = event.to_status
        row.updated_at = event.changed_at


async def get_all(
    *, unit_of_work: UnitOfWorkFactory, user_id: uuid.UUID, limit: int = LIMIT
) -> list[OrderHistoryItem]:
    """The user's orders, newest first, at most ``limit``."""
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.order_history.newest(user_id, limit=limit)
    return [
        OrderHistoryItem(
            order_id=row.order_id,
            status=row.status,
            total=row.total,
            currency=row.currency,
            placed_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]
