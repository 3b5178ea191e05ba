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

Close codes: 1000 the client left; 1001 the server is stopping; 4001 the token expired; 4008
the user opened more sockets than allowed and this was the oldest; 4009 the client read too
slowly for the pushes waiting for it. After any of them a client reconnects with ``since``.

Plain ASGI rather than a FastAPI route: a replica holds thousands of idle sockets, and the
route's machinery (a ``WebSocket`` object, dependency solving, an exit stack each) would make
each cost half as much again (docs/benchmarks.md). ``RealtimeChannel`` sits in front of the
app and takes only this path's handshakes.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace_platform.problems import DomainError, InvalidInput, Unauthorized
from marketplace_platform.security.dependencies import verified_principal
from marketplace_platform.security.jwks import JWKSVerifier, Principal, bearer_token
from notifications_service.adapters.realtime import CLOSE_TOKEN_EXPIRED, Connection
from notifications_service.components import Components
from notifications_service.domain.messages import hello_message
from notifications_service.service import inbox

log = logging.getLogger(__name__)

PATH = "/api/notifications/ws"
PROBLEM_JSON = b"application/problem+json"


class Handshake:
    """What the client sent to open the socket."""

    def __init__(self, scope: Scope) -> None:
        self.path: str = scope["path"]
        self.headers = {name.lower(): value for name, value in scope["headers"]}
        self.query = parse_qs(scope.get("query_string", b"").decode("latin-1"))

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def token(self) -> str | None:
        authorization = self.headers.get(b"authorization", b"").decode("latin-1")
        return bearer_token(authorization) or self.param("token")

    def since(self) -> uuid.UUID | None:
        raw = self.param("since")
        if raw is None:
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise InvalidInput("since must be the id of a notification.") from None


class RealtimeChannel:
    """Serves the handshakes of ``PATH`` itself; passes everything else to ``app``."""

    def __init__(self, app: ASGIApp, *, components: Components, verifier: JWKSVerifier) -> None:
        self.app = app
        self.components = components
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if (await receive())["type"] != "websocket.connect":
            return
        handshake = Handshake(scope)
        try:
            principal = await self._principal(handshake)
            since = handshake.since()
        except DomainError as error:
            await _refuse(send, error, handshake.path)
            return
        del handshake  # its copies of the headers and query need not live as long as the socket
        await self._serve(principal, since, receive, send)

    async def _principal(self, handshake: Handshake) -> Principal:
        token = handshake.token()
        if not token:
            raise Unauthorized("A bearer token is required (Authorization header or ?token=).")
        return await verified_principal(self.verifier, token)

    async def _serve(
        self, principal: Principal, since: uuid.UUID | None, receive: Receive, send: Send
    ) -> None:
        async def send_text(text: str) -> None:
            await send({"type": "websocket.send", "text": text})

        async def close(code: int, reason: str) -> None:
            await send({"type": "websocket.close", "code": code, "reason": reason})

        connection = Connection(principal.user_id, send=send_text, close=close)
        hub = self.components.hub
        expires_at = principal.expires_at or time.time()
        # Attached before the catch-up is read: a push that races it waits, not lost, and
        # one the catch-up already showed is dropped.
        hub.attach(connection)
        expiry = asyncio.get_running_loop().call_later(
            max(0.0, expires_at - time.time()),
            connection.close, CLOSE_TOKEN_EXPIRED, "the access token expired; reconnect",
        )
        try:
            await send({"type": "websocket.accept"})
            shown = await self._greet(send_text, principal, since, expires_at)
            connection.open(shown)
            while (await receive())["type"] != "websocket.disconnect":
                pass  # what the client says is not listened to
        except OSError as error:  # the client went away mid-greeting
            log.debug("a socket ended while greeting: %s", error)
        finally:
            expiry.cancel()
            connection.gone()
            hub.detach(connection)

    async def _greet(
        self,
        send_text: Any,
        principal: Principal,
        since: uuid.UUID | None,
        expires_at: float,
    ) -> set[str]:
        """``hello``, then what the client missed after ``since``; the ids it was shown."""
        queries, user_id = self.components.queries, principal.user_id
        missed: list[dict[str, Any]] = []
        more = False
        if since is not None:
            missed, more = await inbox.catch_up(
                queries=queries, user_id=user_id, since=since,
                limit=self.components.settings.catch_up_limit,
            )
        unread = await inbox.unread_count(queries=queries, user_id=user_id)
        hello = hello_message(
            user_id=user_id, unread=unread, expires_at=datetime.fromtimestamp(expires_at, UTC)
        )
        hello["data"].update({"missed": len(missed), "more": more})
        await send_text(orjson.dumps(hello).decode())
        for document in missed:
            await send_text(orjson.dumps({"type": "notification", "data": document}).decode())
        return {str(document["id"]) for document in missed}


async def _refuse(send: Send, error: DomainError, path: str) -> None:
    """The handshake answered with an HTTP problem (the ASGI WebSocket denial response)."""
    body = orjson.dumps(error.to_problem(path))
    headers = [(b"content-type", PROBLEM_JSON), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers().items()]
    start: Message = {"type": "websocket.http.response.start", "status": error.status,
                      "headers": headers}
    await send(start)
    await send({"type": "websocket.http.response.body", "body": body})
