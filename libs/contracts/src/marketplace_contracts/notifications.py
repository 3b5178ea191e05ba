"""Events published by the notifications service.

A notification is the end of most event chains, so these are facts for observers (analytics
counting what users were told), not steps of a saga. Texts stay in the notifications service:
the event says what kind of notification reached whom, and when.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from marketplace_contracts.envelope import Event


class NotificationCreated(Event):
    """A notification reached a user's inbox. Likes on one item that fold into one
    notification make a new one that ``replaces`` the previous (``count`` likes in all)."""

    TYPE: ClassVar[str] = "notifications.notification.created.v1"

    notification_id: uuid.UUID
    user_id: uuid.UUID
    kind: str = Field(description="The notification type, e.g. order.status or review.liked.")
    count: int = Field(ge=1)
    replaces: uuid.UUID | None = None
    created_at: datetime

    def event_subject(self) -> str:
        return str(self.user_id)
