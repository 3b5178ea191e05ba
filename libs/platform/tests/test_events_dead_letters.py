import asyncio
import uuid
from collections.abc import Awaitable, Callable

import orjson
import pytest
from nats.js import JetStreamContext

from marketplace_contracts import Envelope, stream_name
from marketplace_platform.events import (
    DeadLetterNotFound,
    EventBus,
    discard,
    list_dead_letters,
    replay,
)
from marketplace_platform.events.dead_letters import (
    dead_letter_headers,
    error_text,
    one_line,
)
from marketplace_platform.testing.nats import EmbeddedNats

Eventually = Callable[..., Awaitable[None]]


def envelope_for(service: str, n: int = 0) -> Envelope:
    return Envelope(
        id=uuid.uuid4(), type=f"{service}.thing.pinged.v1", source=service, data={"n": n}
    )


async def publish(bus: EventBus, envelope: Envelope) -> None:
    payload = orjson.dumps(envelope.model_dump(mode="json"))
    await bus.publish(envelope.type, payload, msg_id=str(envelope.id))


@pytest.mark.unit
def test_dead_letter_headers_describe_the_failure_on_one_line() -> None:
    headers = dead_letter_headers(
        original={"Nats-Msg-Id": "e1", "traceparent": "00-abc", "Dlq-Replay-For": "x"},
        subject="orders.order.paid.v1",
        stream="ORDERS",
        stream_seq=42,
        consumer="notifications",
        error="KeyError: 'user'\nTraceback...",
        deliveries=5,
    )

    assert headers == {
        "traceparent": "00-abc",
        "Dlq-Msg-Id": "e1",
        "Dlq-Subject": "orders.order.paid.v1",
        "Dlq-Stream": "ORDERS",
        "Dlq-Sequence": "42",
        "Dlq-Consumer": "notifications",
        "Dlq-Error": "KeyError: 'user' Traceback...",
        "Dlq-Deliveries": "5",
        "Nats-Msg-Id": "ORDERS:42:notifications",
    }


@pytest.mark.unit
def test_long_errors_are_cut_with_an_ascii_marker() -> None:
    cut = one_line("x" * 10_000)

    assert len(cut) == 500
    assert cut.endswith("...")


@pytest.mark.unit
def test_error_headers_are_ascii_and_read_back_as_written() -> None:
    error = "ValueError: заказ 42 не найден (100% sure)"
    headers = dead_letter_headers(
        original=None,
        subject="orders.order.paid.v1",
        stream="ORDERS",
        stream_seq=1,
        consumer="notifications",
        error=error,
        deliveries=5,
    )

    assert headers["Dlq-Error"].isascii()
    assert headers["Dlq-Error"].startswith("ValueError: ")
    assert error_text(headers["Dlq-Error"]) == error


@pytest.mark.integration
async def test_always_failing_event_is_parked_listed_and_replayed(
    nats_server: EmbeddedNats,
    bus: EventBus,
    js: JetStreamContext,
    service: str,
    eventually: Eventually,
) -> None:
    attempts: list[uuid.UUID] = []
    processed: asyncio.Queue[Envelope] = asyncio.Queue()
    broken = True

    async def handler(envelope: Envelope) -> None:
        if broken:
            attempts.append(envelope.id)
            raise ValueError(f"cannot handle {envelope.data}")
        await processed.put(envelope)

    bus.consume("picky", [f"{service}.>"], handler, max_deliver=3, backoff=[0.01, 0.02])
    envelope = envelope_for(service, 7)
    await publish(bus, envelope)

    async def parked() -> bool:
        return bool(await list_dead_letters(bus, consumer="picky"))

    await eventually(parked)
    [letter] = await list_dead_letters(bus, consumer="picky")
    assert attempts == [envelope.id] * 3
    assert letter.consumer == "picky"
    assert letter.subject == envelope.type
    assert letter.stream == stream_name(service)
    assert letter.stream_seq == 1
    assert letter.deliveries == 3
    assert letter.error == "ValueError: cannot handle {'n': 7}"
    assert (letter.envelope_id, letter.envelope_type) == (envelope.id, envelope.type)
    assert letter.failed_at is not None

    broken = False
    # As the operator's CLI does it: a client of its own, with no stream of its own.
    operator = EventBus(nats_server.url, service="operator", own_stream=False)
    await operator.start()
    try:
        replayed = await replay(operator, letter.seq)

        assert replayed.envelope_id == envelope.id
        assert (await asyncio.wait_for(processed.get(), 10)) == envelope
        assert await list_dead_letters(operator, consumer="picky") == []
        with pytest.raises(DeadLetterNotFound):
            await replay(operator, letter.seq)
        assert "OPERATOR" not in {info.config.name for info in await js.streams_info()}
    finally:
        await operator.close()


@pytest.mark.integration
async def test_replay_reaches_only_the_consumer_that_failed(
    bus: EventBus, service: str, eventually: Eventually
) -> None:
    failing_ok = False
    picky: asyncio.Queue[Envelope] = asyncio.Queue()
    easy: asyncio.Queue[Envelope] = asyncio.Queue()

    async def picky_handler(envelope: Envelope) -> None:
        if not failing_ok:
            raise ValueError("no")
        await picky.put(envelope)

    async def easy_handler(envelope: Envelope) -> None:
        await easy.put(envelope)

    bus.consume("picky", [f"{service}.>"], picky_handler, max_deliver=1)
    bus.consume("easy", [f"{service}.>"], easy_handler)
    envelope = envelope_for(service, 1)
    await publish(bus, envelope)
    assert (await asyncio.wait_for(easy.get(), 10)).id == envelope.id

    async def parked() -> bool:
        return bool(await list_dead_letters(bus, consumer="picky"))

    await eventually(parked)
    [letter] = await list_dead_letters(bus, consumer="picky")
    failing_ok = True
    await replay(bus, letter.seq)
    sentinel = envelope_for(service, 2)
    await publish(bus, sentinel)

    assert [(await asyncio.wait_for(picky.get(), 10)).id for _ in range(2)] == [
        envelope.id,
        sentinel.id,
    ]
    # "easy" handled the event the first time; the replayed copy was not meant for it.
    assert (await asyncio.wait_for(easy.get(), 10)).id == sentinel.id


@pytest.mark.integration
async def test_unparseable_message_is_parked_without_calling_the_handler(
    bus: EventBus, service: str, eventually: Eventually
) -> None:
    called: list[Envelope] = []

    async def handler(envelope: Envelope) -> None:
        called.append(envelope)

    bus.consume("strict", [f"{service}.>"], handler)
    await bus.publish(f"{service}.thing.pinged.v1", b"not json", msg_id="garbage")

    async def parked() -> bool:
        return bool(await list_dead_letters(bus, consumer="strict"))

    await eventually(parked)
    [letter] = await list_dead_letters(bus, consumer="strict")
    assert letter.error.startswith("unparseable envelope")
    assert letter.deliveries == 1
    assert letter.payload == b"not json"
    assert (letter.envelope_id, letter.envelope_type) == (None, None)
    assert called == []

    await discard(bus, letter.seq)
    assert await list_dead_letters(bus, consumer="strict") == []


@pytest.mark.integration
async def test_listing_respects_the_limit_and_keeps_the_order(
    bus: EventBus, service: str, eventually: Eventually
) -> None:
    async def handler(envelope: Envelope) -> None:
        raise RuntimeError("down")

    bus.consume("broken", [f"{service}.>"], handler, max_deliver=1)
    envelopes = [envelope_for(service, n) for n in range(3)]
    for envelope in envelopes:
        await publish(bus, envelope)

    async def all_parked() -> bool:
        return len(await list_dead_letters(bus, consumer="broken")) == 3

    await eventually(all_parked)
    letters = await list_dead_letters(bus, consumer="broken", limit=2)
    assert [letter.envelope_id for letter in letters] == [e.id for e in envelopes[:2]]


@pytest.mark.integration
async def test_event_whose_handler_never_finishes_is_parked_not_retried_forever(
    nats_server: EmbeddedNats, bus: EventBus, service: str, eventually: Eventually
) -> None:
    hung = asyncio.Event()
    calls = 0

    async def hangs(envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        hung.set()
        await asyncio.Event().wait()

    # The replica dies mid-handler (stopped without grace): the message is never acked.
    first = EventBus(nats_server.url, service="stuck", stop_grace=0.0)
    first.consume("stuck", [f"{service}.>"], hangs, max_deliver=1, ack_wait=0.3)
    await first.start()
    await publish(bus, envelope_for(service))
    await asyncio.wait_for(hung.wait(), 10)
    await first.close()

    second = EventBus(nats_server.url, service="stuck")
    second.consume("stuck", [f"{service}.>"], hangs, max_deliver=1, ack_wait=0.3)
    await second.start()
    try:

        async def parked() -> bool:
            return bool(await list_dead_letters(bus, consumer="stuck"))

        await eventually(parked)
    finally:
        await second.close()
    [letter] = await list_dead_letters(bus, consumer="stuck")
    assert letter.deliveries == 2
    assert letter.error == "no result after the delivery limit"
    assert calls == 1
