"""The ``notifications-live`` consumer: orders' status changes, pushed to their owners'
sockets straight from the event (``service.live``), apart from the inbox's consumer so that
the push waits for no database transaction.

Durable and shared by the replicas like the other: one replica handles each event and the
core NATS fan-out reaches the replica that holds the sockets. No inbox: a push repeated by a
redelivery shows the same status again.
"""

from __future__ import annotations

from marketplace_contracts import Envelope, OrderStatusChanged
from marketplace_platform.events.bus import EventBus
from notifications_service.service import live
from notifications_service.service.ports import Pusher

CONSUMER = "notifications-live"
SUBJECTS = (OrderStatusChanged.TYPE,)


async def handle(envelope: Envelope, pusher: Pusher) -> None:
    if envelope.type != OrderStatusChanged.TYPE:
        return
    changed = envelope.parse(OrderStatusChanged)
    await live.order_status_changed(
        pusher=pusher, order_id=changed.order_id, user_id=changed.user_id,
        from_status=changed.from_status, to_status=changed.to_status, reason=changed.reason,
        changed_at=changed.changed_at,
    )


def register(bus: EventBus, pusher: Pusher) -> None:
    async def handler(envelope: Envelope) -> None:
        await handle(envelope, pusher)

    # Small batches: a push is quick, and a status waiting behind a batch is a late page.
    bus.consume(CONSUMER, SUBJECTS, handler, batch=1, max_deliver=3, backoff=(0.5, 1.0))
