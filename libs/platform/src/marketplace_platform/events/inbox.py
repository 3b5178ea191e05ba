"""The inbox: how a consumer applies each event once although JetStream delivers at least once.

The consumer's unit of work claims the event (``UnitOfWorkBase.claim_event``: ``(consumer,
event id)`` into the inbox table) in the same transaction as the effect. If the claim was
made before (a redelivery, a replay), the effect is skipped; if two deliveries race, the
primary key lets exactly one transaction make it.

A consumer whose every event is one effect in one transaction registers with
``consume_once``: it says what each event does (``effect_of``), the platform does the rest.
Effects are typed on the service's own unit of work (``Effect[OrdersUnitOfWork]``), so they
reach ``uow.orders`` and the rest with their types; a fake unit of work claims in memory,
so consumers are unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from marketplace_contracts import Envelope
from marketplace_platform.events.unit_of_work import UnitOfWorkBase

if TYPE_CHECKING:
    from marketplace_platform.events.bus import EventBus

U = TypeVar("U", bound=UnitOfWorkBase)

# What an event does, given the unit of work it runs in.
Effect = Callable[[U], Awaitable[None]]
# What each event does, or None for an event the consumer does not act on.
EffectOf = Callable[[Envelope], Effect[U] | None]


async def handle_once(uow: U, *, consumer: str, envelope: Envelope, effect: Effect[U]) -> bool:
    """Apply ``effect`` for this event at most once, in one transaction with the claim.

    ``uow`` is a fresh unit of work of the consuming service, so the effect can change state
    and publish events of its own atomically. Returns False if the event had been handled
    already and nothing was done.
    """
    async with uow:
        if not await uow.claim_event(consumer, envelope):
            return False
        await effect(uow)
        await uow.commit()
    return True


def consume_once(
    bus: EventBus,
    consumer: str,
    subjects: Sequence[str],
    *,
    unit_of_work: Callable[[], U],
    effect_of: EffectOf[U],
) -> None:
    """Register ``consumer`` for ``subjects``: each event's effect (``effect_of``) is applied
    once, in a fresh unit of work with its inbox claim; events without one are acknowledged
    and ignored."""

    async def handle(envelope: Envelope) -> None:
        effect = effect_of(envelope)
        if effect is not None:
            await handle_once(unit_of_work(), consumer=consumer, envelope=envelope, effect=effect)

    bus.consume(consumer, subjects, handle)
