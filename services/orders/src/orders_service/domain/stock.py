"""The calls to the catalog an order's fate owes: release its reservation (cancelled) or
commit it (paid, delivered), and the rules for keeping them owed until they go through.

A ``StockCall`` is written in the transaction that decided it, so a crash or a catalog outage
delays the call, never loses it (``service.stock`` makes the calls). Both calls are idempotent
at the catalog, so one made twice does no harm, and a later decision replaces an earlier one
still pending: paid, then cancelled, owes a release, not a commit.

Placing an order writes a release *before* the catalog is asked to reserve, due only when
``RESERVE_LEASE`` runs out: the *reservation intent*. The order's own transaction drops it,
unless a sweeper claimed it first (a claimed call has ``attempts`` above zero).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

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


class StockAction(enum.StrEnum):
    RELEASE = "release"
    COMMIT = "commit"


def retry_delay(attempts: int) -> timedelta:
    """How long after the ``attempts``-th try the next one is due."""
    return timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


@dataclass(eq=False)
class StockCall:
    """A call the catalog still has to receive for one reservation (the order's id)."""

    reservation_id: uuid.UUID
    action: StockAction
    created_at: datetime
    due_at: datetime
    attempts: int = 0  # tries claimed so far; the intent is claimable while this is 0
    last_error: str | None = None

    @classmethod
    def owed(cls, reservation_id: uuid.UUID, action: StockAction, *, now: datetime) -> StockCall:
        """A call decided now, due at once."""
        return cls(reservation_id, action, created_at=now, due_at=now)

    @classmethod
    def tried_at_once(
        cls, reservation_id: uuid.UUID, action: StockAction, *, now: datetime
    ) -> StockCall:
        """A call decided now, its first try already claimed by the transaction that decides
        it (the try is made right after that commit): due again, for the sweeper, only if
        that try never reports back."""
        call = cls(reservation_id, action, created_at=now, due_at=now)
        call.claim_try(now=now)
        return call

    @classmethod
    def intent(cls, reservation_id: uuid.UUID, *, now: datetime) -> StockCall:
        """The release owed for a reservation about to be asked for, due when the lease
        of the request asking for it is over."""
        return cls(reservation_id, StockAction.RELEASE, created_at=now, due_at=now + RESERVE_LEASE)

    def claim_try(self, *, now: datetime) -> None:
        """Count one more try, and postpone the next as if this one failed."""
        self.attempts += 1
        self.due_at = now + retry_delay(self.attempts)

    @property
    def is_unclaimed_intent(self) -> bool:
        return self.action is StockAction.RELEASE and self.attempts == 0

    def replace_with(self, action: StockAction, *, now: datetime) -> None:
        """A newer decision for the same reservation. A release is final: nothing replaces
        it (a cancelled order stays cancelled)."""
        if self.action is StockAction.RELEASE:
            return
        self.action = action
        self.attempts = 0
        self.due_at = now
