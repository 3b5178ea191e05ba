"""Orders payments has seen placed: remembered from orders' ``orders.order.created.v1``, so
that paying one needs no call to orders (``service.payments.start_placed``, ``domain.orders``).
"""

from __future__ import annotations

from marketplace_contracts import OrderCreated
from payments_service.domain.orders import PlacedOrder
from payments_service.service.ports import UnitOfWorkFactory


async def record(unit_of_work: UnitOfWorkFactory, *, event: OrderCreated) -> None:
    """Remember the order, in one transaction; again (a redelivery) changes nothing."""
    async with unit_of_work() as uow:
        await uow.placed_orders.add(
            PlacedOrder(
                order_id=event.order_id, user_id=event.user_id, total=event.total,
                currency=event.currency, placed_at=event.created_at,
            )
        )
        await uow.commit()
