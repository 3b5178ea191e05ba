"""Moving an order along the status machine, with everything a transition entails, in the
caller's unit of work: the history entry, the events (``status_changed`` always,
``cancelled`` and ``paid`` when they apply) and the stock call it owes the catalog."""

from __future__ import annotations

from datetime import datetime

from marketplace_contracts import OrderCancelled, OrderLine, OrderPaid, OrderStatusChanged
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.ids import new_id
from orders_service.adapters.orm import Order, OrderHistoryEntry
from orders_service.domain import status_machine
from orders_service.domain.status_machine import Actor, OrderStatus, Transition
from orders_service.service import stock


def lines_of(order: Order) -> list[OrderLine]:
    return [
        OrderLine(product_id=item.product_id, quantity=item.quantity, unit_price=item.unit_price)
        for item in order.items
    ]


def note(order: Order, *, reason: str, actor: Actor, at: datetime) -> None:
    """A history line that changes no status (a refund, a late payment)."""
    order.history.append(
        OrderHistoryEntry(id=new_id(), status=order.status, reason=reason, actor=actor.value, at=at)
    )
    order.updated_at = at


async def move(
    uow: UnitOfWork,
    order: Order,
    target: OrderStatus,
    *,
    actor: Actor,
    at: datetime,
    reason: str | None = None,
) -> Transition:
    """Take the edge to ``target`` or raise ``InvalidTransition`` having changed nothing."""
    step = status_machine.transition(
        OrderStatus(order.status), target, actor=actor, at=at, reason=reason
    )
    order.status = target.value
    order.updated_at = order.status_changed_at = at
    order.history.append(
        OrderHistoryEntry(
            id=new_id(),
            status=target.value,
            from_status=step.from_status.value,
            reason=reason,
            actor=actor.value,
            at=at,
        )
    )
    if step.from_status is OrderStatus.PROCESSING and target is OrderStatus.CREATED:
        order.payment_failure = reason
    elif target is OrderStatus.PAID:
        order.payment_failure = None
    uow.publish(
        OrderStatusChanged(
            order_id=order.id,
            user_id=order.user_id,
            from_status=step.from_status.value,
            to_status=target.value,
            reason=reason,
            actor=actor.value,
            total=order.total,
            currency=order.currency,
            changed_at=at,
        )
    )
    if target is OrderStatus.CANCELLED:
        uow.publish(cancelled(order, step))
        await stock.schedule(uow.session, reservation_id=order.id, action=stock.RELEASE, now=at)
    elif step.commits_stock:
        await stock.schedule(uow.session, reservation_id=order.id, action=stock.COMMIT, now=at)
    if target is OrderStatus.PAID:
        uow.publish(
            OrderPaid(
                order_id=order.id,
                user_id=order.user_id,
                items=lines_of(order),
                total=order.total,
                currency=order.currency,
            )
        )
    return step


def cancelled(order: Order, step: Transition, *, refund: bool | None = None) -> OrderCancelled:
    return OrderCancelled(
        order_id=order.id,
        user_id=order.user_id,
        from_status=step.from_status.value,
        reason=step.reason,
        actor=step.actor.value,
        refund=step.refund if refund is None else refund,
        total=order.total,
        currency=order.currency,
    )
