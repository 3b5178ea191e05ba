"""The notification aggregate: one entry of a user's inbox.

A notification is written once, in its user's language, from one event; it is then only read
(``mark_read``) or deleted. The one exception is likes: likes on the same review or comment
within a few minutes fold into one notification ("5 people liked your review") rather than
five. A fold makes a *new* notification that replaces the previous, still unread one: the
inbox shows it on top as the latest news, and a client that reconnects asking for what came
after the last id it saw gets it (an update in place would keep the old id and be missed).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from marketplace_contracts import NotificationCreated
from marketplace_platform.aggregates import Aggregate
from notifications_service.domain.errors import NotificationNotFound
from notifications_service.domain.kinds import Kind
from notifications_service.domain.texts import Text


class Notification(Aggregate):
    def __init__(
        self,
        *,
        id: uuid.UUID,
        user_id: uuid.UUID,
        kind: Kind,
        title: str,
        body: str,
        link: str,
        created_at: datetime,
        group_key: str | None = None,
        count: int = 1,
    ) -> None:
        self.id = id
        self.user_id = user_id
        self.kind = kind.value
        self.title = title
        self.body = body
        self.link = link
        self.created_at = created_at
        self.read_at: datetime | None = None
        # Notifications with the same key may fold into one (likes on one item).
        self.group_key = group_key
        self.count = count

    @classmethod
    def make(
        cls,
        *,
        id: uuid.UUID,
        user_id: uuid.UUID,
        kind: Kind,
        text: Text,
        link: str,
        at: datetime,
        group_key: str | None = None,
        count: int = 1,
        replaces: uuid.UUID | None = None,
    ) -> Notification:
        notification = cls(
            id=id,
            user_id=user_id,
            kind=kind,
            title=text.title,
            body=text.body,
            link=link,
            created_at=at,
            group_key=group_key,
            count=count,
        )
        notification.record(
            NotificationCreated(
                notification_id=id,
                user_id=user_id,
                kind=kind.value,
                count=count,
                replaces=replaces,
                created_at=at,
            )
        )
        return notification

    @property
    def unread(self) -> bool:
        return self.read_at is None

    def ensure_owned_by(self, user_id: uuid.UUID) -> None:
        """Another user's notification is answered as if it did not exist."""
        if self.user_id != user_id:
            raise NotificationNotFound("There is no notification with this id.")

    def mark_read(self, at: datetime) -> bool:
        """True if it was unread; reading it again changes nothing."""
        if self.read_at is not None:
            return False
        self.read_at = at
        return True

    def folds(self, *, group_key: str, at: datetime, window: timedelta) -> bool:
        """Whether a like on ``group_key`` at ``at`` folds into this notification: same item,
        not read yet, and within ``window`` of this one."""
        return self.group_key == group_key and self.unread and at - self.created_at <= window

    def folded(self, *, id: uuid.UUID, text: Text, at: datetime) -> Notification:
        """The notification that replaces this one with one more like in it."""
        return Notification.make(
            id=id,
            user_id=self.user_id,
            kind=Kind(self.kind),
            text=text,
            link=self.link,
            at=at,
            group_key=self.group_key,
            count=self.count + 1,
            replaces=self.id,
        )
