import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import ClassVar

import pytest
from nats.js import JetStreamContext, api
from sqlalchemy import select, update

from marketplace_contracts import Envelope, Event, stream_name
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events import EventBus, OutboxMessage, OutboxRelay, UnitOfWork
from marketplace_platform.testing.nats import EmbeddedNats

pytestmark = pytest.mark.integration

Eventually = Callable[..., Awaitable[None]]


def event_type(service: str) -> type[Event]:
    class Pinged(Event):
        TYPE: ClassVar[str] = f"{service}.thing.pinged.v1"

        n: int

    return Pinged


async def commit_events(
    db: Database, service: str, numbers: list[int], relay: OutboxRelay | None = None
) -> list[Envelope]:
    pinged = event_type(service)
    async with UnitOfWork(
        db, source=service, on_commit=relay.notify if relay is not None else None
    ) as uow:
        envelopes = [uow.publish(pinged(n=n)) for n in numbers]
        await uow.commit()
    return envelopes


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.read_session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list((await session.scalars(query)).all())


async def stored_messages(js: JetStreamContext, stream: str) -> list[tuple[str, bytes]]:
    """(Nats-Msg-Id, payload) of every message in the stream, in stream order."""
    info = await js.stream_info(stream)
    messages = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        raw = await js.get_msg(stream, seq)
        assert raw.headers is not None
        assert raw.data is not None
        messages.append((raw.headers["Nats-Msg-Id"], raw.data))
    return messages


def collect_into(queue: asyncio.Queue[Envelope]) -> Callable[[Envelope], Awaitable[None]]:
    async def handler(envelope: Envelope) -> None:
        await queue.put(envelope)

    return handler


async def test_relay_publishes_committed_events_in_order_with_their_id_as_msg_id(
    platform_db: Database, bus: EventBus, js: JetStreamContext, service: str
) -> None:
    envelopes = await commit_events(platform_db, service, [1, 2, 3])
    relay = OutboxRelay(platform_db, bus)

    assert await relay.drain_once() == 3

    stored = await stored_messages(js, stream_name(service))
    assert [msg_id for msg_id, _ in stored] == [str(e.id) for e in envelopes]
    assert [Envelope.model_validate_json(data) for _, data in stored] == envelopes
    rows = await outbox(platform_db)
    assert all(row.published_at is not None for row in rows)
    assert [row.attempts for row in rows] == [1, 1, 1]
    assert await relay.drain_once() == 0


async def test_event_published_twice_is_delivered_once(
    platform_db: Database, bus: EventBus, js: JetStreamContext, service: str
) -> None:
    [envelope] = await commit_events(platform_db, service, [1])
    relay = OutboxRelay(platform_db, bus)
    assert await relay.drain_once() == 1
    # The relay died after publishing, before marking the row: it sends the row again.
    async with platform_db.session() as session, session.begin():
        await session.execute(update(OutboxMessage).values(published_at=None))
    assert await relay.drain_once() == 1
    [sentinel] = await commit_events(platform_db, service, [2])
    assert await relay.drain_once() == 1

    received: asyncio.Queue[Envelope] = asyncio.Queue()
    bus.consume("reader", [f"{service}.>"], collect_into(received))
    first = await asyncio.wait_for(received.get(), 10)
    second = await asyncio.wait_for(received.get(), 10)

    assert (first.id, second.id) == (envelope.id, sentinel.id)
    assert [msg_id for msg_id, _ in await stored_messages(js, stream_name(service))] == [
        str(envelope.id),
        str(sentinel.id),
    ]


async def test_relay_stops_at_a_failed_row_and_records_the_failure(sqlite_db: Database) -> None:
    service = "unreachable"
    await commit_events(sqlite_db, service, [1, 2])
    # Never started: the bus is down, as NATS would be in an outage.
    relay = OutboxRelay(sqlite_db, EventBus("nats://127.0.0.1:1", service=service))

    assert await relay.drain_once() == 0
    assert await relay.drain_once() == 0

    first, second = await outbox(sqlite_db)
    assert first.published_at is None
    assert first.attempts == 2
    assert first.last_error is not None
    assert "BrokerUnavailable" in first.last_error
    # Nothing newer overtakes the failed row.
    assert (second.attempts, second.last_error) == (0, None)


async def test_events_committed_while_nats_is_down_are_delivered_when_it_is_back(
    platform_db: Database, private_nats_server: EmbeddedNats, eventually: Eventually
) -> None:
    service = "shop"
    publisher = EventBus(private_nats_server.url, service=service, reconnect_wait=0.05)
    consumer = EventBus(private_nats_server.url, service="mail", reconnect_wait=0.05)
    relay = OutboxRelay(
        platform_db, publisher, poll_interval=0.2, min_backoff=0.05, max_backoff=0.2
    )
    received: asyncio.Queue[Envelope] = asyncio.Queue()
    consumer.consume("mail", [f"{service}.thing.>"], collect_into(received), fetch_timeout=0.5)
    await publisher.start()
    await consumer.start()
    await relay.start()
    try:
        [before] = await commit_events(platform_db, service, [0], relay)
        assert (await asyncio.wait_for(received.get(), 10)).id == before.id

        private_nats_server.stop()

        async def both_disconnected() -> bool:
            return not publisher.connected and not consumer.connected

        await eventually(both_disconnected)
        during = await commit_events(platform_db, service, [1, 2, 3], relay)

        async def relay_has_failed() -> bool:
            rows = {row.id: row for row in await outbox(platform_db)}
            return rows[during[0].id].attempts > 0

        await eventually(relay_has_failed)
        assert all(row.published_at is None for row in (await outbox(platform_db))[1:])

        private_nats_server.start()
        delivered = [await asyncio.wait_for(received.get(), 15) for _ in during]

        assert [e.id for e in delivered] == [e.id for e in during]
        assert publisher.connected
        assert consumer.connected
        await eventually(lambda: all_published(platform_db))
    finally:
        await relay.stop()
        await consumer.close()
        await publisher.close()


async def test_bus_started_without_nats_connects_when_it_appears(
    sqlite_db: Database, eventually: Eventually
) -> None:
    server = EmbeddedNats()  # its port is chosen, but it is not running yet
    bus = EventBus(server.url, service="late", reconnect_wait=0.05, connect_timeout=0.2)
    relay = OutboxRelay(sqlite_db, bus, min_backoff=0.05, max_backoff=0.1)
    try:
        await bus.start()  # must not raise
        await relay.start()
        assert not bus.connected
        [envelope] = await commit_events(sqlite_db, "late", [1], relay)

        async def relay_has_failed() -> bool:
            return (await outbox(sqlite_db))[0].last_error is not None

        await eventually(relay_has_failed)
        server.start()
        async with asyncio.timeout(10):
            await bus.wait_connected()
        await eventually(lambda: all_published(sqlite_db))

        [row] = await outbox(sqlite_db)
        assert row.id == envelope.id
        assert row.attempts >= 2  # failed while NATS was away, then succeeded
    finally:
        await relay.stop()
        await bus.close()
        server.cleanup()


async def test_prune_removes_only_rows_published_before_the_retention(
    sqlite_db: Database,
) -> None:
    old, recent, pending = await commit_events(sqlite_db, "tests", [1, 2, 3])
    async with sqlite_db.session() as session, session.begin():
        for envelope, published_at in (
            (old, utcnow() - timedelta(days=8)),
            (recent, utcnow() - timedelta(days=1)),
        ):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == envelope.id)
                .values(published_at=published_at)
            )
    relay = OutboxRelay(sqlite_db, EventBus("nats://127.0.0.1:1", service="tests"))

    assert await relay.prune() == 1
    assert [row.id for row in await outbox(sqlite_db)] == [recent.id, pending.id]


class RecordingBus(EventBus):
    """Counts every publish by event id: JetStream's duplicate window would hide a second
    send, so the relays' own output is what is checked."""

    def __init__(self, sent: list[str]) -> None:
        super().__init__("nats://127.0.0.1:1", service="recorder")
        self.sent = sent

    @property
    def connected(self) -> bool:
        return True

    async def publish(
        self, subject: str, payload: bytes, *, msg_id: str, headers: dict[str, str] | None = None
    ) -> api.PubAck:
        self.sent.append(msg_id)
        await asyncio.sleep(0.001)  # a network round trip: lets the other relay run meanwhile
        return api.PubAck(stream="RECORDER", seq=len(self.sent))


async def test_relays_of_two_replicas_on_one_sqlite_file_send_each_event_once_in_order(
    sqlite_db: Database,
) -> None:
    # ``--replicas`` on SQLite: each replica process has its own engine on the same file.
    envelopes = await commit_events(sqlite_db, "replicated", list(range(40)))
    sent: list[str] = []
    replicas = [Database(sqlite_db.url) for _ in range(2)]
    relays = [OutboxRelay(db, RecordingBus(sent), batch_size=5) for db in replicas]
    try:
        for _ in range(100):
            if await all_published(sqlite_db):
                break
            await asyncio.gather(*(relay.drain_once() for relay in relays))
    finally:
        for db in replicas:
            await db.dispose()

    assert await all_published(sqlite_db)
    assert [n for n in Counter(sent).values() if n != 1] == []
    assert sent == [str(e.id) for e in envelopes]


# Several relays on one database is a PostgreSQL deployment (replicas of a service).
@pytest.mark.postgres
@pytest.mark.parametrize("database_engine", ["postgres"])
async def test_relays_of_two_replicas_neither_double_send_nor_reorder(
    platform_db: Database, bus: EventBus, js: JetStreamContext, service: str
) -> None:
    envelopes = await commit_events(platform_db, service, list(range(40)))
    relays = [OutboxRelay(platform_db, bus, batch_size=5) for _ in range(2)]

    sent = 0
    while not await all_published(platform_db):
        sent += sum(await asyncio.gather(*(relay.drain_once() for relay in relays)))

    assert sent == len(envelopes)
    stored = await stored_messages(js, stream_name(service))
    assert [msg_id for msg_id, _ in stored] == [str(e.id) for e in envelopes]


def keyed_event_type(service: str) -> type[Event]:
    class Moved(Event):
        TYPE: ClassVar[str] = f"{service}.thing.moved.v1"

        key: str
        n: int

        def event_subject(self) -> str:
            return self.key

    return Moved


class HiccupBus(EventBus):
    """The real bus, whose publish of one chosen event fails the first time (a broker
    hiccup), and which counts how many publishes wait for their ack at once."""

    def __init__(self, url: str, service: str, fail_once: set[str]) -> None:
        super().__init__(url, service=service)
        self.fail_once = fail_once
        self.attempts: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def publish(
        self, subject: str, payload: bytes, *, msg_id: str, headers: dict[str, str] | None = None
    ) -> api.PubAck:
        self.attempts.append(msg_id)
        if msg_id in self.fail_once:
            self.fail_once.discard(msg_id)
            raise TimeoutError("no ack from the broker")
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await super().publish(subject, payload, msg_id=msg_id, headers=headers)
        finally:
            self.in_flight -= 1


async def test_a_pipelined_batch_stores_every_row_once_and_each_things_rows_in_order(
    platform_db: Database, nats_server: EmbeddedNats, js: JetStreamContext, service: str
) -> None:
    moved = keyed_event_type(service)
    async with UnitOfWork(platform_db, source=service) as uow:
        # Interleaved as a service's commits would be: four things, three events each.
        envelopes = [uow.publish(moved(key=f"order-{k}", n=n)) for n in range(3) for k in range(4)]
        await uow.commit()
    failing = next(e for e in envelopes if e.subject == "order-1" and e.data["n"] == 1)
    bus = HiccupBus(nats_server.url, service, fail_once={str(failing.id)})
    await bus.start()
    relay = OutboxRelay(platform_db, bus)
    try:
        first_round = await relay.drain_once()
        second_round = await relay.drain_once()
    finally:
        await bus.close()

    # The failed row stopped its own thing only: its later row waited for the next round.
    assert (first_round, second_round) == (len(envelopes) - 2, 2)
    assert bus.most_in_flight > 1  # the acks of different things were awaited together
    stored = [msg_id for msg_id, _ in await stored_messages(js, stream_name(service))]
    assert sorted(stored) == sorted(str(e.id) for e in envelopes)  # each once
    for k in range(4):
        ids = [str(e.id) for e in envelopes if e.subject == f"order-{k}"]
        assert [msg_id for msg_id in stored if msg_id in ids] == ids
    # Every row was sent once, except the failed one, which was sent again.
    assert Counter(bus.attempts)[str(failing.id)] == 2
    assert len(bus.attempts) == len(envelopes) + 1
    rows = {row.id: row for row in await outbox(platform_db)}
    assert all(row.published_at is not None for row in rows.values())
    assert rows[failing.id].attempts == 2
    assert rows[failing.id].last_error == "TimeoutError: no ack from the broker"


async def all_published(db: Database) -> bool:
    return all(row.published_at is not None for row in await outbox(db))
