"""A user's preferences: read them (the defaults until they change any), change some."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from marketplace_platform.clock import utcnow
from notifications_service.domain.kinds import Language
from notifications_service.domain.preferences import Preferences
from notifications_service.service.ports import UnitOfWork


async def get(*, uow: UnitOfWork, user_id: uuid.UUID) -> Preferences:
    async with uow:
        return await uow.preferences.of(user_id)


async def update(
    *,
    uow: UnitOfWork,
    user_id: uuid.UUID,
    language: Language | None,
    switches: Mapping[str, Mapping[str, bool]],
) -> Preferences:
    """Set the language and the switches named; the others stay as they were."""
    async with uow:
        preferences = await uow.preferences.lock(user_id)
        preferences.change(at=utcnow(), language=language, switches=switches)
        await uow.commit()
    return preferences
