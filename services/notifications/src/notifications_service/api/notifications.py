"""The inbox and the preferences: ``/api/notifications``. Every route is the caller's own:
another user's notification answers 404, as one that does not exist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from notifications_service.api.deps import (
    CurrentUser,
    PusherDep,
    QueriesDep,
    ReadUnitOfWorkDep,
    UnitOfWorkDep,
)
from notifications_service.schemas import (
    NotificationPage,
    NotificationRead,
    PreferencesRead,
    PreferencesUpdate,
    ReadAll,
    UnreadCount,
)
from notifications_service.service import inbox, preferences

DEFAULT_PAGE, MAX_PAGE = 20, 100

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("", response_model=NotificationPage)
async def list_notifications(
    user: CurrentUser,
    queries: QueriesDep,
    unread: bool = False,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> JSONResponse:
    """My notifications, newest first; ``unread=true`` for the unread ones only."""
    page = await inbox.get_all(
        queries=queries, user_id=user.user_id, unread=unread, cursor=cursor, limit=limit
    )
    return JSONResponse(NotificationPage.document(page))


@router.get("/unread-count")
async def unread_count(user: CurrentUser, queries: QueriesDep) -> UnreadCount:
    """How many of my notifications are unread."""
    return UnreadCount(unread=await inbox.unread_count(queries=queries, user_id=user.user_id))


@router.post("/read-all")
async def read_all(user: CurrentUser, uow: UnitOfWorkDep, pusher: PusherDep) -> ReadAll:
    """Mark all my notifications read."""
    marked = await inbox.mark_all_read(uow=uow, pusher=pusher, user_id=user.user_id)
    return ReadAll(marked=marked, unread=0)


@router.get("/preferences", response_model=PreferencesRead)
async def get_preferences(user: CurrentUser, uow: ReadUnitOfWorkDep) -> JSONResponse:
    """My language and, per notification type and channel, whether it reaches me."""
    found = await preferences.get(uow=uow, user_id=user.user_id)
    return JSONResponse(PreferencesRead.document(found))


@router.put("/preferences", response_model=PreferencesRead)
async def update_preferences(
    body: PreferencesUpdate, user: CurrentUser, uow: UnitOfWorkDep
) -> JSONResponse:
    """Change my language or switch types on or off per channel; what is not named stays."""
    changed = await preferences.update(
        uow=uow, user_id=user.user_id, language=body.language, switches=body.switches()
    )
    return JSONResponse(PreferencesRead.document(changed))


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def mark_read(
    notification_id: uuid.UUID, user: CurrentUser, uow: UnitOfWorkDep, pusher: PusherDep
) -> JSONResponse:
    """Mark one of my notifications read."""
    document = await inbox.mark_read(
        uow=uow, pusher=pusher, user_id=user.user_id, notification_id=notification_id
    )
    return JSONResponse(document)


@router.delete("/{notification_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_notification(
    notification_id: uuid.UUID, user: CurrentUser, uow: UnitOfWorkDep, pusher: PusherDep
) -> Response:
    """Delete one of my notifications."""
    await inbox.delete(
        uow=uow, pusher=pusher, user_id=user.user_id, notification_id=notification_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
