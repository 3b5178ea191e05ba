import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import ClassVar

import pytest
from sqlalchemy import Table, func, insert, select, update

from marketplace_contracts import Envelope, Event
from marketplace_platform.db import Database
from marketplace_platform.events import (
    InboxMessage,
    OutboxMessage,
    UnitOfWork,
    consume_once,
    handle_once,
)
from marketplace_platform.events.inbox import Effect

pytestmark = pytest.mark.integration


class TallyIncremented(Event):
    TYPE: ClassVar[str] = "tests.tally.incremented.v1"

    name: str


def _envelope() -> Envelope:
    return Envelope(id=uuid.uuid4(), type="tests.thing.happened.v1", source="tests", data={})


async def _inbox_rows(db: Database) -> set[tuple[str, uuid.UUID]]:
    async with db.read_session() as session:
        rows = await session.execute(select(InboxMessage.consumer, InboxMessage.event_id))
        return {(consumer, event_id) for consumer, event_id in rows}


async def _tally(db: Database, tallies: Table, name: str) -> int | None:
    async with db.read_session() as session:
        return await session.scalar(select(tallies.c.count).where(tallies.c.name == name))


def _increment(tallies: Table, name: str) -> Effect[UnitOfWork]:
    async def effect(uow: UnitOfWork) -> None:
        changed = await uow.session.execute(
            update(tallies).where(tallies.c.name == name).values(count=tallies.c.count + 1)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            await uow.session.execute(insert(tallies).values(name=name, count=1))

    return effect


async def test_claim_succeeds_once_per_consumer_and_event(platform_db: Database) -> None:
    first, second = _envelope(), _envelope()
    async with UnitOfWork(platform_db, source="tests") as uow:
        assert await uow.claim_event("analytics", first) is True
        await uow.commit()

    async with UnitOfWork(platform_db, source="tests") as uow:
        assert await uow.claim_event("analytics", first) is False
        assert await uow.claim_event("notifications", first) is True
        assert await uow.claim_event("analytics", second) is True
        await uow.commit()

    assert await _inbox_rows(platform_db) == {
        ("analytics", first.id),
        ("notifications", first.id),
        ("analytics", second.id),
    }


async def test_claim_is_undone_with_its_transaction(platform_db: Database) -> None:
    envelope = _envelope()
    async with UnitOfWork(platform_db, source="tests") as uow:
        assert await uow.claim_event("analytics", envelope) is True
        await uow.rollback()

    assert await _inbox_rows(platform_db) == set()
    async with UnitOfWork(platform_db, source="tests") as uow:
        assert await uow.claim_event("analytics", envelope) is True


async def test_handle_once_applies_a_redelivered_event_once(
    platform_db: Database, tallies_table: Table
) -> None:
    envelope = _envelope()
    effect = _increment(tallies_table, "seen")

    first = await handle_once(
        UnitOfWork(platform_db, source="tests"), consumer="c", envelope=envelope, effect=effect
    )
    again = await handle_once(
        UnitOfWork(platform_db, source="tests"), consumer="c", envelope=envelope, effect=effect
    )

    assert (first, again) == (True, False)
    assert await _tally(platform_db, tallies_table, "seen") == 1


async def test_failed_effect_leaves_the_event_unclaimed_for_the_retry(
    platform_db: Database, tallies_table: Table
) -> None:
    envelope = _envelope()

    async def failing(uow: UnitOfWork) -> None:
        await _increment(tallies_table, "seen")(uow)
        raise RuntimeError("downstream trouble")

    with pytest.raises(RuntimeError):
        await handle_once(
            UnitOfWork(platform_db, source="tests"), consumer="c", envelope=envelope, effect=failing
        )
    assert await _inbox_rows(platform_db) == set()
    assert await _tally(platform_db, tallies_table, "seen") is None

    retried = await handle_once(
        UnitOfWork(platform_db, source="tests"),
        consumer="c",
        envelope=envelope,
        effect=_increment(tallies_table, "seen"),
    )
    assert retried is True
    assert await _tally(platform_db, tallies_table, "seen") == 1


async def test_concurrent_deliveries_of_one_event_apply_it_once(
    platform_db: Database, tallies_table: Table
) -> None:
    envelope = _envelope()
    increment = _increment(tallies_table, "seen")

    async def slow_increment(uow: UnitOfWork) -> None:
        await increment(uow)
        await asyncio.sleep(0.05)  # keep both transactions open at the same time

    results = await asyncio.gather(
        *(
            handle_once(
                UnitOfWork(platform_db, source="tests"),
                consumer="c",
                envelope=envelope,
                effect=slow_increment,
            )
            for _ in range(2)
        )
    )

    assert sorted(results) == [False, True]
    assert await _tally(platform_db, tallies_table, "seen") == 1
    async with platform_db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 1


async def test_events_published_by_the_effect_go_out_only_the_first_time(
    platform_db: Database,
) -> None:
    envelope = _envelope()
    nudges: list[None] = []

    async def effect(uow: UnitOfWork) -> None:
        uow.publish(TallyIncremented(name="seen"))

    for _ in range(2):
        await handle_once(
            UnitOfWork(platform_db, source="tests", on_commit=lambda: nudges.append(None)),
            consumer="c",
            envelope=envelope,
            effect=effect,
        )

    async with platform_db.read_session() as session:
        subjects = (await session.scalars(select(OutboxMessage.subject))).all()
    assert subjects == ["tests.tally.incremented.v1"]
    assert len(nudges) == 1


class RecordingBus:
    """Stands for the EventBus: keeps what was registered."""

    def __init__(self) -> None:
        self.registered: list[tuple[str, list[str], Callable[[Envelope], Awaitable[None]]]] = []

    def consume(self, durable: str, subjects, handler) -> None:
        self.registered.append((durable, list(subjects), handler))


async def test_consume_once_applies_each_known_event_once_and_ignores_the_rest(
    platform_db: Database, tallies_table: Table
) -> None:
    bus = RecordingBus()
    known = _envelope()
    unknown = Envelope(id=uuid.uuid4(), type="tests.other.v1", source="tests", data={})
    consume_once(
        bus,  # type: ignore[arg-type]
        "tally",
        ["tests.>"],
        unit_of_work=lambda: UnitOfWork(platform_db, source="tests"),
        effect_of=lambda envelope: (
            _increment(tallies_table, "seen") if envelope.type == known.type else None
        ),
    )
    [(durable, subjects, handle)] = bus.registered
    assert (durable, subjects) == ("tally", ["tests.>"])

    await handle(known)
    await handle(known)  # redelivered
    await handle(unknown)

    assert await _tally(platform_db, tallies_table, "seen") == 1
    assert await _inbox_rows(platform_db) == {("tally", known.id)}
