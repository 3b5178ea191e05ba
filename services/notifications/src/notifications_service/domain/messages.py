"""What travels to the browser: the JSON documents of notifications, and the messages of the
real-time channel (``/ws``), ``{"type": ..., "data": {...}}``.

- ``notification``: a new notification (``data`` as in the inbox; ``replaces`` names the one
  it takes the place of, for folded likes);
- ``unread``: the user's unread count changed (``{"unread": n}``);
- ``order.status``: one of the user's orders changed status (sent whatever the preferences
  say: it is the state of a page the user may have open);
- ``hello``: the first message on a socket: who it is for, the unread count, when the token
  expires;
- ``heartbeat``: every few seconds of silence, so a client can tell a dead connection.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from notifications_service.domain.notifications import Notification

Message = dict[str, Any]


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def notification_document(notification: Notification) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "type": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "count": notification.count,
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at),
    }


def notification_message(notification: Notification, replaces: uuid.UUID | None = None) -> Message:
    data = notification_document(notification)
    if replaces is not None:
        data["replaces"] = str(replaces)
    return {"type": "notification", "data": data}


def unread_message(unread: int) -> Message:
    return {"type": "unread", "data": {"unread": unread}}


def order_status_message(
    *,
    order_id: uuid.UUID,
    status: str,
    from_status: str,
    reason: str | None,
    changed_at: datetime,
) -> Message:
    return {
        "type": "order.status",
        "data": {
            "order_id": str(order_id),
            "status": status,
            "from_status": from_status,
            "reason": reason,
            "changed_at": iso(changed_at),
        },
    }


def hello_message(*, user_id: uuid.UUID, unread: int, expires_at: datetime) -> Message:
    return {
        "type": "hello",
        "data": {"user_id": str(user_id), "unread": unread, "expires_at": iso(expires_at)},
    }


def heartbeat_message(at: datetime) -> Message:
    return {"type": "heartbeat", "data": {"time": iso(at)}}
