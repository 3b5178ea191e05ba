"""Replaying streams from their start: every stored event on some subjects, read once, in
the order of each publisher's stream, as a consumer that has just been made would get them.

A service whose state is only what events taught it can be built again from nothing this
way (analytics' ``rebuild``). Nothing is changed on the server but a short-lived consumer
per stream, deleted at the end (and by the server after a minute idle if the process dies).
What the streams no longer hold (past their ``max_age``, or purged) cannot be replayed: a
rebuild needs streams that keep everything, which is how the platform declares them unless
``stream_max_age`` is set.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from nats.js import JetStreamContext, api
from nats.js.errors import FetchTimeoutError, NotFoundError

from marketplace_contracts import Envelope, stream_name
from marketplace_platform.events.bus import EventBus, Handler, subjects_by_publisher

log = logging.getLogger(__name__)

IDLE_CONSUMER_LIFETIME = 60.0  # seconds the server keeps a replay consumer nobody reads


async def replay_streams(
    bus: EventBus,
    subjects: Sequence[str],
    handle: Handler,
    *,
    batch: int = 256,
    fetch_timeout: float = 2.0,
) -> int:
    """Call ``handle`` for every message stored on ``subjects``, stream by stream, up to the
    last one each stream held when its replay began; returns how many were handled. An
    unparseable message is logged and skipped. ``handle`` raising stops the replay."""
    js = bus.jetstream
    handled = 0
    for publisher, wanted in subjects_by_publisher(subjects).items():
        stream = stream_name(publisher)
        try:
            info = await js.stream_info(stream)
        except NotFoundError:
            continue
        last = info.state.last_seq
        if info.state.messages == 0:
            continue
        config = api.ConsumerConfig(
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.ALL,
            inactive_threshold=IDLE_CONSUMER_LIFETIME,
            mem_storage=True,
        )
        if len(wanted) == 1:
            config.filter_subject = wanted[0]
        else:
            config.filter_subjects = list(wanted)
        consumer = await js.add_consumer(stream, config)
        subscription = await js.pull_subscribe_bind(consumer=consumer.name, stream=stream)
        try:
            handled += await _read(
                subscription, handle, last=last, batch=batch, fetch_timeout=fetch_timeout
            )
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
            with contextlib.suppress(Exception):
                await js.delete_consumer(stream, consumer.name)
    return handled


async def _read(
    subscription: JetStreamContext.PullSubscription,
    handle: Handler,
    *,
    last: int,
    batch: int,
    fetch_timeout: float,
) -> int:
    handled = 0
    while True:
        try:
            messages = await subscription.fetch(batch, timeout=fetch_timeout)
        except (TimeoutError, FetchTimeoutError):
            return handled  # nothing more on these subjects
        for message in messages:
            try:
                envelope = Envelope.model_validate_json(message.data)
            except ValueError as error:
                log.warning("replay skipped an unparseable message: %s", error)
            else:
                await handle(envelope)
                handled += 1
            metadata = message.metadata
            if metadata.sequence.stream >= last or metadata.num_pending == 0:
                await message.ack()
                return handled
        await messages[-1].ack()
