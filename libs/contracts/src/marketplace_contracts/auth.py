"""Events published by the auth service."""

from __future__ import annotations

import uuid
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
