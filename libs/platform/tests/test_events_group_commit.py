"""Group commit: the effects of the events in work at once share a transaction, each event
still applied once with its inbox claim; a batch whose transaction fails is applied again
one event at a time, so only the failing event fails."""

import asyncio
import uuid

import pytest
from sqlalchemy import Table, insert, select, update

from marketplace_contracts import Envelope
from marketplace_platform.db import Database
from marketplace_platform.events import UnitOfWork
from marketplace_platform.events.inbox import GroupCommit
from marketplace_platform.testing.fakes import FakeUnitOfWork


class FakeTallies(FakeUnitOfWork):
    def open(self) -> None:
        self.tallies: dict[str, int] = {}


def _envelope(n: int) -> Envelope:
    return Envelope(id=uuid.uuid4(), type="tests.thing.happened.v1", source="tests", data={"n": n})


@pytest.mark.unit
@pytest.mark.parametrize(("max_batch", "transactions"), [(64, 1), (16, 4)])
async def test_events_in_work_at_once_share_transactions_and_apply_once(
    max_batch: int, transactions: int
) -> None:
    uow = FakeTallies()

    async def count(uow: FakeTallies) -> None:
        uow.tallies["seen"] = uow.tallies.get("seen", 0) + 1

    group = GroupCommit(
        "c", unit_of_work=lambda: uow, effect_of=lambda _: count, max_batch=max_batch
    )
    envelopes = [_envelope(n) for n in range(50)]
    results = await asyncio.gather(*(group.handle(envelope) for envelope in envelopes))
    assert results == [True] * 50
    assert uow.tallies == {"seen": 50}
    assert group.transactions == transactions
    assert uow.commits == transactions

    again = await asyncio.gather(*(group.handle(envelope) for envelope in envelopes))
    assert again == [False] * 50
    assert uow.tallies == {"seen": 50}


@pytest.mark.unit
async def test_events_without_an_effect_are_not_batched() -> None:
    uow = FakeTallies()
    group = GroupCommit("c", unit_of_work=lambda: uow, effect_of=lambda _: None, max_batch=8)
    assert await group.handle(_envelope(0)) is False
    assert group.transactions == 0


@pytest.mark.integration
async def test_a_failing_event_fails_alone_and_the_others_apply_once(
    platform_db: Database, tallies_table: Table
) -> None:
    tallies = tallies_table
    async with platform_db.session() as session, session.begin():
        await session.execute(insert(tallies).values(name="seen", count=0))

    def effect_of(envelope: Envelope):
        async def effect(uow: UnitOfWork) -> None:
            if envelope.data["n"] == 3:
                raise RuntimeError("poison")
            await uow.session.execute(
                update(tallies).where(tallies.c.name == "seen").values(count=tallies.c.count + 1)
            )

        return effect

    group = GroupCommit(
        "c",
        unit_of_work=lambda: UnitOfWork(platform_db, source="tests"),
        effect_of=effect_of,
        max_batch=32,
    )
    envelopes = [_envelope(n) for n in range(10)]
    results = await asyncio.gather(
        *(group.handle(envelope) for envelope in envelopes), return_exceptions=True
    )
    assert [isinstance(result, RuntimeError) for result in results] == [n == 3 for n in range(10)]
    async with platform_db.read_session() as session:
        assert await session.scalar(select(tallies.c.count)) == 9
    # Redelivered, the nine are skipped and the poison fails again.
    again = await asyncio.gather(
        *(group.handle(envelope) for envelope in envelopes), return_exceptions=True
    )
    assert [r if not isinstance(r, Exception) else "failed" for r in again] == [
        "failed" if n == 3 else False for n in range(10)
    ]
    async with platform_db.read_session() as session:
        assert await session.scalar(select(tallies.c.count)) == 9


@pytest.mark.integration
async def test_claiming_many_at_once_claims_each_new_event_once(platform_db: Database) -> None:
    old, new = _envelope(0), _envelope(1)
    async with UnitOfWork(platform_db, source="tests") as uow:
        assert await uow.claim_events("c", [old]) == [True]
        await uow.commit()
    async with UnitOfWork(platform_db, source="tests") as uow:
        assert await uow.claim_events("c", [old, new, new]) == [False, True, False]
        assert await uow.claim_events("c", []) == []
        await uow.commit()
