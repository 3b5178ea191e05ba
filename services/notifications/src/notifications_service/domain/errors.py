"""What can go wrong in the notifications service's use cases, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import InvalidInput, NotFound


class NotificationNotFound(NotFound):
    """Also the answer for another user's notification: its existence is not for others."""

    type_slug, title = "notification-not-found", "Notification not found"


class UnknownPreference(InvalidInput):
    type_slug, title = "unknown-preference", "Unknown notification type or channel"
