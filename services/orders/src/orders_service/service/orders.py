"""Orders: place one (priced and reserved by the catalog), read them, cancel, deliver."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_contracts import OrderCreated
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.idempotency import Claim, IdempotencyKeys, KeyedRequest, Replay, once
from marketplace_platform.ids import new_id
from marketplace_platform.pagination import Page, decode_cursor, page_after
from marketplace_platform.problems import InvalidInput
from marketplace_platform.security.jwks import Principal
from orders_service.adapters.catalog import CatalogClient
from orders_service.adapters.orm import Order, OrderHistoryEntry, OrderItem
from orders_service.adapters.repositories import OrderRepository
from orders_service.domain import orders as rules
from orders_service.domain.errors import (
    InsufficientStock,
    OrderNotFound,
    ProductUnavailable,
    UnknownProduct,
)
from orders_service.domain.limits import Limits
from orders_service.domain.orders import Line
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.service import stock, transitions
from orders_service.service.transitions import lines_of

CURSOR_TAG = "orders"
# The catalog's definite refusals of a reservation: it holds nothing under the id.
REFUSALS = (UnknownProduct, InsufficientStock, ProductUnavailable, InvalidInput)
# The answer an idempotency key replays: the created order as the API shows it.
Render = Callable[[Order], Any]


async def create(
    *,
    uow: UnitOfWork,
    db: Database,
    catalog: CatalogClient,
    user_id: uuid.UUID,
    lines: Sequence[Line],
    address: str | None,
    render: Render,
    limits: Limits,
    keyed: KeyedRequest | None = None,
) -> Order | Replay:
    """Price and reserve the items at the catalog, then store the order ``created`` with its
    ``OrderCreated`` event (and the key's answer) in one transaction.

    No order exists unless the reservation succeeded; if the order cannot be stored after
    all, the reservation is released. A repeated key answers the first request's result.
    A user with ``limits.max_unpaid_orders`` open already, or whose unpaid orders would hold
    more than ``limits.max_unpaid_units`` units with this one, is refused."""
    rules.check_lines(lines)

    async def place(claim: Claim | None) -> Order:
        return await _place(
            uow=uow,
            db=db,
            catalog=catalog,
            user_id=user_id,
            lines=lines,
            address=address,
            render=render,
            limits=limits,
            keys=keyed.keys if keyed else None,
            claim=claim,
        )

    # Any failure releases the key: the order and its answer are one transaction, and a
    # reservation made before it failed is released (or owed) by ``_place``.
    return await once(keyed, place)


async def _place(
    *,
    uow: UnitOfWork,
    db: Database,
    catalog: CatalogClient,
    user_id: uuid.UUID,
    lines: Sequence[Line],
    address: str | None,
    render: Render,
    limits: Limits,
    keys: IdempotencyKeys | None,
    claim: Claim | None,
) -> Order:
    # Checked first so that a refusal costs no catalog call, and again below, serialized
    # per user, so that concurrent requests cannot all slip under the limit.
    units = sum(line.quantity for line in lines)
    async with db.read_session() as session:
        open_orders, held = await OrderRepository(session).unpaid_holdings(user_id)
        limits.check_can_open(open_orders, held_units=held, units=units)
    order_id = new_id()
    # Written before the catalog is called: if this process dies before the order is
    # stored, the sweeper releases whatever the catalog reserved (see ``service.stock``).
    await stock.intend(db, reservation_id=order_id, now=utcnow())
    try:
        reservation = await catalog.reserve(order_id, lines)
    except REFUSALS:
        await stock.forget(db, reservation_id=order_id)
        raise
    except BaseException:
        # No answer (a call that timed out may still have reserved) or one that cannot be
        # read: the catalog is owed a release.
        await stock.abandon(db=db, catalog=catalog, reservation_id=order_id)
        raise
    try:
        rules.check_priced(lines, reservation.lines)
        by_product = {line.product_id: line for line in reservation.lines}
        priced = [by_product[line.product_id] for line in lines]  # in the buyer's order
        now = utcnow()
        async with uow:
            repository = OrderRepository(uow.session)
            await repository.lock_user(user_id)
            open_orders, held = await repository.unpaid_holdings(user_id)
            limits.check_can_open(open_orders, held_units=held, units=units)
            order = Order(
                id=order_id,
                user_id=user_id,
                status=OrderStatus.CREATED.value,
                currency=reservation.currency,
                total=rules.total_of(priced),
                address=address,
                created_at=now,
                updated_at=now,
                status_changed_at=now,
                items=[
                    OrderItem(
                        product_id=line.product_id,
                        position=position,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        title=line.title,
                    )
                    for position, line in enumerate(priced)
                ],
                history=[
                    OrderHistoryEntry(
                        id=new_id(),
                        status=OrderStatus.CREATED.value,
                        actor=Actor.USER.value,
                        at=now,
                    )
                ],
            )
            repository.add(order)
            uow.publish(
                OrderCreated(
                    order_id=order.id,
                    user_id=user_id,
                    items=lines_of(order),
                    total=order.total,
                    currency=order.currency,
                    created_at=now,
                )
            )
            if keys is not None and claim is not None:
                await keys.complete(uow.session, claim, status=201, body=render(order))
            await stock.adopt(uow.session, reservation_id=order_id)
            await uow.commit()
    except BaseException:
        await stock.abandon(db=db, catalog=catalog, reservation_id=order_id)
        raise
    return order


def _visible(order: Order | None, principal: Principal) -> Order:
    # Someone else's order is "not found": its existence is not for them to learn.
    if order is None or (order.user_id != principal.user_id and not principal.is_admin):
        raise OrderNotFound("There is no such order.")
    return order


async def get(*, db: Database, order_id: uuid.UUID, principal: Principal) -> Order:
    async with db.read_session() as session:
        return _visible(await OrderRepository(session).get(order_id), principal)


async def get_internal(*, db: Database, order_id: uuid.UUID) -> Order:
    """For another service of the system (payments), which checks ownership itself."""
    async with db.read_session() as session:
        order = await OrderRepository(session).get(order_id)
    if order is None:
        raise OrderNotFound("There is no such order.")
    return order


async def get_all(
    *,
    db: Database,
    principal: Principal,
    status: OrderStatus | None = None,
    user_id: uuid.UUID | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> Page[Order]:
    """The caller's orders, newest first; an admin sees everyone's, filtered if asked."""
    if not principal.is_admin:
        user_id = principal.user_id
    before = decode_cursor(cursor, uuid.UUID, tag=CURSOR_TAG)[0] if cursor else None
    async with db.read_session() as session:
        rows = await OrderRepository(session).get_page(
            user_id=user_id,
            status=status.value if status else None,
            before=before,
            limit=limit + 1,
        )
    return page_after(rows, limit=limit, key=lambda order: (order.id,), tag=CURSOR_TAG)


async def _lock_visible(session: AsyncSession, order_id: uuid.UUID, principal: Principal) -> Order:
    return _visible(await OrderRepository(session).lock(order_id), principal)


async def cancel(
    *,
    uow: UnitOfWork,
    db: Database,
    catalog: CatalogClient,
    order_id: uuid.UUID,
    principal: Principal,
    reason: str | None = None,
) -> Order:
    """Cancel an unpaid order (its stock released) or a paid one (refunded too), by its owner
    or an admin. An order being paid for, delivered or cancelled cannot be."""
    async with uow:
        order = await _lock_visible(uow.session, order_id, principal)
        actor = Actor.USER if order.user_id == principal.user_id else Actor.ADMIN
        await transitions.move(
            uow,
            order,
            OrderStatus.CANCELLED,
            actor=actor,
            at=utcnow(),
            reason=reason or f"cancelled_by_{actor.value}",
        )
        await uow.commit()
    await stock.try_now(db=db, catalog=catalog, reservation_id=order.id)
    return order


async def deliver(
    *,
    uow: UnitOfWork,
    db: Database,
    catalog: CatalogClient,
    order_id: uuid.UUID,
    actor: Actor = Actor.ADMIN,
    reason: str | None = None,
) -> Order:
    """Mark a paid order delivered (the sale is final: its reservation is committed)."""
    async with uow:
        order = await OrderRepository(uow.session).lock(order_id)
        if order is None:
            raise OrderNotFound("There is no such order.")
        await transitions.move(
            uow, order, OrderStatus.DELIVERED, actor=actor, at=utcnow(), reason=reason
        )
        await uow.commit()
    await stock.try_now(db=db, catalog=catalog, reservation_id=order.id)
    return order
