"""Making the calls to the catalog an order's fate owes: release the reservation (cancelled)
or commit it (paid, delivered). The rules are in ``domain.stock``.

The decision is a ``StockCall`` written in the same transaction as the move that made it
(``owe``, which takes it from the order), so it survives a crash or a catalog outage. The unit
of work tries the call once right after it commits (an *after-commit action*), and the sweeper
retries whatever is still due with a growing delay (``run_due``).

Placing an order uses the same table for a *reservation intent*: before the catalog is asked
to reserve, a release is committed, due only when ``RESERVE_LEASE`` runs out (``intend``). The
order's own transaction deletes it (``adopt``): from then on the order's fate decides. If the
replica dies in between, whatever the catalog reserved is released by any replica's sweeper
once the lease is over. A sweeper *claims* a call (a conditional update) before it calls the
catalog, and ``adopt`` only deletes an unclaimed intent, so a request that outlived its lease
and a sweeper releasing its stock cannot both win: the order is then refused, never stored
without its stock.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from functools import partial

from marketplace_platform.clock import utcnow
from orders_service.adapters.catalog import ReservationMissing, StockCallFailed
from orders_service.adapters.unit_of_work import OrdersUnitOfWork, UnitOfWorkFactory
from orders_service.domain.errors import ReservationLapsed
from orders_service.domain.orders import Order
from orders_service.domain.stock import ORPHAN_GRACE, StockAction, StockCall, retry_delay
from orders_service.service.ports import Catalog

log = logging.getLogger(__name__)

BATCH = 50


async def owe(
    uow: OrdersUnitOfWork,
    order: Order,
    *,
    at: datetime,
    unit_of_work: UnitOfWorkFactory,
    catalog: Catalog,
) -> None:
    """Write down the call the order's moves in ``uow`` owe the catalog, if any, and have it
    tried as soon as ``uow`` commits."""
    action = order.take_stock_call()
    if action is None:
        return
    claimed = await schedule(uow, reservation_id=order.id, action=action, now=at)
    if claimed is not None:
        # Claimed in the deciding transaction: once it commits, the call is made as decided,
        # with no read and no claim of its own.
        uow.after_commit(partial(_make, unit_of_work, catalog, claimed))
    else:
        uow.after_commit(
            partial(run, unit_of_work=unit_of_work, catalog=catalog, reservation_id=order.id)
        )


async def schedule(
    uow: OrdersUnitOfWork, *, reservation_id: uuid.UUID, action: StockAction, now: datetime
) -> StockCall | None:
    """Owe the catalog ``action`` for this reservation, in ``uow``'s transaction.

    When nothing was owed for it before (the usual case), the new call is written with its
    first try claimed, and returned: the caller makes that try once ``uow`` commits. When a
    call was owed already, the newer decision replaces it (``StockCall.replace_with``) and
    None is returned: that row is claimed the usual way (``run``)."""
    call = StockCall.tried_at_once(reservation_id, action, now=now)
    if await uow.stock_calls.add_unless_owed(call):
        return call
    # Locked: a call completing meanwhile deletes the row it made (``_call``), and an update
    # of a row deleted under it fails this transaction (PostgreSQL; SQLite has one writer).
    # Locked, the delete waits and then finds a newer decision it leaves owed.
    pending = await uow.stock_calls.lock(reservation_id)
    if pending is None:  # done and deleted between the two statements
        uow.stock_calls.add(StockCall.owed(reservation_id, action, now=now))
    else:
        pending.replace_with(action, now=now)
    return None


def intend(uow: OrdersUnitOfWork, *, reservation_id: uuid.UUID) -> None:
    """Before the catalog is asked to reserve: owe it a release, due when the lease is over.
    ``uow`` must commit before the catalog is called, so that the intent outlives this
    process."""
    uow.stock_calls.add(StockCall.intent(reservation_id, now=utcnow()))


async def adopt(uow: OrdersUnitOfWork, *, reservation_id: uuid.UUID) -> None:
    """In the transaction that stores the order: the order holds the reservation now, so the
    intent's release is dropped. ``ReservationLapsed`` if a sweeper claimed it already."""
    if not await uow.stock_calls.drop_unclaimed_intent(reservation_id):
        raise ReservationLapsed(
            "Placing the order took too long and its stock was given back; no order was "
            "placed. Try again."
        )


async def forget(unit_of_work: UnitOfWorkFactory, *, reservation_id: uuid.UUID) -> None:
    """The catalog refused the reservation (unknown product, not enough stock): it holds
    nothing under this id, and nothing is owed."""
    async with unit_of_work() as uow:
        await uow.stock_calls.drop_unclaimed_intent(reservation_id)
        await uow.commit()


async def abandon(
    *, unit_of_work: UnitOfWorkFactory, catalog: Catalog, reservation_id: uuid.UUID
) -> None:
    """The order will not be stored (the catalog did not answer, the transaction failed):
    the intent's release is due now, and tried at once. If even this fails, the lease
    still runs out and the sweeper releases."""
    try:
        async with unit_of_work() as uow:
            await uow.stock_calls.hasten_unclaimed_intent(reservation_id, now=utcnow())
            uow.after_commit(
                partial(
                    run, unit_of_work=unit_of_work, catalog=catalog, reservation_id=reservation_id
                )
            )
            await uow.commit()
    except Exception:
        log.exception("could not hasten the release of reservation %s", reservation_id)


async def run(
    *, unit_of_work: UnitOfWorkFactory, catalog: Catalog, reservation_id: uuid.UUID
) -> bool:
    """Make the call owed for one reservation now, if any; True if nothing is owed after."""
    async with unit_of_work(read_only=True) as uow:
        pending = await uow.stock_calls.get(reservation_id)
    if pending is None:
        return True
    return await _call(unit_of_work, catalog, pending)


async def run_due(
    *, unit_of_work: UnitOfWorkFactory, catalog: Catalog, now: datetime | None = None
) -> int:
    """Make every call that is due; returns how many went through."""
    async with unit_of_work(read_only=True) as uow:
        due = await uow.stock_calls.due(now=now or utcnow(), limit=BATCH)
    done = 0
    for call in due:
        done += await _call(unit_of_work, catalog, call)
    return done


async def _call(unit_of_work: UnitOfWorkFactory, catalog: Catalog, call: StockCall) -> bool:
    """Make ``call`` (as read, outside any transaction) if it can be claimed."""
    if not await _claim(unit_of_work, call):
        return False  # adopted by its order, replaced, or claimed by another sweeper
    return await _make(unit_of_work, catalog, call)


async def _make(unit_of_work: UnitOfWorkFactory, catalog: Catalog, call: StockCall) -> bool:
    """Call the catalog for ``call``, claimed for this try; once it went through, the call
    is no longer owed (unless a newer decision replaced it meanwhile)."""
    try:
        if call.action is StockAction.RELEASE:
            await catalog.release(call.reservation_id)
        else:
            await catalog.commit(call.reservation_id)
    except ReservationMissing as error:
        if utcnow() - call.created_at < ORPHAN_GRACE:
            await _note(unit_of_work, call, error)
            return False
        log.info(
            "no reservation %s to %s at the catalog; nothing owed", call.reservation_id, call.action
        )
    except StockCallFailed as error:
        log.warning(
            "stock %s of %s failed, will retry: %s", call.action, call.reservation_id, error
        )
        await _note(unit_of_work, call, error)
        return False
    async with unit_of_work() as uow:
        await uow.stock_calls.done(call)
        await uow.commit()
    return True


async def _claim(unit_of_work: UnitOfWorkFactory, call: StockCall) -> bool:
    """Take the call for this attempt, postponing the next one as if it failed: the row
    must be as it was read, so an order that adopted its intent, a newer decision or another
    sweeper that got there first wins, and the catalog is not called."""
    async with unit_of_work() as uow:
        claimed = await uow.stock_calls.claim(
            call, next_due=utcnow() + retry_delay(call.attempts + 1)
        )
        await uow.commit()
    return claimed


async def _note(unit_of_work: UnitOfWorkFactory, call: StockCall, error: Exception) -> None:
    async with unit_of_work() as uow:
        await uow.stock_calls.note_failure(call, str(error))
        await uow.commit()
