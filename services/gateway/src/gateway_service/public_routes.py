"""The explicit list of proxied routes that need no token.

Everything else under ``/api`` needs ``Authorization: Bearer <token>``. The gateway's own
pages (``/``, ``/docs``, ``/openapi.json``, ``/health/*``, ``/metrics``) are public by
construction: only the proxy and ``/ws`` check tokens.

Patterns are matched against the decoded, dot-segment-free path (the proxy refuses paths with
``.`` or ``..`` segments before asking): ``*`` is exactly one path segment, a trailing ``/**``
is the prefix itself and anything below it. HEAD is allowed wherever GET is.

A route marked ``sole`` is the only one its service has on that path: there a request of
any other method goes through without a token too, so the client gets the service's own
answer (405 and its ``Allow``) rather than a 401 that suggests a token would help. Where
a path may also have routes that need a token (``/api/reviews`` takes a token to POST, the
catalog's paths to write), other methods still need one: the gateway is where that is
checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublicRoute:
    method: str
    pattern: str
    sole: bool = False


PUBLIC_ROUTES: tuple[PublicRoute, ...] = (
    PublicRoute("POST", "/api/auth/register", sole=True),
    PublicRoute("POST", "/api/auth/login", sole=True),
    PublicRoute("POST", "/api/auth/refresh", sole=True),
    PublicRoute("POST", "/api/auth/logout", sole=True),
    PublicRoute("GET", "/api/auth/jwks.json", sole=True),
    PublicRoute("GET", "/api/auth/avatars/**"),
    PublicRoute("GET", "/api/catalog/**"),
    PublicRoute("GET", "/api/reviews"),
    PublicRoute("GET", "/api/reviews/*"),
    PublicRoute("GET", "/api/reviews/*/comments"),
    PublicRoute("GET", "/api/reviews/comments/*"),
    PublicRoute("GET", "/api/reviews/products/*/rating"),
    PublicRoute("GET", "/api/analytics/products/*/stats"),
    PublicRoute("GET", "/api/analytics/popular"),
)

_ANY_METHOD = "*"  # the key of ``sole`` routes: every method goes through there
_API_PREFIX = re.compile(r"^/api/([^/]+)")


def _compile(pattern: str) -> re.Pattern[str]:
    parts = pattern.strip("/").split("/")
    tail = ""
    if parts[-1] == "**":
        parts.pop()
        tail = "(?:/.*)?"
    if any("**" in part for part in parts):
        raise ValueError(f"'**' may only end a pattern: {pattern}")
    body = "".join("/[^/]+" if part == "*" else "/" + re.escape(part) for part in parts)
    return re.compile(f"{body}{tail}")


class PublicRouteTable:
    """Answers "may this request go through without a token?" in a dict look-up and a few
    regex matches: routes are grouped by method and service."""

    def __init__(self, routes: Iterable[PublicRoute] = PUBLIC_ROUTES) -> None:
        table: dict[tuple[str, str], list[re.Pattern[str]]] = {}
        for route in routes:
            match = _API_PREFIX.match(route.pattern)
            if match is None:
                raise ValueError(f"public routes live under /api/<service>/: {route.pattern}")
            methods = ("GET", "HEAD") if route.method == "GET" else (route.method,)
            if route.sole:
                methods = (*methods, _ANY_METHOD)
            for method in methods:
                table.setdefault((method, match.group(1)), []).append(_compile(route.pattern))
        self._table = {key: tuple(patterns) for key, patterns in table.items()}

    def is_public(self, method: str, service: str, path: str) -> bool:
        return self._matches(method, service, path) or self._matches(_ANY_METHOD, service, path)

    def _matches(self, method: str, service: str, path: str) -> bool:
        patterns = self._table.get((method, service))
        if patterns is None:
            return False
        return any(pattern.fullmatch(path) for pattern in patterns)
