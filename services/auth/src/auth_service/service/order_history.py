"""The profile's order history, kept from the orders service's events.

Each function is an *effect*: it runs inside the inbox's transaction, with the effects of
the other events in work at once (``inbox.GroupCommit``), so a redelivered event changes
nothing, and an event sees what the ones before it in its transaction did to the same
order. Events may also arrive out of order: a status change older than the one shown loses
(on equal timestamps the status further along the status machine wins:
``domain.order_history``), and a status change that arrives before its order's ``created``
event makes the row, which ``created`` then completes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.domain.order_history import supersedes
from auth_service.schemas import OrderHistoryItem
from marketplace_contracts import OrderCreated, OrderStatusChanged

LIMIT = 50


async def lock(uow: AuthUnitOfWork, *, order_ids: Iterable[uuid.UUID]) -> None:
    """Read and lock, in one statement, the rows of the orders a group of events is about
    (the consumer's ``prepare``); each effect would otherwise read its own."""
    await uow.order_history.lock(order_ids)


async def record_created(uow: AuthUnitOfWork, *, event: OrderCreated) -> None:
    if await uow.order_history.shown(event.order_id) is None:
        await uow.order_history.add(
            order_id=event.order_id,
            user_id=event.user_id,
            status="created",
            total=event.total,
            currency=event.currency,
            created_at=event.created_at,
            updated_at=event.created_at,
        )
    else:
        # A status change got here first; only the placing time was unknown.
        await uow.order_history.set_placed_at(event.order_id, event.created_at)


async def record_status(uow: AuthUnitOfWork, *, event: OrderStatusChanged) -> None:
    shown = await uow.order_history.shown(event.order_id)
    if shown is None:
        await uow.order_history.add(
            order_id=event.order_id,
            user_id=event.user_id,
            status=event.to_status,
            total=event.total,
            currency=event.currency,
            created_at=event.changed_at,  # until ``created`` tells the real one
            updated_at=event.changed_at,
        )
    elif supersedes(
        event.to_status, event.changed_at, shown_status=shown.status, shown_at=shown.updated_at
    ):
        await uow.order_history.show_status(event.order_id, event.to_status, at=event.changed_at)


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
