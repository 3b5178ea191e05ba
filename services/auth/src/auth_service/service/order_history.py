"""The profile's order history, kept from the orders service's events.

Each function is an *effect*: it runs inside the inbox's transaction
(``inbox.handle_once``), so a redelivered event changes nothing. Events may also arrive out
of order: a status change older than the one shown loses (on equal timestamps the status
further along the status machine wins: ``domain.order_history``), and a status change that
arrives before its order's ``created`` event makes the row, which ``created`` then completes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from auth_service.adapters.orm import UserOrder
from auth_service.domain.order_history import supersedes
from auth_service.schemas import OrderHistoryItem
from marketplace_contracts import OrderCreated, OrderStatusChanged
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork

LIMIT = 50


async def record_created(uow: UnitOfWork, *, event: OrderCreated) -> None:
    row = await uow.session.get(UserOrder, event.order_id, with_for_update=True)
    if row is None:
        uow.session.add(
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


async def record_status(uow: UnitOfWork, *, event: OrderStatusChanged) -> None:
    row = await uow.session.get(UserOrder, event.order_id, with_for_update=True)
    if row is None:
        uow.session.add(
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
    *, db: Database, user_id: uuid.UUID, limit: int = LIMIT
) -> list[OrderHistoryItem]:
    """The user's orders, newest first, at most ``limit``."""
    query = (
        select(UserOrder)
        .where(UserOrder.user_id == user_id)
        .order_by(UserOrder.created_at.desc(), UserOrder.order_id.desc())
        .limit(limit)
    )
    async with db.read_session() as session:
        rows = (await session.scalars(query)).all()
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
