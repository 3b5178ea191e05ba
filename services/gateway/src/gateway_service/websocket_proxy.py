"""``/ws``: the browser's real-time channel, proxied to a notifications replica.

Browsers cannot set headers on a WebSocket, so the token may come as ``?token=``. It is
checked here like any bearer token, then sent upstream in the ``Authorization`` header and
dropped from the query, so it never lands in an upstream's access log. The upstream socket is
opened before the browser's is accepted: a replica that is down or refuses the user becomes
an HTTP answer the browser can read, not an accepted socket that closes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
from aiohttp import WSMsgType, web
from yarl import URL

from gateway_service.authentication import InvalidToken, KeysUnavailable, TokenCheck
from gateway_service.balancer import Balancer
from gateway_service.client_address import TrustedProxies
from gateway_service.metrics import GatewayMetrics
from gateway_service.problem_responses import keys_unavailable, problem_response, unauthorized
from marketplace_platform.forwarded import GATEWAY_TOKEN_HEADER
from marketplace_platform.logs import request_id_var
from marketplace_platform.security.jwks import bearer_token
from marketplace_platform.tracing import traceparent_var

log = logging.getLogger("gateway.websocket")

SERVICE = "notifications"
_HEARTBEAT = 30.0
# Close codes that describe a closure but may not be sent in a close frame (RFC 6455 7.4.1).
_RESERVED_CLOSE_CODES = frozenset({1005, 1006, 1015})
_BAD_GATEWAY_CLOSE = 1014


def _close_code(code: object) -> int:
    if not isinstance(code, int) or code == 1005:
        return 1000
    if code in _RESERVED_CLOSE_CODES:
        return _BAD_GATEWAY_CLOSE
    return code


class WebSocketProxy:
    def __init__(
        self,
        *,
        balancer: Balancer,
        token_check: TokenCheck,
        metrics: GatewayMetrics,
        upstream_path: str,
        trusted_proxies: TrustedProxies,
        credential: str,
    ) -> None:
        self.balancer = balancer
        self.trusted_proxies = trusted_proxies
        self.credential = credential  # X-Gateway-Token: the service believes the address
        self.token_check = token_check
        self.metrics = metrics
        self.upstream_path = upstream_path
        self.session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        pool = self.balancer.pool(SERVICE)
        if pool is None:
            return problem_response(
                503, "Real-time notifications are not available on this gateway.",
                instance=path,
            )
        token = bearer_token(request.headers.get("Authorization")) or request.query.get("token")
        if not token:
            return unauthorized(
                "A bearer token is required (Authorization header or 'token' parameter).",
                instance=path, invalid_token=False,
            )
        try:
            await self.token_check.verify(token)
        except InvalidToken as exc:
            return unauthorized(f"The token was refused: {exc}", instance=path,
                                invalid_token=True)
        except KeysUnavailable as exc:
            return keys_unavailable(exc, instance=path)
        if not web.WebSocketResponse().can_prepare(request).ok:
            return problem_response(400, "Expected a WebSocket upgrade.", instance=path)

        query = request.rel_url.query.copy()
        query.popall("token", None)
        headers = {
            "Authorization": f"Bearer {token}",
            "X-Request-ID": request_id_var.get() or "",
            "traceparent": traceparent_var.get() or "",
            "X-Forwarded-For": self.trusted_proxies.client(
                request.remote or "", request.headers.getall("X-Forwarded-For", ())
            )[0],
            "X-Forwarded-Proto": request.scheme,
            "X-Forwarded-Host": request.host,
            GATEWAY_TOKEN_HEADER: self.credential,
        }
        requested = request.headers.get("Sec-WebSocket-Protocol", "")
        protocols = tuple(p.strip() for p in requested.split(",") if p.strip())

        session = self.session
        assert session is not None, "the proxy is used before the app started"
        upstream: aiohttp.ClientWebSocketResponse | None = None
        replica = pool.pick()
        for attempt in (1, 2):
            if replica is None:
                break
            url = URL(replica.base).with_path(self.upstream_path).with_query(query)
            try:
                upstream = await session.ws_connect(
                    url, headers=headers, protocols=protocols, heartbeat=_HEARTBEAT,
                    autoclose=False,
                )
                break
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status in (401, 403):
                    return problem_response(exc.status, "The notifications service refused.",
                                            instance=path)
                self.metrics.upstream_error(SERVICE, "ws_handshake")
                return problem_response(502, "The notifications service refused the socket.",
                                        instance=path)
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
                self.metrics.upstream_error(SERVICE, "connect")
                self.balancer.eject(replica)
                replica = pool.pick_other(replica) if attempt == 1 else None
            except (aiohttp.ClientError, TimeoutError):
                self.metrics.upstream_error(SERVICE, "ws_handshake")
                return problem_response(502, "The notifications service failed the handshake.",
                                        instance=path)
        if upstream is None:
            return problem_response(503, "The notifications service is unreachable.",
                                    instance=path, headers={"Retry-After": "1"})

        client = web.WebSocketResponse(
            protocols=(upstream.protocol,) if upstream.protocol else (),
            heartbeat=_HEARTBEAT, autoclose=False,
        )
        try:
            await client.prepare(request)
            await _splice(client, upstream)
        finally:
            await upstream.close()
        return client


Closure = tuple[int, bytes]


async def _pump(
    source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
    sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
) -> Closure:
    """Copy messages until ``source`` closes; answer the close code and reason it gave."""
    while True:
        message = await source.receive()
        if message.type is WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type is WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        elif message.type is WSMsgType.CLOSE:
            reason = message.extra.encode() if isinstance(message.extra, str) else b""
            return _close_code(message.data), reason
        elif message.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return _close_code(source.close_code or 1006), b""


async def _splice(
    client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse
) -> None:
    to_upstream = asyncio.create_task(_pump(client, upstream))
    to_client = asyncio.create_task(_pump(upstream, client))
    try:
        done, _ = await asyncio.wait(
            (to_upstream, to_client), return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in (to_upstream, to_client):
            task.cancel()
        for task in (to_upstream, to_client):
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError,
                                     ConnectionError):
                await task
    finished = done.pop()
    code, reason = 1000, b""
    if not finished.cancelled() and finished.exception() is None:
        code, reason = finished.result()
    # Whichever side closed first, the other side hears the same code and reason; the side
    # that closed gets its closing handshake answered (autoclose is off on both).
    await upstream.close(code=code, message=reason)
    await client.close(code=code, message=reason)
