"""``/api/notifications/ws``: the real-time channel, behind the gateway's ``/ws``.

The socket is opened with an access token (the ``Authorization`` header, which the gateway
sends, or ``?token=``) and lives no longer than it: at its ``exp`` the socket is closed with
4001, and the client reconnects with a fresh token, passing ``?since=<last notification id it
saw>`` to get what it missed. A refused handshake is an HTTP problem answer, never an
accepted socket that closes at once: 401 without a valid token, 422 for a bad ``since``,
503 while the token cannot be checked.

Messages are JSON, ``{"type": ..., "data": {...}}`` (``domain.messages``): first ``hello``,
then the missed notifications oldest first, then live ``notification``, ``unread`` and
``order.status`` messages, and a ``heartbeat`` after every quiet stretch. What the client
sends is read (to notice it leaving) and ignored.

Close codes: 1000 the client left or the server is stopping; 4001 the token expired; 4008
the user opened more sockets than allowed and this was the oldest; 4009 the client read too
slowly for the pushes waiting for it. After 4001, 4008 and 4009 a client reconnects with
``since``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from marketplace_platform.http import problem_response
from marketplace_platform.problems import DomainError, InvalidInput, Unauthorized
from marketplace_platform.security.dependencies import verified_principal
from marketplace_platform.security.jwks import Principal, bearer_token
from notifications_service.adapters.realtime import CLOSE_TOKEN_EXPIRED, Connection
from notifications_service.api.deps import ComponentsDep
from notifications_service.domain.messages import Message, heartbeat_message, hello_message
from notifications_service.service import inbox

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/notifications", tags=["realtime"])

CLIENT_LEFT = 1000


async def _refuse(websocket: WebSocket, error: DomainError) -> None:
    response = problem_response(error.to_problem(websocket.url.path), error.headers())
    await websocket.send_denial_response(response)


async def _principal(websocket: WebSocket) -> Principal:
    token = bearer_token(websocket.headers.get("authorization")) or websocket.query_params.get(
        "token"
    )
    if not token:
        raise Unauthorized("A bearer token is required (Authorization header or ?token=).")
    return await verified_principal(websocket.app.state.verifier, token)


def _since(websocket: WebSocket) -> uuid.UUID | None:
    raw = websocket.query_params.get("since")
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidInput("since must be the id of a notification.") from None


@router.websocket("/ws")
async def realtime(websocket: WebSocket, components: ComponentsDep) -> None:
    try:
        principal = await _principal(websocket)
        since = _since(websocket)
    except DomainError as error:
        await _refuse(websocket, error)
        return
    assert principal.expires_at is not None  # every verified token has an exp
    connection = Connection(principal.user_id)
    components.hub.attach(connection)
    reader: asyncio.Task[None] | None = None
    try:
        # Attached before the catch-up is read: a push that races it is queued, not lost,
        # and one the catch-up already showed is skipped below.
        await websocket.accept()
        reader = asyncio.create_task(_read_until_closed(websocket, connection))
        shown = await _greet(websocket, components, principal, since)
        await _pump(websocket, connection, components, principal.expires_at, shown)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the client went away mid-send
    finally:
        components.hub.detach(connection)
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _greet(
    websocket: WebSocket, components: ComponentsDep, principal: Principal, since: uuid.UUID | None
) -> set[str]:
    """``hello``, then what the client missed after ``since``; the ids it was shown."""
    queries, user_id = components.queries, principal.user_id
    missed: list[dict[str, object]] = []
    more = False
    if since is not None:
        missed, more = await inbox.catch_up(
            queries=queries, user_id=user_id, since=since,
            limit=components.settings.catch_up_limit,
        )
    unread = await inbox.unread_count(queries=queries, user_id=user_id)
    expires_at = datetime.fromtimestamp(principal.expires_at or 0, UTC)
    hello = hello_message(user_id=user_id, unread=unread, expires_at=expires_at)
    hello["data"].update({"missed": len(missed), "more": more})
    await _send(websocket, hello)
    for document in missed:
        await _send(websocket, {"type": "notification", "data": document})
    return {str(document["id"]) for document in missed}


async def _pump(
    websocket: WebSocket,
    connection: Connection,
    components: ComponentsDep,
    expires_at: float,
    shown: set[str],
) -> None:
    heartbeat = components.settings.heartbeat.total_seconds()
    while True:
        left = expires_at - time.time()
        if left <= 0:
            await websocket.close(CLOSE_TOKEN_EXPIRED, "the access token expired; reconnect")
            return
        try:
            async with asyncio.timeout(min(heartbeat, left)):
                payload = await connection.queue.get()
        except TimeoutError:
            if expires_at - time.time() > 0:
                await _send(websocket, heartbeat_message(datetime.now(UTC)))
            continue
        if connection.closing is not None:
            code, reason = connection.closing
            if code != CLIENT_LEFT:
                await websocket.close(code, reason)
            return
        if shown and _already_shown(payload, shown):
            continue
        await websocket.send_text(payload)


def _already_shown(payload: str, shown: set[str]) -> bool:
    message = orjson.loads(payload)
    return message.get("type") == "notification" and message["data"].get("id") in shown


async def _read_until_closed(websocket: WebSocket, connection: Connection) -> None:
    """Reads (and ignores) what the client sends, until it leaves."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    connection.close(CLIENT_LEFT, "the client left")


async def _send(websocket: WebSocket, message: Message) -> None:
    await websocket.send_text(orjson.dumps(message).decode())
