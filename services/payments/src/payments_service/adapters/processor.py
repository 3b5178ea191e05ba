"""The simulated card processor: what Stripe or a bank's acquiring API would be in production.

It behaves like one in the ways that matter to the saga:

- a charge takes time (``latency``, half before the processor records it, half after, like
  the network both ways), so a payments process can die with a charge in flight on either
  side of the moment money moves;
- the outcome follows Stripe's test cards (``TEST_CARDS``); any other valid number succeeds;
- it is idempotent by a *charge key* (the payment attempt's id): charging a key again
  returns the first charge, never a second one;
- it keeps its own record of charges, in a database of its own, written in its own
  transactions: the payments database and the processor can disagree after a crash, and
  ``get_charge`` / ``void`` are how recovery asks the processor for the truth;
- ``void(key)`` closes a key that was never charged, so that a charge request still in
  flight for it can no longer succeed: recovery can then fail the payment without a race;
- for fault injection (tests, teaching labs), it holds a charge it has just recorded, before
  answering, for as long as ``hold_file`` exists: a payments process killed then has taken
  the money without recording it, deterministically.

Card data reaches it in memory only; its record holds brand and last four digits, as a real
processor's receipts do.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from marketplace_platform.clock import utcnow
from marketplace_platform.db import (
    Database,
    UTCDateTime,
    dialect_insert,
    dialect_statement,
    new_metadata,
)
from payments_service.domain.cards import Card
from payments_service.domain.payments import FailureReason, Outcome

HOLD_POLL = 0.05  # seconds between looks at the hold file

# Stripe's test numbers (https://docs.stripe.com/testing); any other valid number succeeds.
TEST_CARDS: dict[str, FailureReason] = {
    "4000000000000002": FailureReason.CARD_DECLINED,
    "4000000000009995": FailureReason.INSUFFICIENT_FUNDS,
    "4000000000000119": FailureReason.PROCESSING_ERROR,
}


def outcome_for(card_number: str) -> Outcome:
    """What the processor answers for a card (digits only)."""
    reason = TEST_CARDS.get(card_number)
    return Outcome(succeeded=True) if reason is None else Outcome(succeeded=False, reason=reason)


class ChargeStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    VOIDED = "voided"  # closed before any charge: a late charge request is refused


class ProcessorBase(DeclarativeBase):
    """The processor's own tables: not part of the payments schema or its migrations."""

    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime()}


class ProcessorCharge(ProcessorBase):
    __tablename__ = "processor_charges"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    failure_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    card_brand: Mapped[str] = mapped_column(String(16))
    card_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime]
    refunded_at: Mapped[datetime | None] = mapped_column(default=None)


# A charge's read, built once and run with parameters (SQLAlchemy's compiled cache then finds
# it without building and hashing a statement per charge); its insert likewise, once
# per dialect.
_CHARGE_OF = select(ProcessorCharge).where(ProcessorCharge.key == bindparam("key"))


def _insert_charge(insert: Any) -> Any:
    return insert(ProcessorCharge.__table__).on_conflict_do_nothing(index_elements=["key"])


@dataclass(frozen=True, slots=True)
class Charge:
    """The processor's record of one charge key."""

    key: str
    status: ChargeStatus
    failure_reason: FailureReason | None
    amount: int
    currency: str
    refunded: bool

    @property
    def outcome(self) -> Outcome:
        if self.status is ChargeStatus.SUCCEEDED:
            return Outcome(succeeded=True)
        # A voided key was never charged: to the payer, the processing failed.
        return Outcome(
            succeeded=False, reason=self.failure_reason or FailureReason.PROCESSING_ERROR
        )

    @classmethod
    def of(cls, row: ProcessorCharge) -> Charge:
        return cls(
            key=row.key,
            status=ChargeStatus(row.status),
            failure_reason=FailureReason(row.failure_reason) if row.failure_reason else None,
            amount=row.amount,
            currency=row.currency,
            refunded=row.refunded_at is not None,
        )


class ChargeNotFound(LookupError):
    """The processor has no successful charge under this key."""


class SimulatedProcessor:
    def __init__(
        self, database_url: str, *, latency: float = 0.0, hold_file: Path | None = None
    ) -> None:
        self.db = Database(database_url, pool_size=2)
        self.latency = latency
        self.hold_file = hold_file

    async def start(self) -> None:
        """Create the processor's table if this is its first run."""
        for attempt in range(3):
            try:
                async with self.db.engine.begin() as connection:
                    await connection.run_sync(ProcessorBase.metadata.create_all)
                return
            except DBAPIError:
                # Another replica created it between the check and the CREATE.
                if attempt == 2:
                    raise

    async def stop(self) -> None:
        await self.db.dispose()

    async def charge(self, *, key: str, amount: int, currency: str, card: Card) -> Charge:
        """Charge ``card`` once per ``key``: a repeat returns the first charge's record."""
        outcome = outcome_for(card.number)
        await asyncio.sleep(self.latency / 2)
        async with self.db.session() as session, session.begin():
            await session.execute(
                dialect_statement(session, ("processor-charge",), _insert_charge),
                {
                    "key": key,
                    "status": (
                        ChargeStatus.SUCCEEDED if outcome.succeeded else ChargeStatus.DECLINED
                    ).value,
                    "failure_reason": outcome.reason.value if outcome.reason else None,
                    "amount": amount,
                    "currency": currency,
                    "card_brand": card.brand.value,
                    "card_last4": card.last4,
                    "created_at": utcnow(),
                },
            )
            charge = await self._get(session, key)
        await self._hold()
        await asyncio.sleep(self.latency / 2)
        assert charge is not None  # inserted now or before
        return charge

    async def _hold(self) -> None:
        """The fault-injection point: the money has moved, the answer waits."""
        # Polled: the file is removed by another process (a test, a person), not an event.
        while self.hold_file is not None and self.hold_file.exists():  # noqa: ASYNC110
            await asyncio.sleep(HOLD_POLL)

    async def get_charge(self, key: str) -> Charge | None:
        """Did a charge under ``key`` happen, and how did it end?"""
        async with self.db.read_session() as session:
            return await self._get(session, key)

    async def void(self, key: str) -> Charge:
        """Close ``key`` unless it was charged already; either way, its final record."""
        async with self.db.session() as session, session.begin():
            await session.execute(
                dialect_insert(session)(ProcessorCharge)
                .values(
                    key=key,
                    status=ChargeStatus.VOIDED.value,
                    amount=0,
                    currency="XXX",
                    card_brand="unknown",
                    card_last4="0000",
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
            charge = await self._get(session, key)
        assert charge is not None
        return charge

    async def refund(self, key: str) -> Charge:
        """Give a successful charge's money back; refunding again changes nothing."""
        async with self.db.session() as session, session.begin():
            await session.execute(
                update(ProcessorCharge)
                .where(
                    ProcessorCharge.key == key,
                    ProcessorCharge.status == ChargeStatus.SUCCEEDED.value,
                    ProcessorCharge.refunded_at.is_(None),
                )
                .values(refunded_at=utcnow())
            )
            charge = await self._get(session, key)
        if charge is None or charge.status is not ChargeStatus.SUCCEEDED:
            raise ChargeNotFound(f"no successful charge under {key}")
        return charge

    @staticmethod
    async def _get(session: AsyncSession, key: str) -> Charge | None:
        row = await session.scalar(_CHARGE_OF, {"key": key})
        return Charge.of(row) if row is not None else None
