"""Orders: place one (priced and reserved by the catalog), read them, cancel, deliver.

Each use case takes a unit of work factory and the peers it calls. It opens a unit of work,
finds the order through ``uow.orders``, asks the order to change (``order.cancel(...)``), has
the stock call that change owes written down (``stock.owe``), and commits: the order's events
go to the outbox with the change, and the stock call is tried once the commit is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from marketplace_platform.clock import utcnow
from marketplace_platform.idempotency import Claim, KeyedRequest, Replay, once
from marketplace_platform.ids import new_id
from marketplace_platform.pagination import Page, decode_cursor, page_after
from marketplace_platform.problems import InvalidInput
from marketplace_platform.security.jwks import Principal
from orders_service.adapters.unit_of_work import OrdersUnitOfWork, UnitOfWorkFactory
from orders_service.domain.errors import (
    InsufficientStock,
    OrderNotFound,
    ProductUnavailable,
    UnknownProduct,
)
from orders_service.domain.limits import Limits
from orders_service.domain.orders import Line, Order, check_lines
from orders_service.domain.status_machine import Actor, OrderStatus
from orders_service.service import stock
from orders_service.service.ports import Catalog

CURSOR_TAG = "orders"
# The catalog's definite refusals of a reservation: it holds nothing under the id.
REFUSALS = (UnknownProduct, InsufficientStock, ProductUnavailable, InvalidInput)
# The answer an idempotency key replays: the created order as the API shows it.
Render = Callable[[Order], Any]


async def create(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
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
    check_lines(lines)
    units = sum(line.quantity for line in lines)
    order_id = new_id()

    async def intend(uow: OrdersUnitOfWork) -> None:
        # Checked first so that a refusal costs no catalog call (and writes nothing, the
        # key's claim included), and again when the order is stored, serialized per user,
        # so that concurrent requests cannot all slip under the limit.
        await _check_limits(uow, user_id, limits, units=units)
        # Committed before the catalog is called: if this process dies before the order is
        # stored, the sweeper releases whatever the catalog reserved (see ``service.stock``).
        stock.intend(uow, reservation_id=order_id)
        await uow.commit()

    async def begin(keyed: KeyedRequest) -> Claim | Replay:
        # The key is claimed in the intent's transaction: one transaction, not two.
        async with unit_of_work() as uow:
            begun = await uow.claim_key(keyed)
            if isinstance(begun, Claim):
                await intend(uow)
        return begun

    async def place(claim: Claim | None) -> Order:
        if claim is None:  # no key: ``begin`` did not run, nothing is written yet
            async with unit_of_work() as uow:
                await intend(uow)
        return await _place(
            unit_of_work=unit_of_work,
            catalog=catalog,
            order_id=order_id,
            user_id=user_id,
            lines=lines,
            units=units,
            address=address,
            render=render,
            limits=limits,
            keyed=keyed,
            claim=claim,
        )

    # Any failure releases the key: the order and its answer are one transaction, and a
    # reservation made before it failed is released (or owed) by ``_place``.
    return await once(keyed, place, begin=begin)


async def _place(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    lines: Sequence[Line],
    units: int,
    address: str | None,
    render: Render,
    limits: Limits,
    keyed: KeyedRequest | None,
    claim: Claim | None,
) -> Order:
    """Reserve at the catalog (the intent is written) and store the order."""
    try:
        reservation = await catalog.reserve(order_id, lines)
    except REFUSALS:
        await stock.forget(unit_of_work, reservation_id=order_id)
        raise
    except BaseException:
        # No answer (a call that timed out may still have reserved) or one that cannot be
        # read: the catalog is owed a release.
        await stock.abandon(unit_of_work=unit_of_work, catalog=catalog, reservation_id=order_id)
        raise
    try:
        async with unit_of_work() as uow:
            await uow.orders.lock_user(user_id)
            await _check_limits(uow, user_id, limits, units=units)
            order = Order.place(
                order_id=order_id,
                user_id=user_id,
                lines=lines,
                reserved=reservation.lines,
                currency=reservation.currency,
                address=address,
                at=utcnow(),
            )
            uow.orders.add(order)
            if keyed is not None and claim is not None:
                await uow.keep_answer(keyed, claim, status=201, body=render(order))
            await stock.adopt(uow, reservation_id=order_id)
            await uow.commit()
    except BaseException:
        await stock.abandon(unit_of_work=unit_of_work, catalog=catalog, reservation_id=order_id)
        raise
    return order


async def _check_limits(
    uow: OrdersUnitOfWork, user_id: uuid.UUID, limits: Limits, *, units: int
) -> None:
    open_orders, held = await uow.orders.unpaid_holdings(user_id)
    limits.check_can_open(open_orders, held_units=held, units=units)


def _visible(order: Order | None, principal: Principal) -> Order:
    # Someone else's order is "not found": its existence is not for them to learn.
    if order is None or (order.user_id != principal.user_id and not principal.is_admin):
        raise OrderNotFound("There is no such order.")
    return order


async def get(
    *, unit_of_work: UnitOfWorkFactory, order_id: uuid.UUID, principal: Principal
) -> Order:
    async with unit_of_work(read_only=True) as uow:
        return _visible(await uow.orders.get(order_id), principal)


async def get_internal(*, unit_of_work: UnitOfWorkFactory, order_id: uuid.UUID) -> Order:
    """For another service of the system (payments), which checks ownership itself: the
    order's owner, status and total, without its lines and history."""
    async with unit_of_work(read_only=True) as uow:
        order = await uow.orders.get_header(order_id)
    if order is None:
        raise OrderNotFound("There is no such order.")
    return order


async def get_all(
    *,
    unit_of_work: UnitOfWorkFactory,
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
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.orders.get_page(
            user_id=user_id, status=status, before=before, limit=limit + 1
        )
    return page_after(rows, limit=limit, key=lambda order: (order.id,), tag=CURSOR_TAG)


async def cancel(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    order_id: uuid.UUID,
    principal: Principal,
    reason: str | None = None,
) -> Order:
    """Cancel an unpaid order (its stock released) or a paid one (refunded too), by its owner
    or an admin. An order being paid for, delivered or cancelled cannot be."""
    async with unit_of_work() as uow:
        order = _visible(await uow.orders.lock(order_id), principal)
        actor = Actor.USER if order.user_id == principal.user_id else Actor.ADMIN
        now = utcnow()
        order.cancel(actor=actor, at=now, reason=reason)
        await stock.owe(uow, order, at=now, unit_of_work=unit_of_work, catalog=catalog)
        await uow.commit()
    return order


async def deliver(
    *,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
    order_id: uuid.UUID,
) -> Order:
    """Mark a paid order delivered, by an admin (the sale is final: its reservation is
    committed)."""
    async with unit_of_work() as uow:
        order = await uow.orders.lock(order_id)
        if order is None:
            raise OrderNotFound("There is no such order.")
        now = utcnow()
        order.deliver(at=now)
        await stock.owe(uow, order, at=now, unit_of_work=unit_of_work, catalog=catalog)
        await uow.commit()
    return order
