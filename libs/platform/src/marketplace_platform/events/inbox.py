"""The inbox: how a consumer applies each event once although JetStream delivers at least once.

The consumer records ``(consumer, event id)`` in the same transaction as the effect. If the
row is already there, the event was applied before (a redelivery, a replay) and the effect is
skipped; if two deliveries race, the primary key lets exactly one transaction insert it.

A consumer whose every event is one effect in one transaction registers with
``consume_once``: it says what each event does (``effect_of``), the platform does the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_contracts import Envelope
from marketplace_platform.clock import utcnow
from marketplace_platform.db import dialect_insert
from marketplace_platform.events.models import InboxMessage
from marketplace_platform.events.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from marketplace_platform.events.bus import EventBus

Effect = Callable[[UnitOfWork], Awaitable[None]]
# What an event does, or None for an event the consumer does not act on.
EffectOf = Callable[[Envelope], Effect | None]


async def claim(session: AsyncSession, *, consumer: str, envelope: Envelope) -> bool:
    """Record the event as processed by ``consumer`` in the session's transaction.

    Returns False if it already was, and the caller must then leave everything unchanged.
    One ``INSERT ... ON CONFLICT DO NOTHING``: no read-then-write window between replicas.
    """
    statement = (
        dialect_insert(session)(InboxMessage)
        .values(
            consumer=consumer,
            event_id=envelope.id,
            event_type=envelope.type,
            processed_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def handle_once(
    uow: UnitOfWork, *, consumer: str, envelope: Envelope, effect: Effect
) -> bool:
    """Apply ``effect`` for this event at most once, in one transaction with the claim.

    ``uow`` is a fresh unit of work of the consuming service, so the effect can change state
    and publish events of its own atomically. Returns False if the event had been handled
    already and nothing was done.
    """
    async with uow:
        if not await claim(uow.session, consumer=consumer, envelope=envelope):
            return False
        await effect(uow)
        await uow.commit()
    return True


def consume_once(
    bus: EventBus,
    consumer: str,
    subjects: Sequence[str],
    *,
    unit_of_work: Callable[[], UnitOfWork],
    effect_of: EffectOf,
) -> None:
    """Register ``consumer`` for ``subjects``: each event's effect (``effect_of``) is applied
    once, in a fresh unit of work with its inbox claim; events without one are acknowledged
    and ignored."""

    async def handle(envelope: Envelope) -> None:
        effect = effect_of(envelope)
        if effect is not None:
            await handle_once(unit_of_work(), consumer=consumer, envelope=envelope, effect=effect)

    bus.consume(consumer, subjects, handle)
