"""Events published by the auth service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from marketplace_contracts.envelope import Event

Role = Literal["user", "admin"]


class UserRegistered(Event):
    TYPE: ClassVar[str] = "auth.user.registered.v1"

    user_id: uuid.UUID
    email: str
    name: str
    role: Role

    def event_subject(self) -> str:
        return str(self.user_id)


class UserUpdated(Event):
    """A profile or role change. ``changed`` names the fields that changed."""

    TYPE: ClassVar[str] = "auth.user.updated.v1"

    user_id: uuid.UUID
    name: str
    role: Role
    changed: list[str]

    def event_subject(self) -> str:
        return str(self.user_id)


class UserLoggedIn(Event):
    """A user logged in with their password (a refresh is not a login). Analytics counts
    active users from it; nothing else about the session travels."""

    TYPE: ClassVar[str] = "auth.user.logged_in.v1"

    user_id: uuid.UUID
    logged_in_at: datetime

    def event_subject(self) -> str:
        return str(self.user_id)
