"""The catalog calls an order's fate still owes: release the reservation (cancelled) or
commit it (paid, delivered).

The decision is a row in ``stock_actions`` written in the same transaction as the
transition that made it, so it survives a crash or a catalog outage; right after the commit
the call is tried once, and the sweeper retries whatever is still due with a growing delay.
Both calls are idempotent at the catalog, so a call made twice does no harm. A later decision
replaces an earlier one still pending (paid, then cancelled: release, not commit).
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

log = logging.getLogger(__name__)

RELEASE = "release"
COMMIT = "commit"
BATCH = 50
BACKOFF = (1, 5, 30, 120, 600)  # seconds before the n-th retry; the last one repeats
# How long a reservation the catalog does not know may still appear (a reserve call that
# timed out on our side but is still on its way there): until then, a release is kept.
ORPHAN_GRACE = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


async def schedule(
    session: AsyncSession, *, reservation_id: uuid.UUID, action: str, now: datetime
) -> None:
    """Owe the catalog ``action`` for this reservation, in the caller's transaction."""
    repository = StockActionRepository(session)
    pending = await repository.get(reservation_id)
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
    try:
        if action == RELEASE:
            await catalog.release(reservation_id)
        else:
            await catalog.commit(reservation_id)
    except ReservationMissing as error:
        if utcnow() - created_at < ORPHAN_GRACE:
            await _postpone(db, reservation_id, action, attempts, error)
            return False
        log.info("no reservation %s to %s at the catalog; nothing owed", reservation_id, action)
    except StockCallFailed as error:
        log.warning("stock %s of %s failed, will retry: %s", action, reservation_id, error)
        await _postpone(db, reservation_id, action, attempts, error)
        return False
    async with db.session() as session, session.begin():
        # Only the call that was made: a decision taken meanwhile (release) stays owed.
        await session.execute(
            delete(StockAction).where(
                StockAction.reservation_id == reservation_id, StockAction.action == action
            )
        )
    return True


async def _postpone(
    db: Database, reservation_id: uuid.UUID, action: str, attempts: int, error: Exception
) -> None:
    now = utcnow()
    async with db.session() as session, session.begin():
        await session.execute(
            update(StockAction)
            .where(StockAction.reservation_id == reservation_id, StockAction.action == action)
            .values(
                attempts=attempts + 1,
                due_at=now + retry_delay(attempts + 1),
                last_error=str(error)[:500],
            )
        )


async def try_now(*, db: Database, catalog: CatalogClient, reservation_id: uuid.UUID) -> None:
    """``run``, for right after the deciding commit: a failure here only leaves the call to
    the sweeper, it never fails the request that decided it."""
    try:
        await run(db=db, catalog=catalog, reservation_id=reservation_id)
    except Exception:
        log.exception("stock call for %s left to the sweeper", reservation_id)
