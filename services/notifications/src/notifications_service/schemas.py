"""Request and response bodies of the notifications API (``XRead / XPage / XUpdate``),
kept apart from the domain classes. Routes answer the documents of ``domain.messages``,
which these models describe in the OpenAPI document."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from marketplace_platform.pagination import Page
from notifications_service.domain.kinds import Kind, Language
from notifications_service.domain.preferences import Preferences


class NotificationRead(BaseModel):
    id: uuid.UUID
    type: Kind
    title: str
    body: str
    link: str = Field(description="Where it leads on the site, a path such as /orders/{id}.")
    count: int = Field(description="How many events it stands for (likes fold into one).")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None = None

    @staticmethod
    def document(page: Page[dict[str, Any]]) -> dict[str, Any]:
        return {"items": page.items, "next_cursor": page.next_cursor}


class UnreadCount(BaseModel):
    unread: int


class ReadAll(BaseModel):
    marked: int = Field(description="How many notifications were unread until now.")
    unread: int


class ChannelSwitches(BaseModel):
    model_config = ConfigDict(extra="forbid")

    in_app: StrictBool | None = None
    email: StrictBool | None = None

    def named(self) -> dict[str, bool]:
        return {name: on for name, on in self.model_dump().items() if on is not None}


class PreferencesRead(BaseModel):
    language: Language
    types: dict[Kind, dict[str, bool]] = Field(
        description="Every notification type and channel (in_app, email): on or off."
    )

    @staticmethod
    def document(preferences: Preferences) -> dict[str, Any]:
        return {"language": preferences.language, "types": preferences.table()}


class PreferencesUpdate(BaseModel):
    """What to change; types and channels not named keep their setting."""

    model_config = ConfigDict(extra="forbid")

    language: Language | None = None
    types: dict[Kind, ChannelSwitches] = Field(default_factory=dict)

    def switches(self) -> dict[str, dict[str, bool]]:
        return {kind.value: channels.named() for kind, channels in self.types.items()}
