"""RFC 9457 problem answers made by the gateway itself (an upstream's problems pass through
untouched)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from marketplace_platform.problems import PROBLEM_JSON, STATUS_SLUGS, STATUS_TITLES, problem


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
