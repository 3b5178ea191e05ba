"""The catalog calls an order's fate still owes: release the reservation (cancelled) or
commit it (paid, delivered).

The decision is a row in ``stock_actions`` written in the same transaction as the
transition that made it, so it survives a crash or a catalog outage; right after the commit
the call is tried once, and the sweeper retries whatever is still due with a growing delay.
Both calls are idempotent at the catalog, so a call made twice does no harm. A later decision
replaces an earlier one still pending (paid, then cancelled: release, not commit).

Placing an order uses the same table for a *reservation intent*: before the catalog is asked
to reserve, a release is written, due only when ``RESERVE_LEASE`` runs out (``intend``). The
order's own transaction deletes it (``adopt``): from then on the order's fate decides. If the
replica dies in between, whatever the catalog reserved is released by any replica's sweeper
once the lease is over. A sweeper *claims* a row (a conditional update) before it calls the
catalog, and ``adopt`` only deletes an unclaimed intent, so a request that outlived its lease
and a sweeper releasing its stock cannot both win: the order is then refused, never stored
without its stock.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from orders_service.adapters.catalog import CatalogClient, ReservationMissing, StockCallFailed
from orders_service.adapters.orm import StockAction
from orders_service.adapters.repositories import StockActionRepository
from orders_service.domain.errors import ReservationLapsed

log = logging.getLogger(__name__)

RELEASE = "release"
COMMIT = "commit"
BATCH = 50
BACKOFF = (1, 5, 30, 120, 600)  # seconds before the n-th retry; the last one repeats
# How long a reservation the catalog does not know may still appear (a reserve call that
# timed out on our side but is still on its way there): until then, a call is kept. The
# catalog answers a release it has no reservation for by keeping it (the late reserve is
# refused), so this is for a commit, and for a catalog from before that.
ORPHAN_GRACE = timedelta(minutes=5)
# How long placing an order may take between writing its intent and storing the order (the
# catalog call included, ``ORDERS_CATALOG_TIMEOUT`` per replica tried) before the sweeper
# takes the replica for dead and releases the stock.
RESERVE_LEASE = timedelta(minutes=1)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


async def schedule(
    session: AsyncSession, *, reservation_id: uuid.UUID, action: str, now: datetime
) -> None:
    """Owe the catalog ``action`` for this reservation, in the caller's transaction."""
    repository = StockActionRepository(session)
    # Locked: a call completing meanwhile deletes the row it made (``_call``), and an update
    # of a row deleted under it fails this transaction (PostgreSQL; SQLite has one writer).
    # Locked, the delete waits and then finds a newer decision it leaves owed.
    pending = await session.get(
        StockAction, reservation_id, with_for_update=True, populate_existing=True
    )
    if pending is None:
        repository.add(
            StockAction(
                reservation_id=reservation_id,
                action=action,
                attempts=0,
                created_at=now,
                due_at=now,
            )
        )
    elif pending.action != RELEASE:  # a release is final: nothing replaces it
        pending.action = action
        pending.attempts = 0
        pending.due_at = now


async def intend(db: Database, *, reservation_id: uuid.UUID, now: datetime) -> None:
    """Before the catalog is asked to reserve: owe it a release, due when the lease is over,
    committed at once so that it outlives this process."""
    async with db.session() as session, session.begin():
        StockActionRepository(session).add(
            StockAction(
                reservation_id=reservation_id,
                action=RELEASE,
                attempts=0,
                created_at=now,
                due_at=now + RESERVE_LEASE,
            )
        )


def _unclaimed_intent(reservation_id: uuid.UUID) -> tuple:
    return (
        StockAction.reservation_id == reservation_id,
        StockAction.action == RELEASE,
        StockAction.attempts == 0,
    )


async def adopt(session: AsyncSession, *, reservation_id: uuid.UUID) -> None:
    """In the transaction that stores the order: the order holds the reservation now, so the
    intent's release is dropped. ``ReservationLapsed`` if a sweeper claimed it already."""
    result = await session.execute(delete(StockAction).where(*_unclaimed_intent(reservation_id)))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ReservationLapsed(
            "Placing the order took too long and its stock was given back; no order was "
            "placed. Try again."
        )


async def forget(db: Database, *, reservation_id: uuid.UUID) -> None:
    """The catalog refused the reservation (unknown product, not enough stock): it holds
    nothing under this id, and nothing is owed."""
    async with db.session() as session, session.begin():
        await session.execute(delete(StockAction).where(*_unclaimed_intent(reservation_id)))


async def abandon(*, db: Database, catalog: CatalogClient, reservation_id: uuid.UUID) -> None:
    """The order will not be stored (the catalog did not answer, the transaction failed):
    the intent's release is due now, and tried at once. If even this fails, the lease
    still runs out and the sweeper releases."""
    try:
        async with db.session() as session, session.begin():
            await session.execute(
                update(StockAction)
                .where(*_unclaimed_intent(reservation_id))
                .values(due_at=utcnow())
            )
    except Exception:
        log.exception("could not hasten the release of reservation %s", reservation_id)
        return
    await try_now(db=db, catalog=catalog, reservation_id=reservation_id)


async def run(*, db: Database, catalog: CatalogClient, reservation_id: uuid.UUID) -> bool:
    """Make the call owed for one reservation now, if any; True if nothing is owed after."""
    async with db.read_session() as session:
        pending = await StockActionRepository(session).get(reservation_id)
        owed = None if pending is None else (pending.action, pending.attempts, pending.created_at)
    if owed is None:
        return True
    return await _call(db, catalog, reservation_id, *owed)


async def run_due(*, db: Database, catalog: CatalogClient, now: datetime | None = None) -> int:
    """Make every call that is due; returns how many went through."""
    async with db.read_session() as session:
        due = [
            (action.reservation_id, action.action, action.attempts, action.created_at)
            for action in await StockActionRepository(session).due(now=now or utcnow(), limit=BATCH)
        ]
    done = 0
    for reservation_id, action, attempts, created_at in due:
        done += await _call(db, catalog, reservation_id, action, attempts, created_at)
    return done


async def _call(
    db: Database,
    catalog: CatalogClient,
    reservation_id: uuid.UUID,
    action: str,
    attempts: int,
    created_at: datetime,
) -> bool:
    if not await _claim(db, reservation_id, action, attempts):
        return False  # adopted by its order, replaced, or claimed by another sweeper
    try:
        if action == RELEASE:
            await catalog.release(reservation_id)
        else:
            await catalog.commit(reservation_id)
    except ReservationMissing as error:
        if utcnow() - created_at < ORPHAN_GRACE:
            await _note(db, reservation_id, action, error)
            return False
        log.info("no reservation %s to %s at the catalog; nothing owed", reservation_id, action)
    except StockCallFailed as error:
        log.warning("stock %s of %s failed, will retry: %s", action, reservation_id, error)
        await _note(db, reservation_id, action, error)
        return False
    async with db.session() as session, session.begin():
        # Only the call that was made: a decision taken meanwhile (release) stays owed.
        await session.execute(
            delete(StockAction).where(
                StockAction.reservation_id == reservation_id, StockAction.action == action
            )
        )
    return True


async def _claim(db: Database, reservation_id: uuid.UUID, action: str, attempts: int) -> bool:
    """Take the call for this attempt, postponing the next one as if it failed: the row
    must be as it was read, so an order that adopted its intent, a newer decision or another
    sweeper that got there first wins, and the catalog is not called."""
    now = utcnow()
    async with db.session() as session, session.begin():
        result = await session.execute(
            update(StockAction)
            .where(
                StockAction.reservation_id == reservation_id,
                StockAction.action == action,
                StockAction.attempts == attempts,
            )
            .values(attempts=attempts + 1, due_at=now + retry_delay(attempts + 1))
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def _note(db: Database, reservation_id: uuid.UUID, action: str, error: Exception) -> None:
    async with db.session() as session, session.begin():
        await session.execute(
            update(StockAction)
            .where(StockAction.reservation_id == reservation_id, StockAction.action == action)
            .values(last_error=str(error)[:500])
        )


async def try_now(*, db: Database, catalog: CatalogClient, reservation_id: uuid.UUID) -> None:
    """``run``, for right after the deciding commit: a failure here only leaves the call to
    the sweeper, it never fails the request that decided it."""
    try:
        await run(db=db, catalog=catalog, reservation_id=reservation_id)
    except Exception:
        log.exception("stock call for %s left to the sweeper", reservation_id)
