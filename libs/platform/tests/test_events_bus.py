import asyncio
import uuid
from collections.abc import Awaitable, Callable

import orjson
import pytest
from nats.js import JetStreamContext, api
from sqlalchemy import Table, insert, select, update

from marketplace_contracts import Envelope, stream_name
from marketplace_platform.db import Database
from marketplace_platform.events import BrokerUnavailable, EventBus, UnitOfWork, handle_once
from marketplace_platform.testing.nats import EmbeddedNats

Eventually = Callable[..., Awaitable[None]]


def envelope_for(service: str, n: int = 0) -> Envelope:
    return Envelope(
        id=uuid.uuid4(), type=f"{service}.thing.pinged.v1", source=service, data={"n": n}
    )


async def publish(bus: EventBus, envelope: Envelope, *, msg_id: str | None = None) -> api.PubAck:
    payload = orjson.dumps(envelope.model_dump(mode="json"))
    return await bus.publish(envelope.type, payload, msg_id=msg_id or str(envelope.id))


@pytest.mark.unit
def test_consume_refuses_subjects_without_a_publisher_or_none_at_all() -> None:
    bus = EventBus("nats://127.0.0.1:1", service="tests")

    async def handler(envelope: Envelope) -> None: ...

    with pytest.raises(ValueError, match="publishing service"):
        bus.consume("tests", ["*.user.registered.v1"], handler)
    with pytest.raises(ValueError, match="at least one subject"):
        bus.consume("tests", [], handler)


@pytest.mark.unit
def test_a_durable_consumer_is_registered_once() -> None:
    bus = EventBus("nats://127.0.0.1:1", service="tests")

    async def handler(envelope: Envelope) -> None: ...

    bus.consume("mail", ["auth.user.>"], handler)
    with pytest.raises(ValueError, match="already registered"):
        bus.consume("mail", ["orders.order.>"], handler)


@pytest.mark.unit
async def test_publishing_while_not_connected_fails_fast() -> None:
    bus = EventBus("nats://127.0.0.1:1", service="tests")

    with pytest.raises(BrokerUnavailable):
        await bus.publish("tests.thing.pinged.v1", b"{}", msg_id="1")


@pytest.mark.integration
async def test_start_declares_the_service_stream_and_the_dead_letter_stream(
    bus: EventBus, js: JetStreamContext, service: str, eventually: Eventually
) -> None:
    async def declared() -> bool:
        names = {info.config.name for info in await js.streams_info()}
        return {stream_name(service), "DLQ"} <= names

    await eventually(declared)
    info = await js.stream_info(stream_name(service))
    assert info.config.subjects == [f"{service}.>"]
    assert info.config.storage == api.StorageType.FILE
    assert info.config.duplicate_window == 120
    assert (await js.stream_info("DLQ")).config.subjects == ["dlq.>"]


@pytest.mark.integration
async def test_publish_is_acknowledged_and_deduplicated_by_msg_id(
    bus: EventBus, service: str
) -> None:
    envelope = envelope_for(service)

    first = await publish(bus, envelope)
    again = await publish(bus, envelope)

    assert first.stream == stream_name(service)
    assert not first.duplicate
    assert again.duplicate
    assert again.seq == first.seq


@pytest.mark.integration
async def test_consumer_receives_events_of_several_publishers(
    nats_server: EmbeddedNats, bus: EventBus, service: str
) -> None:
    other = EventBus(nats_server.url, service=f"{service}x")
    await other.start()
    received: asyncio.Queue[Envelope] = asyncio.Queue()

    async def handler(envelope: Envelope) -> None:
        await received.put(envelope)

    bus.consume(service, [f"{service}.thing.>", f"{service}x.thing.pinged.v1"], handler)
    ours, theirs = envelope_for(service), envelope_for(f"{service}x")
    await publish(bus, ours)
    await publish(other, theirs)

    got = {(await asyncio.wait_for(received.get(), 10)).id for _ in range(2)}
    assert got == {ours.id, theirs.id}
    await other.close()


@pytest.mark.integration
async def test_redelivered_event_changes_nothing(
    sqlite_db: Database, tallies_table: Table, bus: EventBus, service: str
) -> None:
    """The handler's transaction commits but the ack is lost (here: the handler fails after
    committing), so JetStream delivers the event again; the inbox makes that a no-op."""
    outcomes: asyncio.Queue[bool] = asyncio.Queue()

    async def count(uow: UnitOfWork) -> None:
        changed = await uow.session.execute(
            update(tallies_table)
            .where(tallies_table.c.name == "pings")
            .values(count=tallies_table.c.count + 1)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            await uow.session.execute(insert(tallies_table).values(name="pings", count=1))

    async def handler(envelope: Envelope) -> None:
        uow = UnitOfWork(sqlite_db, source=service)
        applied = await handle_once(uow, consumer="counter", envelope=envelope, effect=count)
        await outcomes.put(applied)
        if applied:
            raise ConnectionResetError("lost the ack after committing")

    bus.consume("counter", [f"{service}.>"], handler, backoff=[0.01])
    await publish(bus, envelope_for(service))

    assert await asyncio.wait_for(outcomes.get(), 10) is True
    assert await asyncio.wait_for(outcomes.get(), 10) is False
    async with sqlite_db.read_session() as session:
        count_now = await session.scalar(
            select(tallies_table.c.count).where(tallies_table.c.name == "pings")
        )
    assert count_now == 1


@pytest.mark.integration
async def test_failed_handler_gets_the_event_again(bus: EventBus, service: str) -> None:
    attempts: asyncio.Queue[int] = asyncio.Queue()
    seen = 0

    async def flaky(envelope: Envelope) -> None:
        nonlocal seen
        seen += 1
        await attempts.put(seen)
        if seen < 3:
            raise RuntimeError("not yet")

    bus.consume("flaky", [f"{service}.>"], flaky, backoff=[0.01, 0.02], max_deliver=5)
    await publish(bus, envelope_for(service))

    assert [await asyncio.wait_for(attempts.get(), 10) for _ in range(3)] == [1, 2, 3]


@pytest.mark.integration
async def test_replicas_sharing_a_durable_consumer_handle_each_event_once(
    nats_server: EmbeddedNats, bus: EventBus, service: str
) -> None:
    replicas = [EventBus(nats_server.url, service="reader") for _ in range(2)]
    handled: list[tuple[int, uuid.UUID]] = []
    done = asyncio.Event()
    second_replica_busy = asyncio.Event()
    events = [envelope_for(service, n) for n in range(10)]

    def handler_of(replica: int) -> Callable[[Envelope], Awaitable[None]]:
        async def handler(envelope: Envelope) -> None:
            if replica == 0 and not second_replica_busy.is_set():
                # Hold this replica's first event until the other has one: only sharing the
                # consumer can make that happen.
                await asyncio.wait_for(second_replica_busy.wait(), 10)
            if replica == 1:
                second_replica_busy.set()
            handled.append((replica, envelope.id))
            if len(handled) == len(events):
                done.set()

        return handler

    for index, replica in enumerate(replicas):
        replica.consume("reader", [f"{service}.>"], handler_of(index), batch=1)
        await replica.start()
    try:
        for envelope in events:
            await publish(bus, envelope)
        await asyncio.wait_for(done.wait(), 15)
    finally:
        for replica in replicas:
            await replica.close()

    assert sorted(str(event_id) for _, event_id in handled) == sorted(str(e.id) for e in events)
    assert {replica for replica, _ in handled} == {0, 1}


@pytest.mark.integration
async def test_close_lets_a_running_handler_finish_and_ack(
    nats_server: EmbeddedNats, bus: EventBus, service: str, eventually: Eventually
) -> None:
    consumer = EventBus(nats_server.url, service="slow", stop_grace=5.0)
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[uuid.UUID] = []

    async def slow(envelope: Envelope) -> None:
        started.set()
        await release.wait()
        finished.append(envelope.id)

    consumer.consume("slow", [f"{service}.>"], slow)
    await consumer.start()
    envelope = envelope_for(service)
    await publish(bus, envelope)
    await asyncio.wait_for(started.wait(), 10)

    closing = asyncio.create_task(consumer.close())
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(closing, 10)

    assert finished == [envelope.id]

    async def acked() -> bool:
        info = await bus.jetstream.consumer_info(stream_name(service), "slow")
        return (info.num_ack_pending, info.num_pending) == (0, 0)

    # Unacked, it would stay pending for the 30 s ack wait.
    await eventually(acked)


@pytest.mark.integration
async def test_a_long_handler_keeps_its_message_from_redelivery(
    nats_server: EmbeddedNats, bus: EventBus, service: str
) -> None:
    replicas = [EventBus(nats_server.url, service="patient") for _ in range(2)]
    handled: list[uuid.UUID] = []
    arrived: asyncio.Queue[uuid.UUID] = asyncio.Queue()

    async def handler(envelope: Envelope) -> None:
        if envelope.data["n"] == 0:
            # Twice the ack wait: without progress reports JetStream would give the message
            # to the idle replica meanwhile.
            await asyncio.sleep(2.0)
        handled.append(envelope.id)
        await arrived.put(envelope.id)

    for replica in replicas:
        replica.consume("patient", [f"{service}.>"], handler, batch=1, ack_wait=1.0)
        await replica.start()
    try:
        slow, sentinel = envelope_for(service, 0), envelope_for(service, 1)
        await publish(bus, slow)
        await publish(bus, sentinel)
        assert {await asyncio.wait_for(arrived.get(), 10) for _ in range(2)} == {
            slow.id,
            sentinel.id,
        }
    finally:
        for replica in replicas:
            await replica.close()

    assert sorted(map(str, handled)) == sorted([str(slow.id), str(sentinel.id)])


@pytest.mark.integration
async def test_closing_a_bus_that_never_connected_is_clean() -> None:
    bus = EventBus("nats://127.0.0.1:1", service="tests", connect_timeout=0.1, reconnect_wait=0.05)

    async def handler(envelope: Envelope) -> None: ...

    bus.consume("tests", ["tests.>"], handler)
    await bus.start()
    assert not bus.connected
    await bus.close()
    assert not bus.connected


@pytest.mark.integration
async def test_a_long_handler_keeps_the_rest_of_its_batch_from_redelivery(
    nats_server: EmbeddedNats,
    bus: EventBus,
    service: str,
    js: JetStreamContext,
    eventually: Eventually,
) -> None:
    consumer = EventBus(nats_server.url, service="batched", stop_grace=1.0)
    deliveries: list[uuid.UUID] = []

    async def handler(envelope: Envelope) -> None:
        if envelope.data["n"] == 0:
            # Over twice the ack wait, while the rest of the fetched batch waits its turn:
            # without progress reports for them too, JetStream would send them again.
            await asyncio.sleep(2.5)
        deliveries.append(envelope.id)

    events = [envelope_for(service, n) for n in range(4)]
    for envelope in events:
        await publish(bus, envelope)
    consumer.consume("batched", [f"{service}.>"], handler, batch=10, ack_wait=1.0)
    await consumer.start()
    try:

        async def all_acked() -> bool:
            if len(deliveries) < len(events):
                return False
            info = await js.consumer_info(stream_name(service), "batched")
            return (info.num_ack_pending, info.num_pending) == (0, 0)

        await eventually(all_acked, timeout=20)
        # A redelivery would come at the next pull after the ack wait: give it the time.
        await asyncio.sleep(2.0)
    finally:
        await consumer.close()

    assert sorted(map(str, deliveries)) == sorted(str(e.id) for e in events)
    info = await js.consumer_info(stream_name(service), "batched")
    assert info.num_redelivered == 0


def quick_stopping(nats_server: EmbeddedNats, service: str) -> EventBus:
    return EventBus(nats_server.url, service=service, stop_grace=1.0)


async def done_with(condition: bool) -> bool:
    """A condition already worked out, as ``eventually`` awaits it."""
    return condition


def envelope_about(service: str, key: str, n: int) -> Envelope:
    """An event about ``key`` (its ``subject``: an order id, say)."""
    return Envelope(
        id=uuid.uuid4(),
        type=f"{service}.thing.pinged.v1",
        source=service,
        subject=key,
        data={"n": n},
    )


@pytest.mark.integration
async def test_events_about_one_thing_run_in_order_and_others_beside_them(
    nats_server: EmbeddedNats, bus: EventBus, service: str, eventually: Eventually
) -> None:
    consumer = quick_stopping(nats_server, "keyed")
    log: list[tuple[str, str, int]] = []
    others_done = asyncio.Event()
    events = [envelope_about(service, key, n) for n in range(4) for key in ("a", "b")]

    async def handler(envelope: Envelope) -> None:
        key, n = envelope.subject or "", envelope.data["n"]
        log.append(("start", key, n))
        if (key, n) == ("a", 0):
            # Held until every event about "b" is handled: only handling another key beside
            # this one lets that happen; the other events about "a" must wait meanwhile.
            await asyncio.wait_for(others_done.wait(), 10)
        await asyncio.sleep(0.01)
        log.append(("end", key, n))
        if sum(1 for step, k, _ in log if (step, k) == ("end", "b")) == 4:
            others_done.set()

    consumer.consume("keyed", [f"{service}.>"], handler, concurrency=4)
    await consumer.start()
    try:
        for envelope in events:
            await publish(bus, envelope)
        await eventually(lambda: done_with(len(log) == 2 * len(events)), timeout=15)
    finally:
        await consumer.close()

    for key in ("a", "b"):
        steps = [(step, n) for step, k, n in log if k == key]
        # One at a time and in the stream's order: each starts after the one before it ended.
        assert steps == [(step, n) for n in range(4) for step in ("start", "end")]
    assert log.index(("end", "b", 3)) < log.index(("end", "a", 0))


@pytest.mark.integration
async def test_a_consumer_runs_at_most_its_concurrency_at_once(
    nats_server: EmbeddedNats, bus: EventBus, service: str, eventually: Eventually
) -> None:
    consumer = quick_stopping(nats_server, "bounded")
    running, most, handled = 0, 0, 0

    async def handler(envelope: Envelope) -> None:
        nonlocal running, most, handled
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1
        handled += 1

    for n in range(12):
        await publish(bus, envelope_about(service, f"thing-{n}", n))
    consumer.consume("bounded", [f"{service}.>"], handler, concurrency=3, batch=10)
    await consumer.start()
    try:
        await eventually(lambda: done_with(handled == 12), timeout=15)
    finally:
        await consumer.close()

    assert most == 3


@pytest.mark.integration
async def test_a_failing_event_holds_up_no_other_key_while_it_waits_for_its_retry(
    nats_server: EmbeddedNats, bus: EventBus, service: str, eventually: Eventually
) -> None:
    consumer = quick_stopping(nats_server, "retrying")
    handled: list[tuple[str, int, float]] = []
    tries = 0
    failed_at = 0.0

    async def handler(envelope: Envelope) -> None:
        nonlocal tries, failed_at
        key, n = envelope.subject or "", envelope.data["n"]
        if key == "bad":
            tries += 1
            if tries == 1:
                failed_at = asyncio.get_running_loop().time()
                raise RuntimeError("the database blinked")
        handled.append((key, n, asyncio.get_running_loop().time()))

    consumer.consume("retrying", [f"{service}.>"], handler, backoff=[1.5], concurrency=4)
    await consumer.start()
    try:
        await publish(bus, envelope_about(service, "bad", 0))
        for n in range(5):
            await publish(bus, envelope_about(service, f"good-{n}", n))
        await eventually(lambda: done_with(len(handled) == 6), timeout=15)
    finally:
        await consumer.close()

    good = [at for key, _, at in handled if key != "bad"]
    [(_, _, bad_at)] = [entry for entry in handled if entry[0] == "bad"]
    assert tries == 2
    # The others went through well inside the failed event's 1.5 s retry delay ...
    assert max(good) - failed_at < 1.0
    # ... which it was given back after, and then handled.
    assert bad_at - failed_at >= 1.4
