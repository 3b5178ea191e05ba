"""The caller's address as the gateway saw it, believed from the gateway only.

Services listen on the host's loopback behind the gateway, so their TCP peer is the gateway
(or any other process on the host). The gateway passes the real client on as the right-most
``X-Forwarded-For`` address; a service takes it only from a request that also carries the
gateway's credential, ``X-Gateway-Token``. Trusting the header by peer address (uvicorn's
``forwarded_allow_ips``) would believe every local process, which could then choose the
address that login throttling counts.

The credential is derived from the shared ``internal_token`` (HMAC with a fixed label), so
no new secret has to be handed out, and knowing it does not open the ``X-Internal-Token``
routes: the gateway sends it with every request it proxies, on behalf of anyone.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

GATEWAY_TOKEN_HEADER = "X-Gateway-Token"  # noqa: S105 - a header name, not a secret
_TOKEN_LABEL = b"marketplace gateway: forwarded for"
_SCHEMES = {b"http": "http", b"https": "https"}
_WS_SCHEMES = {"http": "ws", "https": "wss"}


def gateway_token(internal_token: str) -> str:
    """The value of ``X-Gateway-Token`` for a system whose shared secret is ``internal_token``."""
    return hmac.new(internal_token.encode(), _TOKEN_LABEL, hashlib.sha256).hexdigest()


class GatewayForwardedMiddleware:
    """Plain ASGI, outermost: with a valid ``X-Gateway-Token``, ``scope["client"]`` becomes the
    right-most ``X-Forwarded-For`` address and ``scope["scheme"]`` follows
    ``X-Forwarded-Proto``; without it both headers are ignored. (It replaces uvicorn's
    ``proxy_headers``, which must be off.)"""

    def __init__(self, app: ASGIApp, *, internal_token: str) -> None:
        self.app = app
        self._token = gateway_token(internal_token).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = self._forwarded(scope)
        await self.app(scope, receive, send)

    def _forwarded(self, scope: Scope) -> Scope:
        token = forwarded_for = proto = None
        for name, value in scope["headers"]:
            if name == b"x-gateway-token":
                token = value
            elif name == b"x-forwarded-for":
                forwarded_for = value  # the last line holds the right-most address
            elif name == b"x-forwarded-proto":
                proto = value
        if token is None or not hmac.compare_digest(token, self._token):
            return scope
        scope = dict(scope)
        if forwarded_for:
            client = forwarded_for.rpartition(b",")[2].strip().decode("latin-1")
            if client:
                scope["client"] = (client, 0)
        scheme = _SCHEMES.get((proto or b"").strip().lower())
        if scheme is not None:
            scope["scheme"] = _WS_SCHEMES[scheme] if scope["type"] == "websocket" else scheme
        return scope
