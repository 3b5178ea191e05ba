"""Gauges of a service's event pipeline on ``/metrics``, read when it is scraped:

- ``outbox_backlog``: events committed but not yet published (the relay's work left; it grows
  while NATS is down and drains when it is back), and ``outbox_oldest_unpublished_seconds``;
- ``consumer_pending_messages``: per consumer, the stream's messages not yet delivered to it
  (JetStream's ``num_pending``: its lag), and ``consumer_ack_pending_messages``, delivered but
  not yet acknowledged;
- ``dead_letters``: per consumer, the messages parked in the ``DLQ`` stream for it.

A figure that cannot be read right now (the broker is down) is left out of the scrape rather
than shown stale: an absent series is what alerting rules treat as "unknown".
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select

from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.dead_letters import DEAD_LETTER_PREFIX
from marketplace_platform.events.models import OutboxMessage

log = logging.getLogger(__name__)

# The longest a scrape waits for the database or the broker.
READ_TIMEOUT = 2.0


class EventMetrics:
    def __init__(
        self, registry: CollectorRegistry, *, service: str, db: Database, bus: EventBus
    ) -> None:
        self.service = service
        self.db = db
        self.bus = bus
        self.outbox_backlog = Gauge(
            "outbox_backlog",
            "Events committed but not yet published",
            ["service"],
            registry=registry,
        )
        self.outbox_oldest = Gauge(
            "outbox_oldest_unpublished_seconds",
            "Age of the oldest event not yet published (0: none)",
            ["service"],
            registry=registry,
        )
        self.consumer_pending = Gauge(
            "consumer_pending_messages",
            "Messages of the stream not yet delivered to the consumer (JetStream num_pending)",
            ["service", "consumer", "stream"],
            registry=registry,
        )
        self.consumer_ack_pending = Gauge(
            "consumer_ack_pending_messages",
            "Messages delivered to the consumer and not yet acknowledged",
            ["service", "consumer", "stream"],
            registry=registry,
        )
        self.dead_letters = Gauge(
            "dead_letters",
            "Messages parked in the dead-letter stream for the consumer",
            ["service", "consumer"],
            registry=registry,
        )

    async def observe(self) -> None:
        """Read every figure now; one that cannot be read is dropped from the scrape."""
        for read in (self._observe_outbox, self._observe_consumers):
            try:
                async with asyncio.timeout(READ_TIMEOUT):
                    await read()
            except Exception as error:  # a scrape never fails for want of one figure
                log.debug("a metric could not be read: %s", error)

    async def _observe_outbox(self) -> None:
        query = select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.published_at.is_(None)
        )
        try:
            async with self.db.read_session() as session:
                count, oldest = (await session.execute(query)).one()
        except Exception:
            self.outbox_backlog.clear()
            self.outbox_oldest.clear()
            raise
        self.outbox_backlog.labels(self.service).set(count)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        self.outbox_oldest.labels(self.service).set(max(age, 0.0))

    async def _observe_consumers(self) -> None:
        consumers = self.bus.consumers
        if not consumers:
            return
        if not self.bus.connected:
            self.consumer_pending.clear()
            self.consumer_ack_pending.clear()
            self.dead_letters.clear()
            return
        js = self.bus.jetstream
        for durable, stream in consumers:
            try:
                info = await js.consumer_info(stream, durable)
            except Exception as error:  # not created yet (the publisher never ran)
                log.debug("no figures for consumer %s on %s: %s", durable, stream, error)
                continue
            self.consumer_pending.labels(self.service, durable, stream).set(info.num_pending or 0)
            self.consumer_ack_pending.labels(self.service, durable, stream).set(
                info.num_ack_pending or 0
            )
        for durable in sorted({durable for durable, _ in consumers}):
            parked = await js.stream_info(
                self.bus.dead_letter_stream,
                subjects_filter=f"{DEAD_LETTER_PREFIX}.{durable}.>",
            )
            subjects = parked.state.subjects or {}
            self.dead_letters.labels(self.service, durable).set(sum(subjects.values()))
