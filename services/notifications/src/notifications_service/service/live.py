"""Page state pushed as it changes: an order's new status goes to its owner's open sockets at
once, whatever their preferences (it is what a page they have open shows, not news).

No database on this path: the push is made from the event alone, by a consumer of its own
(``consumers.live``), so it does not wait behind the inbox's transactions. Pushing the same
status twice (a redelivery) changes nothing on a page; a status change older than
``STALE_AFTER`` (a consumer catching up after downtime, a replay) is not pushed at all: a page
opened since has read the order itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from marketplace_platform.clock import utcnow
from notifications_service.domain.messages import order_status_message
from notifications_service.service.ports import Pusher

STALE_AFTER = timedelta(minutes=1)


async def order_status_changed(
    *,
    pusher: Pusher,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    from_status: str,
    to_status: str,
    reason: str | None,
    changed_at: datetime,
) -> bool:
    """Push the new status to the owner's sockets; False if it was too old to push."""
    if utcnow() - changed_at > STALE_AFTER:
        return False
    await pusher.push(
        user_id,
        order_status_message(
            order_id=order_id, status=to_status, from_status=from_status, reason=reason,
            changed_at=changed_at,
        ),
    )
    return True
