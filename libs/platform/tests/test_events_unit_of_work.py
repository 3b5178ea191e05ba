import asyncio
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from marketplace_contracts import Event
from marketplace_platform.aggregates import Aggregate
from marketplace_platform.db import Database
from marketplace_platform.events import OutboxMessage, UnitOfWork
from marketplace_platform.testing.fakes import FakeUnitOfWork
from marketplace_platform.tracing import traceparent_var

pytestmark = pytest.mark.integration


class ThingHappened(Event):
    TYPE: ClassVar[str] = "tests.thing.happened.v1"

    n: int

    def event_subject(self) -> str:
        return f"thing-{self.n}"


async def _outbox(db: Database) -> list[OutboxMessage]:
    async with db.read_session() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


async def test_committed_unit_of_work_leaves_exactly_one_outbox_row(platform_db: Database) -> None:
    async with UnitOfWork(platform_db, source="tests") as uow:
        envelope = uow.publish(ThingHappened(n=1))
        await uow.commit()

    [row] = await _outbox(platform_db)
    assert row.id == envelope.id
    assert row.subject == "tests.thing.happened.v1"
    assert row.envelope["data"] == {"n": 1}
    assert row.envelope["source"] == "tests"
    assert row.envelope["subject"] == "thing-1"
    assert row.published_at is None
    assert row.attempts == 0


async def test_rolled_back_unit_of_work_leaves_no_outbox_row(platform_db: Database) -> None:
    async with UnitOfWork(platform_db, source="tests") as uow:
        uow.publish(ThingHappened(n=1))
        await uow.rollback()

    assert await _outbox(platform_db) == []


async def test_unit_of_work_failing_inside_the_block_leaves_no_outbox_row(
    platform_db: Database,
) -> None:
    async def fail_after_publishing() -> None:
        async with UnitOfWork(platform_db, source="tests") as uow:
            uow.publish(ThingHappened(n=1))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_after_publishing()

    assert await _outbox(platform_db) == []


async def test_unit_of_work_left_without_commit_is_abandoned(platform_db: Database) -> None:
    async with UnitOfWork(platform_db, source="tests") as uow:
        uow.publish(ThingHappened(n=1))

    async with platform_db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_on_commit_is_called_after_a_commit_with_events_only(platform_db: Database) -> None:
    calls: list[str] = []

    async with UnitOfWork(platform_db, source="tests", on_commit=lambda: calls.append("c")) as uow:
        uow.publish(ThingHappened(n=1))
        await uow.rollback()
    assert calls == []

    async with UnitOfWork(platform_db, source="tests", on_commit=lambda: calls.append("c")) as uow:
        await uow.commit()  # nothing published: nothing for the relay to do
    assert calls == []

    async with UnitOfWork(platform_db, source="tests", on_commit=lambda: calls.append("c")) as uow:
        uow.publish(ThingHappened(n=1))
        uow.publish(ThingHappened(n=2))
        await uow.commit()
    assert calls == ["c"]


async def test_events_carry_the_trace_context_of_the_request(platform_db: Database) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    token = traceparent_var.set(traceparent)
    try:
        async with UnitOfWork(platform_db, source="tests") as uow:
            envelope = uow.publish(ThingHappened(n=1))
            await uow.commit()
    finally:
        traceparent_var.reset(token)

    assert envelope.traceparent == traceparent
    [row] = await _outbox(platform_db)
    assert row.envelope["traceparent"] == traceparent


class Counter(Aggregate):
    """A tiny aggregate: each bump records an event."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1
        self.record(ThingHappened(n=self.value))


async def test_events_recorded_by_tracked_aggregates_go_out_with_the_commit(
    platform_db: Database,
) -> None:
    counter = Counter()
    async with UnitOfWork(platform_db, source="tests") as uow:
        uow.track(counter)
        uow.track(counter)  # tracked twice, collected once
        counter.bump()
        counter.bump()
        await uow.commit()

    rows = sorted(await _outbox(platform_db), key=lambda row: row.envelope["data"]["n"])
    assert [row.envelope["data"]["n"] for row in rows] == [1, 2]
    assert counter.pending_events == ()


async def test_a_rolled_back_unit_of_work_drops_its_aggregates_events_and_actions(
    platform_db: Database,
) -> None:
    counter = Counter()
    ran: list[str] = []

    async def action() -> None:
        ran.append("ran")

    async with UnitOfWork(platform_db, source="tests") as uow:
        uow.track(counter)
        counter.bump()
        uow.after_commit(action)
        await uow.rollback()

    assert await _outbox(platform_db) == []
    assert counter.pending_events == ()
    assert ran == []


async def test_after_commit_actions_run_after_the_commit_and_their_failure_is_not_raised(
    platform_db: Database,
) -> None:
    seen: list[int] = []

    async def count_outbox() -> None:
        seen.append(len(await _outbox(platform_db)))  # the commit is visible to others

    async def fail() -> None:
        raise RuntimeError("the peer is down")

    async with UnitOfWork(platform_db, source="tests") as uow:
        uow.publish(ThingHappened(n=1))
        uow.after_commit(fail)
        uow.after_commit(count_outbox)
        assert seen == []
        await uow.commit()

    assert seen == [1]


async def test_after_commit_actions_run_side_by_side() -> None:
    # Each waits until the other has started: run one after the other, neither would end.
    started = [asyncio.Event(), asyncio.Event()]

    async def call(mine: int) -> None:
        started[mine].set()
        await started[1 - mine].wait()

    uow = FakeUnitOfWork()
    async with uow:
        uow.after_commit(lambda: call(0))
        uow.after_commit(lambda: call(1))
        async with asyncio.timeout(5):
            await uow.commit()

    assert all(event.is_set() for event in started)


async def test_a_fake_unit_of_work_commits_what_a_real_one_would_publish() -> None:
    class FakeCounters(FakeUnitOfWork):
        def open(self) -> None:
            self.counters: dict[str, Counter] = {}

    uow = FakeCounters()
    async with uow:
        counter = uow.track(uow.counters.setdefault("a", Counter()))
        counter.bump()
        await uow.commit()
    async with uow:
        uow.track(uow.counters["a"]).bump()  # left without commit: abandoned

    assert [event.n for event in uow.events(ThingHappened)] == [1]
    assert (uow.commits, uow.rollbacks) == (1, 1)


async def test_a_read_only_unit_of_work_leaves_what_it_read_readable_and_cannot_commit(
    platform_db: Database,
) -> None:
    async with UnitOfWork(platform_db, source="tests") as uow:
        uow.publish(ThingHappened(n=1))
        await uow.commit()

    async with UnitOfWork(platform_db, source="tests", read_only=True) as reader:
        [row] = (await reader.session.scalars(select(OutboxMessage))).all()
        with pytest.raises(RuntimeError, match="read-only"):
            await reader.commit()
    # Closed, not rolled back: the row is not expired, so reading it needs no session.
    assert row.subject == "tests.thing.happened.v1"
