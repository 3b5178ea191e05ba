"""Replaying streams from their start: every stored event on the subjects asked for, in each
stream's order, once, and nothing of the other subjects; the replay's consumer is gone
afterwards."""

import uuid

import orjson
import pytest

from marketplace_contracts import Envelope
from marketplace_platform.events import EventBus
from marketplace_platform.events.streams import replay_streams

pytestmark = pytest.mark.integration


async def test_a_replay_reads_every_stored_event_of_its_subjects_in_stream_order(
    private_nats_server,
) -> None:
    publishers = {
        name: EventBus(private_nats_server.url, service=name) for name in ("shop", "mail")
    }
    reader = EventBus(private_nats_server.url, service="reader", own_stream=False)
    for bus in (*publishers.values(), reader):
        await bus.start()
    try:
        sent: dict[str, list[int]] = {"shop.thing.made.v1": [], "mail.thing.sent.v1": []}
        for n in range(600):  # more than a batch, interleaved with a subject nobody asked for
            subject = ("shop.thing.made.v1", "shop.thing.ignored.v1", "mail.thing.sent.v1")[n % 3]
            bus = publishers[subject.split(".")[0]]
            envelope = Envelope(id=uuid.uuid4(), type=subject, source=bus.service, data={"n": n})
            await bus.publish(
                subject, orjson.dumps(envelope.model_dump(mode="json")), msg_id=str(envelope.id)
            )
            sent.get(subject, []).append(n)

        seen: dict[str, list[int]] = {"shop.thing.made.v1": [], "mail.thing.sent.v1": []}

        async def handle(envelope: Envelope) -> None:
            seen[envelope.type].append(envelope.data["n"])

        count = await replay_streams(reader, list(seen), handle, batch=64, fetch_timeout=0.5)
        assert seen == sent
        assert count == 400
        for stream in ("SHOP", "MAIL"):
            assert await reader.jetstream.consumers_info(stream) == []
        # A second replay reads it all again: the streams are untouched.
        assert await replay_streams(reader, list(seen), handle, batch=64, fetch_timeout=0.5) == 400
    finally:
        for bus in (*publishers.values(), reader):
            await bus.close()
