"""The inbox: how a consumer applies each event once although JetStream delivers at least once.

The consumer's unit of work claims the event (``UnitOfWorkBase.claim_event``: ``(consumer,
event id)`` into the inbox table) in the same transaction as the effect. If the claim was
made before (a redelivery, a replay), the effect is skipped; if two deliveries race, the
primary key lets exactly one transaction make it.

A consumer whose every event is one effect registers with ``consume_once``: it says what each
event does (``effect_of``), the platform does the rest. With ``batch=N`` the effects of up
to N events in work at once share one transaction (a group commit, ``GroupCommit``): each
event is still claimed in the inbox beside its effect, so each is applied once, but a
consumer that writes the same few rows for every event (counters, rollups) writes and
commits them once per batch instead of once per event.
Effects are typed on the service's own unit of work (``Effect[OrdersUnitOfWork]``), so they
reach ``uow.orders`` and the rest with their types; a fake unit of work claims in memory,
so consumers are unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from marketplace_contracts import Envelope

# The module, not its class: ``batching`` imports ``events.cancellation``, so whichever of
# the two is imported first finds the other half made.
from marketplace_platform import batching
from marketplace_platform.events.unit_of_work import UnitOfWorkBase

if TYPE_CHECKING:
    from marketplace_platform.events.bus import EventBus

U = TypeVar("U", bound=UnitOfWorkBase)

# What an event does, given the unit of work it runs in.
Effect = Callable[[U], Awaitable[None]]
# What each event does, or None for an event the consumer does not act on.
EffectOf = Callable[[Envelope], Effect[U] | None]
# What a batch's effects will need, loaded in one go before they run (``GroupCommit``).
Prepare = Callable[[U, Sequence[Envelope]], Awaitable[None]]


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


class GroupCommit(Generic[U]):
    """Applies the effects of the events handed to it (``handle``) several to a transaction:
    a ``marketplace_platform.batching.Batcher`` whose batch is one unit of work.

    The first event starts a transaction at once; those that arrive while it runs go
    together into the next one (at most ``max_batch``), so a busy consumer commits once per
    batch and an idle one adds no delay. In its transaction a batch's events are claimed in
    the inbox in one statement, ``prepare`` runs, then each claimed event's effect. Each
    ``handle`` returns once its event's transaction committed, so the bus acknowledges it
    only then. If a batch's transaction fails (one event's effect raised, a deadlock), the
    batcher applies its events again one transaction each, so only the failing event fails
    and is retried by the bus.

    ``prepare(uow, envelopes)`` gets the events the transaction claimed, before their
    effects: a consumer loads there in one query each what the effects would otherwise read
    one event at a time (the effects must still work without it: an event retried alone is
    prepared alone).
    """

    def __init__(
        self,
        consumer: str,
        *,
        unit_of_work: Callable[[], U],
        effect_of: EffectOf[U],
        max_batch: int,
        prepare: Prepare[U] | None = None,
    ) -> None:
        self.consumer = consumer
        self._unit_of_work = unit_of_work
        self._effect_of = effect_of
        self._prepare = prepare
        self._batcher: batching.Batcher[tuple[Envelope, Effect[U]], bool] = batching.Batcher(
            self._together, max_size=max_batch, name=f"group-commit-{consumer}"
        )
        self.transactions = 0  # committed: what tests and benchmarks look at

    async def handle(self, envelope: Envelope) -> bool:
        """Apply the event's effect once; False if it has none or was applied before."""
        effect = self._effect_of(envelope)
        if effect is None:
            return False
        return await self._batcher.submit((envelope, effect))

    async def close(self) -> None:
        await self._batcher.close()

    async def _together(self, batch: Sequence[tuple[Envelope, Effect[U]]]) -> list[bool]:
        async with self._unit_of_work() as uow:
            envelopes = [envelope for envelope, _ in batch]
            applied = await uow.claim_events(self.consumer, envelopes)
            if self._prepare is not None:
                claimed = [e for e, new in zip(envelopes, applied, strict=True) if new]
                await self._prepare(uow, claimed)
            for (_, effect), claimed_now in zip(batch, applied, strict=True):
                if claimed_now:
                    await effect(uow)
            await uow.commit()
        self.transactions += 1
        return applied


def consume_once(
    bus: EventBus,
    consumer: str,
    subjects: Sequence[str],
    *,
    unit_of_work: Callable[[], U],
    effect_of: EffectOf[U],
    batch: int | None = None,
    prepare: Prepare[U] | None = None,
) -> GroupCommit[U] | None:
    """Register ``consumer`` for ``subjects``: each event's effect (``effect_of``) is applied
    once, in a unit of work with its inbox claim; events without one are acknowledged and
    ignored. ``batch``: up to that many events' effects share a transaction (the consumer
    then has that many messages in work at once), after ``prepare``; the ``GroupCommit`` is
    returned."""
    if batch is not None:
        group = GroupCommit(
            consumer,
            unit_of_work=unit_of_work,
            effect_of=effect_of,
            max_batch=batch,
            prepare=prepare,
        )

        async def handle_in_batch(envelope: Envelope) -> None:
            await group.handle(envelope)

        bus.consume(consumer, subjects, handle_in_batch, batch=batch, concurrency=batch)
        return group

    async def handle(envelope: Envelope) -> None:
        effect = effect_of(envelope)
        if effect is not None:
            await handle_once(unit_of_work(), consumer=consumer, envelope=envelope, effect=effect)

    bus.consume(consumer, subjects, handle)
    return None
