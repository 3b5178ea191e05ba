"""RFC 9457 problem answers made by the gateway itself (an upstream's problems pass through
untouched)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web

from marketplace_platform.problems import PROBLEM_JSON, STATUS_SLUGS, STATUS_TITLES, problem
from marketplace_platform.security.jwks import KeysUnavailable


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
    **extra: Any,
) -> web.Response:
    body = problem(
        status,
        title or STATUS_TITLES.get(status, "Error"),
        detail,
        type_slug=STATUS_SLUGS.get(status),
        instance=instance,
        **extra,
    )
    return web.Response(
        status=status, body=orjson.dumps(body), content_type=PROBLEM_JSON, headers=headers
    )


def unauthorized(detail: str, *, instance: str, invalid_token: bool) -> web.Response:
    # RFC 6750 section 3: name the scheme, and say "invalid_token" when one was offered.
    challenge = 'Bearer realm="marketplace"'
    if invalid_token:
        challenge += ', error="invalid_token"'
    return problem_response(
        401, detail, instance=instance, headers={"WWW-Authenticate": challenge}
    )


def keys_unavailable(exc: KeysUnavailable, *, instance: str) -> web.Response:
    # The token could not be checked (auth's keys could not be fetched): not the token's
    # fault, so no 401, which would make the client drop a good token.
    return problem_response(
        503,
        f"The token cannot be checked now: {exc}.",
        instance=instance,
        headers={"Retry-After": str(exc.retry_after)},
    )


def closing_answer(status: int, detail: str, *, retry_after: int | None = None) -> bytes:
    """A whole HTTP/1.1 problem answer, as bytes to write on a connection that is closed
    right after (one refused, or timed out, before any request was read)."""
    body = orjson.dumps(
        problem(status, STATUS_TITLES[status], detail, type_slug=STATUS_SLUGS[status])
    )
    retry = b"Retry-After: %d\r\n" % retry_after if retry_after is not None else b""
    return b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s" \
        b"Connection: close\r\n\r\n%s" % (
            status, HTTPStatus(status).phrase.encode(), PROBLEM_JSON.encode(), len(body),
            retry, body,
        )
