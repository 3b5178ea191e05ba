"""FastAPI dependencies for the caller's identity: ``CurrentUser``, ``AdminUser``,
``OptionalUser`` and ``InternalCaller``.

Routes read as ``async def list_orders(user: CurrentUser)``. The verifier lives on
``app.state.verifier`` (set by the service's composition root), so tests can swap it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.problems import Forbidden, ServiceUnavailable, Unauthorized
from marketplace_platform.security.jwks import (
    InvalidToken,
    JWKSVerifier,
    KeysUnavailable,
    Principal,
    bearer_token,
)
from marketplace_platform.settings import ServiceSettings

INTERNAL_TOKEN_HEADER = "X-Internal-Token"  # noqa: S105 - a header name, not a secret


async def verified_principal(verifier: JWKSVerifier, token: str) -> Principal:
    """Who ``token`` says the caller is, or the problem to answer: 401 for a bad token,
    503 while the keys to check it cannot be had. For routes and WebSocket handshakes."""
    try:
        return await verifier.principal(token)
    except InvalidToken as exc:
        raise Unauthorized(f"The token was rejected: {exc}") from exc
    except KeysUnavailable as exc:
        # Not the token's fault: a 401 would make the client drop a good token.
        raise ServiceUnavailable(
            f"The token cannot be checked now: {exc}.", retry_after=exc.retry_after
        ) from exc


async def current_principal(request: Request) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized("A bearer token is required.")
    principal = await verified_principal(request.app.state.verifier, token)
    request.state.principal = principal
    return principal


async def optional_principal(request: Request) -> Principal | None:
    """The caller of a public route, if they sent a token: public answers may say more to a
    signed-in user (a listing's ``liked_by_me``). A token that is sent is checked like any
    other, and a bad one is a 401: answering as if to a stranger would hide from the client
    that its token no longer works."""
    if request.headers.get("authorization") is None:
        return None
    return await current_principal(request)


async def admin_principal(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    if not principal.is_admin:
        raise Forbidden("This action needs the admin role.")
    return principal


async def internal_caller(request: Request) -> None:
    """Another service of this system: it knows the shared ``internal_token``. Compared in
    constant time, so the answer's timing tells nothing about how much of a guess was right."""
    settings: ServiceSettings = request.app.state.settings
    sent = request.headers.get(INTERNAL_TOKEN_HEADER, "")
    if not hmac.compare_digest(sent.encode(), settings.internal_token.encode()):
        raise Unauthorized(f"This route is for other services: a valid {INTERNAL_TOKEN_HEADER}.")


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
InternalCaller = Annotated[None, Depends(internal_caller)]
